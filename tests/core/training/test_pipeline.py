"""The training pipeline: quick profile end to end, selection, determinism, the demo bundle."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from mlflow.tracking import MlflowClient

import core
import core.data.tables
from core.cost import CostWeights, optimal_threshold
from core.training.selection import select_features
from core.training.tuning import cv_predictions
from tests.conftest import REPO


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    """One quick-profile run through the CLI (synthetic data, sqlite MLflow store)."""
    root = tmp_path_factory.mktemp("train")
    uri = f"sqlite:///{root / 'mlflow.db'}"
    res = subprocess.run(
        [sys.executable, "-m", "core.cli", "train", "--profile", "quick", "--out", str(root / "bundle"), "--tracking-uri", uri, "--seed", "1"],
        cwd=root, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr[-3000:]
    return root, uri, res


@pytest.mark.slow
def test_quick_profile_end_to_end(quick_run):
    root, uri, res = quick_run
    bundle = core.load_bundle(root / "bundle")
    assert bundle.provenance.synthetic and "SYNTHETIC" in bundle.provenance.description
    assert 20 <= len(bundle.schema.names) <= 40
    test = bundle.metrics["test"]
    assert 0.6 < test["roc_auc"] < 0.95
    assert test["tp"] + test["fp"] + test["tn"] + test["fn"] == test["n"] == len(bundle.validation)
    assert {r["model"] for r in bundle.metrics["benchmark"]} == {
        "logistic_regression", "random_forest", "lightgbm", "xgboost", "catboost", "mlp",
    }  # fmt: skip
    # the threshold is cost-optimal on out-of-fold predictions: it is not the default 0.5
    assert 0 < bundle.threshold < 0.5
    # an application bundle: it scores a reference client's raw application with its history
    assert bundle.schema.contract == "application" and len(bundle.schema.inputs) == 120
    service = core.ScoringService(bundle)
    result = service.score(service.example_record())
    assert 0 < result.probability < 1 and result.history == "known" and result.toward_default
    # quality is reported with and without history
    assert 0.5 < bundle.metrics["test_no_history"]["roc_auc"] < 0.95
    # every feature carries its registry entry (labels, unit, bounds)
    assert all(f.info is not None and f.info.label_fr and f.info.label_en for f in bundle.schema.features)
    assert "roc_auc" in res.stdout and "MLflow run" in res.stdout


@pytest.mark.slow
def test_mlflow_run_recorded(quick_run):
    root, uri, _ = quick_run
    client = MlflowClient(tracking_uri=uri)
    run_id = core.load_bundle(root / "bundle").metrics["mlflow_run_id"]
    run = client.get_run(run_id)
    assert run.data.params["profile"] == "quick"
    assert "bench.catboost.roc_auc" in run.data.metrics and "test.cost_per_client" in run.data.metrics
    assert len(client.get_metric_history(run_id, "bench.lightgbm.fold_auc")) == 3
    artifacts = {a.path for a in client.list_artifacts(run_id)}
    assert {"benchmark.csv", "bundle", "plots", "selected_features.txt"} <= artifacts
    bench = pd.read_csv(client.download_artifacts(run_id, "benchmark.csv", str(root)))
    assert len(bench) == 6 and {"roc_auc", "cost_per_client", "recall", "precision", "fit_seconds"} <= set(
        bench.columns
    )
    plots = {a.path for a in client.list_artifacts(run_id, "plots")}
    assert "plots/cost_curve_oof.png" in plots and "plots/shap_importance.png" in plots
    # one nested run per benchmarked family, with its figures
    nested = client.search_runs([run.info.experiment_id], f"tags.mlflow.parentRunId = '{run_id}'")
    assert {r.data.params["family"] for r in nested} == set(bench["model"])
    assert all("roc_auc" in r.data.metrics and "cost_per_client" in r.data.metrics for r in nested)


@pytest.mark.slow
def test_the_bundle_is_a_registered_mlflow_model(quick_run):
    root, uri, res = quick_run
    bundle = core.load_bundle(root / "bundle")
    client = MlflowClient(tracking_uri=uri)
    run = client.get_run(bundle.metrics["mlflow_run_id"])
    registered = run.data.tags["registered_model"]
    assert registered == "models:/pret-a-depenser-catboost/1" and registered in res.stdout
    version = client.get_model_version("pret-a-depenser-catboost", "1")
    assert float(version.tags["test.roc_auc"]) == pytest.approx(bundle.metrics["test"]["roc_auc"], abs=1e-5)
    assert float(version.tags["test.threshold"]) == pytest.approx(bundle.threshold, abs=1e-5)
    assert "SYNTHETIC" in version.tags["data"] and version.tags["synthetic"] == "true"
    assert "family_gap" in version.tags and "CatBoost" in version.tags["family_gap"]
    # the registered model loads as the bundle it holds, through the project's loader
    from core.serving.registered import load_registered_bundle

    again = load_registered_bundle(registered, tracking_uri=uri)
    assert again.version == bundle.version and again.threshold == bundle.threshold
    assert again.schema.names == bundle.schema.names


def test_selection_drops_correlated_and_hits_size():
    rng = np.random.default_rng(0)
    a = rng.normal(size=500)
    x = pd.DataFrame(
        {
            "A": a,
            "A_COPY": a * 2 + 1e-3 * rng.normal(size=500),
            "B": rng.normal(size=500),
            "C": rng.normal(size=500),
            "CAT": rng.choice(["x", "y"], 500),
        }
    )
    importance = pd.Series({"A": 5.0, "A_COPY": 4.0, "CAT": 3.0, "B": 2.0, "C": 1.0})
    assert select_features(x, importance, ["CAT"], n_features=3) == ["A", "CAT", "B"]
    assert select_features(x, importance, ["CAT"], n_features=10) == ["A", "CAT", "B", "C"]
    assert select_features(x, importance.replace(1.0, 0.0), ["CAT"], n_features=10) == ["A", "CAT", "B"]


def test_cv_and_threshold_are_deterministic(toy_bundle):
    from tests.toy import toy_frame

    frame = toy_frame(400, 3)
    x = core.to_model_frame(frame, toy_bundle.schema)
    y = frame["TARGET"].to_numpy()
    params = {"depth": 3, "learning_rate": 0.1}
    runs = [
        cv_predictions(x, y, ["CODE_GENDER", "NAME_EDUCATION_TYPE"], params, iterations=30, folds=3, seed=5)
        for _ in range(2)
    ]
    np.testing.assert_array_equal(runs[0], runs[1])
    assert optimal_threshold(y, runs[0], CostWeights()) == optimal_threshold(y, runs[1], CostWeights())


def test_demo_bundle_is_committed_and_synthetic():
    manifest = json.loads((REPO / "assets" / "demo_bundle" / "manifest.json").read_text())
    assert manifest["provenance"]["synthetic"] is True
    bundle = core.load_bundle(REPO / "assets" / "demo_bundle")
    assert bundle.schema.contract == "application"
    assert 100 <= len(bundle.schema.names) <= 130
    assert sum(p.stat().st_size for p in (REPO / "assets" / "demo_bundle").iterdir()) < 8 * 2**20
    example = json.loads((REPO / "examples" / "input_example.json").read_text())
    assert set(example) == {"SK_ID_CURR", *(s.name for s in bundle.schema.inputs)}
    assert example["SK_ID_CURR"] > core.data.tables.HOME_CREDIT_MAX_ID["SK_ID_CURR"]  # synthetic id
    assert core.ScoringService(bundle).score(example).decision in ("ACCEPTED", "REFUSED")
    # the model card reports quality without history and on real applicants
    assert {"test", "test_no_history"} <= set(bundle.metrics)
