"""The bundle as an MLflow model: pyfunc predict, the registry, and ``--bundle models:/NAME/VERSION``."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import mlflow
import pandas as pd
import pytest
from mlflow.tracking import MlflowClient

from core.config import DEMO_BUNDLE_DIR, Settings
from core.errors import BundleError
from core.serving.bundle import load_bundle
from core.serving.registered import is_model_uri, load_registered_bundle
from core.serving.service import ScoringService
from core.serving.source import load_bundle_arg, load_configured_bundle
from core.training.pyfunc import OUTPUT_COLUMNS, input_example, log_scorer, predict_frame
from tests.conftest import REPO, run_pad

NAME = "pad-test-scorer"
EXAMPLES = REPO / "examples" / "applications_sample.csv"


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    """A sqlite tracking store with the demo bundle logged and registered twice (versions 1, 2)."""
    root = tmp_path_factory.mktemp("mlflow")
    uri = f"sqlite:///{root / 'mlflow.db'}"
    before = mlflow.get_tracking_uri()
    mlflow.set_tracking_uri(uri)
    exp = mlflow.create_experiment("scorer-test", artifact_location=(root / "artifacts").as_uri())
    logged = []
    for _ in range(2):
        with mlflow.start_run(experiment_id=exp):
            logged.append(log_scorer(DEMO_BUNDLE_DIR, registered_name=NAME, tags={"test.roc_auc": "0.8"}))
    MlflowClient(uri).set_registered_model_alias(NAME, "champion", "2")
    yield root, uri, logged
    mlflow.set_tracking_uri(before)


def _applications(n: int = 8) -> pd.DataFrame:
    """Applications of the example file whose income is a number (one row there says 'unknown')."""
    frame = pd.read_csv(EXAMPLES, dtype={"SK_ID_CURR": "Int64"})
    income = pd.to_numeric(frame["AMT_INCOME_TOTAL"], errors="coerce")
    return frame[income.notna()].assign(AMT_INCOME_TOTAL=income).head(n).reset_index(drop=True)


def test_model_uris_are_told_from_folders():
    assert is_model_uri("models:/pret-a-depenser-catboost/3")
    assert is_model_uri("models:/pret-a-depenser-catboost@champion")
    assert is_model_uri("runs:/0123abcd/scorer")
    assert not is_model_uri("assets/demo_bundle")
    assert not is_model_uri("models:/")
    assert not is_model_uri(Path("models:/x/1"))  # a Path is a folder, whatever its name


def test_registered_versions_carry_the_evaluation(registry):
    _, uri, logged = registry
    assert [x["registered"]["version"] for x in logged] == ["1", "2"]
    client = MlflowClient(uri)
    version = client.get_model_version(NAME, "1")
    assert version.tags["test.roc_auc"] == "0.8"
    assert str(client.get_model_version_by_alias(NAME, "champion").version) == "2"


def test_pyfunc_predict_runs_the_projects_scorer(registry):
    _, uri, logged = registry
    model = mlflow.pyfunc.load_model(logged[0]["registered_uri"])
    frame = _applications()
    frame.loc[3, "AMT_INCOME_TOTAL"] = -5.0  # impossible: reported on its row, the others scored
    got = model.predict(frame)
    assert list(got.columns) == OUTPUT_COLUMNS and len(got) == len(frame)
    assert got["row"].tolist() == list(range(1, len(frame) + 1))
    # the ids exactly as given (never a float round trip), also on the row that was not scored
    assert got["SK_ID_CURR"].tolist() == [int(v) for v in frame["SK_ID_CURR"]]
    assert "AMT_INCOME_TOTAL" in got.loc[3, "errors"] and pd.isna(got.loc[3, "probability"])
    # the same probabilities as the project's service on the same bundle
    bundle = load_bundle(DEMO_BUNDLE_DIR)
    direct = ScoringService(bundle).score_records(
        [
            r
            for i, r in enumerate(frame.astype(object).where(frame.notna(), None).to_dict("records"))
            if i != 3
        ]
    )
    ok = got.drop(index=3)
    assert ok["probability"].tolist() == direct.results["probability"].tolist()
    assert ok["decision"].tolist() == direct.results["decision"].tolist()
    assert (ok["errors"] == "").all()


def test_signature_and_input_example_are_logged(registry):
    _, _, logged = registry
    info = mlflow.models.get_model_info(logged[0]["registered_uri"])
    names = [c.name for c in info.signature.inputs.inputs]
    assert "SK_ID_CURR" in names and "AMT_CREDIT" in names and len(names) >= 100
    required = [c.name for c in info.signature.inputs.inputs if c.required]
    assert required == ["SK_ID_CURR"]  # a field left out is missing, as in every channel
    assert [c.name for c in info.signature.outputs.inputs] == OUTPUT_COLUMNS
    example = input_example(load_bundle(DEMO_BUNDLE_DIR))
    assert predict_frame(load_bundle(DEMO_BUNDLE_DIR), example)["errors"].tolist() == [""]


def test_load_registered_bundle_by_version_and_alias(registry, tmp_path):
    _, uri, _ = registry
    demo = load_bundle(DEMO_BUNDLE_DIR)
    for spec in (f"models:/{NAME}/1", f"models:/{NAME}@champion"):
        bundle = load_registered_bundle(spec, tracking_uri=uri)
        assert bundle.version == demo.version and bundle.threshold == demo.threshold
        assert bundle.source == spec
        assert load_bundle_arg(spec).version == demo.version


def test_unknown_version_is_a_clear_error(registry):
    _, uri, _ = registry
    with pytest.raises(BundleError, match=rf"models:/{NAME}/9"):
        load_registered_bundle(f"models:/{NAME}/9", tracking_uri=uri)
    with pytest.raises(BundleError, match="not an MLflow model URI"):
        load_registered_bundle("models:/no version", tracking_uri=uri)


def test_a_tampered_registered_bundle_is_refused(registry, tmp_path):
    _, uri, logged = registry
    with mlflow.start_run(experiment_id=mlflow.get_experiment_by_name("scorer-test").experiment_id):
        one = log_scorer(DEMO_BUNDLE_DIR, registered_name=NAME + "-tampered")
    root = Path(registry[0]) / "artifacts"
    model_id = one["model_uri"].split("/")[-1]
    schemas = [p for p in root.rglob("schema.json") if model_id in p.parts]
    assert schemas, "the logged model's bundle is in the experiment's artifact folder"
    schemas[0].write_text(schemas[0].read_text() + " ")  # one byte more: its SHA-256 differs
    with pytest.raises(BundleError, match="schema.json"):
        load_registered_bundle(one["registered_uri"], tracking_uri=uri)


def test_bundle_source_mlflow_setting(registry, monkeypatch):
    _, uri, _ = registry
    with pytest.raises(ValueError, match="MLFLOW_MODEL_URI"):
        Settings(BUNDLE_SOURCE="mlflow")
    bundle = load_configured_bundle(Settings(BUNDLE_SOURCE="mlflow", MLFLOW_MODEL_URI=f"models:/{NAME}/2"))
    assert bundle.source == f"models:/{NAME}/2"


def _pad(*args: str, tracking_uri: str) -> subprocess.CompletedProcess:
    return run_pad(*args, env={"MLFLOW_TRACKING_URI": tracking_uri})


@pytest.mark.slow
def test_pad_score_with_a_registered_model(registry):
    _, uri, _ = registry
    res = _pad("score", str(EXAMPLES), "--bundle", f"models:/{NAME}/1", tracking_uri=uri)
    assert res.returncode == 0, res.stderr[-2000:]
    ref = _pad("score", str(EXAMPLES), "--bundle", str(DEMO_BUNDLE_DIR), tracking_uri=uri)
    assert ref.returncode == 0, ref.stderr[-2000:]
    got, want = pd.read_csv(io.StringIO(res.stdout)), pd.read_csv(io.StringIO(ref.stdout))
    assert len(got) == len(want) > 0
    pd.testing.assert_series_equal(got["probability"], want["probability"])
    assert got["SK_ID_CURR"].tolist() == want["SK_ID_CURR"].tolist()

    missing = _pad("score", str(EXAMPLES), "--bundle", f"models:/{NAME}/7", tracking_uri=uri)
    assert missing.returncode != 0
    assert f"models:/{NAME}/7" in missing.stderr and "Traceback" not in missing.stderr
