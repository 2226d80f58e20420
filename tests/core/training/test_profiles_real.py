"""Every profile's code path, on the real Home Credit sample and on adversarial synthetic tables, with a
tiny budget override (the profile's folds and model families, a few trees): no infinity, no crash."""

from __future__ import annotations

import functools
import json

import numpy as np
import pytest

import core
import core.training.pipeline as pipeline
from core.data import generate
from core.features.application import APPLICATION_FIELDS
from core.features.registry import registry
from core.training.profiles import PROFILES
from tests.conftest import HOMECREDIT

TINY = {
    "benchmark_rows": 300, "benchmark_trees": 5, "selection_iterations": 10, "optuna_trials": 1,
    "optuna_timeout_s": 30, "iterations": 10, "reference_size": 30, "n_features": 10,
}  # fmt: skip


@pytest.fixture(scope="module")
def cached_load():
    """``_load`` once per data folder (building the real features takes seconds; the profile only
    sizes synthetic data, which these tests never generate through ``_load``)."""
    return functools.lru_cache(maxsize=4)(pipeline._load)


def _run(monkeypatch, cached_load, tmp_path, data, profile, **kw):
    monkeypatch.setattr(pipeline, "_load", lambda d, _p, seed: cached_load(d, PROFILES["quick"], seed))
    monkeypatch.chdir(tmp_path)  # MLflow writes its artifacts under ./mlruns: not in the checkout
    out = tmp_path / f"bundle-{profile}"
    result = pipeline.train(
        out=out, data=data, profile=profile, tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}",
        budget=TINY, **kw,
    )  # fmt: skip
    return core.load_bundle(out), result


@pytest.mark.slow
@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_every_profile_trains_on_the_real_sample(monkeypatch, cached_load, tmp_path, profile):
    if not (HOMECREDIT / "application_train.csv").exists():
        pytest.skip(f"real Home Credit sample not found at {HOMECREDIT}")
    bundle, result = _run(monkeypatch, cached_load, tmp_path, HOMECREDIT, profile)
    m = bundle.metrics
    assert not bundle.provenance.synthetic
    assert len(m["benchmark"]) == len(PROFILES[profile].benchmark_models)
    assert m["cross_validation"]["folds"] == PROFILES[profile].n_folds
    assert 0.55 < m["test"]["roc_auc"] < 0.9
    ev = m["evaluation"]
    assert ev["cv_folds"] == PROFILES[profile].n_folds and ev["n_test"] == m["test"]["n"]
    ci = ev["intervals"]["test"]["roc_auc"]
    assert ci["low"] <= m["test"]["roc_auc"] <= ci["high"]
    assert m["calibration"]["applied"] in ("none", "intercept") and "isotonic" in m["calibration"]["methods"]
    assert m["family_gap"]["statement"]
    assert ev["tuning"].startswith("Optuna TPE, 1 trial on")
    stops = PROFILES[profile].early_stopping_rounds
    assert ("stopped after" in ev["tuning"]) == bool(stops)
    assert m["catboost_params"]["iterations"] <= TINY["iterations"]
    json.dumps(m)  # the manifest stays plain JSON


def _adversarial_tables(path):
    tables = generate(400, 3)
    app = tables["application_train"]
    app.loc[
        app.index[:60],
        ["AMT_INCOME_TOTAL", "AMT_CREDIT", "AMT_ANNUITY", "AMT_GOODS_PRICE", "CNT_FAM_MEMBERS"],
    ] = 0.0
    numeric = [c for c in APPLICATION_FIELDS if registry()[c].unit != "category"]
    app[["OWN_CAR_AGE", "EXT_SOURCE_1", "APARTMENTS_AVG"]] = np.nan  # all-missing columns
    app.loc[app.index[60:90], numeric] = np.nan
    for table, cols in {"bureau": ["AMT_CREDIT_SUM"], "installments_payments": ["AMT_INSTALMENT"],
                        "previous_application": ["AMT_APPLICATION", "AMT_GOODS_PRICE"]}.items():  # fmt: skip
        tables[table].loc[:, cols] = 0.0
    path.mkdir()
    for name, frame in tables.items():
        frame.to_csv(path / f"{name}.csv", index=False)
    return path


@pytest.fixture(scope="module")
def adversarial_data(tmp_path_factory):
    """One adversarial folder for the three profiles (so that ``cached_load`` builds its features once)."""
    return _adversarial_tables(tmp_path_factory.mktemp("adversarial") / "data")


@pytest.mark.slow
@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_every_profile_trains_on_adversarial_synthetic_tables(
    monkeypatch, cached_load, tmp_path, adversarial_data, profile
):
    data = adversarial_data
    exclude = "CODE_GENDER,DAYS_BIRTH" if profile == "quick" else None
    bundle, _ = _run(monkeypatch, cached_load, tmp_path, data, profile, exclude=exclude)
    assert 0 < bundle.threshold < 1
    names = set(bundle.schema.names)
    sens = bundle.metrics["sensitive"]
    if exclude:
        # neither the fields nor a feature computed from them reach the model; the cost is measured
        assert not names & {"CODE_GENDER", "DAYS_BIRTH", "EMPLOYED_BIRTH_RATIO"}
        assert sens["excluded_fields"] == ["CODE_GENDER", "DAYS_BIRTH"]
        assert not {"CODE_GENDER", "DAYS_BIRTH"} & set(sens["used_as_inputs"])
        comp = sens["comparison"]
        assert comp is None or comp["served"] == "without"
    assert sens["audit"] is None
