"""Configuration by environment, and loading from a local folder or the Hugging Face Hub (offline)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.config import DEMO_BUNDLE_DIR, load_settings
from core.errors import ConfigError
from tests.core.fake_hub import FakeHub

REPO = Path(__file__).resolve().parents[2]
LOAD = (
    "import core, json; b = core.load_configured_bundle(); "
    "print(json.dumps({'name': b.name, 'version': b.version, 'source': b.source, 'format': b.format}))"
)


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "BUNDLE_", "LOCAL_"))}
    env.update(extra)
    return env


def run_load(**env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", LOAD],
        cwd=REPO,
        env=_clean_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_default_is_demo_bundle(monkeypatch):
    for var in ("BUNDLE_SOURCE", "BUNDLE_DIR", "LOCAL_MODEL_PATH", "HF_REPO_ID"):
        monkeypatch.delenv(var, raising=False)
    settings = load_settings()
    assert settings.BUNDLE_SOURCE == "local" and settings.bundle_dir() == DEMO_BUNDLE_DIR


@pytest.mark.parametrize(
    ("env", "match"),
    [
        ({"BUNDLE_SOURCE": "s3"}, "BUNDLE_SOURCE: Input should be 'local', 'hf' or 'mlflow'"),
        ({"BUNDLE_SOURCE": "hf"}, "BUNDLE_SOURCE=hf needs HF_REPO_ID"),
        ({"BUNDLE_SOURCE": "mlflow"}, "BUNDLE_SOURCE=mlflow needs MLFLOW_MODEL_URI"),
        ({"LOCAL_MODEL_PATH": "/x/model.cb"}, "must be set together"),
        ({"HF_MODEL_PATH": "model.cb"}, "must be set together"),
        ({"MAX_BATCH_ROWS": "0"}, "MAX_BATCH_ROWS"),
    ],
)
def test_bad_configuration_is_one_clear_sentence(monkeypatch, env, match):
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    with pytest.raises(ConfigError, match=match) as info:
        load_settings()
    assert str(info.value).startswith("Invalid configuration: ") and "\n" not in str(info.value)


def test_token_is_never_in_repr(monkeypatch):
    monkeypatch.setenv("HF_TOKEN", "hf_supersecret")
    settings = load_settings()
    assert "hf_supersecret" not in repr(settings) and "hf_supersecret" not in str(settings.model_dump())


def test_local_bundle_dir(toy_bundle_dir):
    out = run_load(BUNDLE_DIR=str(toy_bundle_dir))
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["name"] == "toy"


def test_hf_download_then_offline_cache(toy_bundle_dir, tmp_path):
    secret = "hf_test_token_123"
    with FakeHub() as hub:
        hub.add_folder("org/credit-model", toy_bundle_dir)
        env = {
            "BUNDLE_SOURCE": "hf",
            "HF_REPO_ID": "org/credit-model",
            "HF_TOKEN": secret,
            "HF_ENDPOINT": hub.url,
            "HF_HOME": str(tmp_path / "hf"),
        }
        out = run_load(**env)
        assert out.returncode == 0, out.stderr
        info = json.loads(out.stdout)
        assert info["source"] == "hf:org/credit-model@main" and info["version"] == "0.0.1-toy"
        downloads = [(m, p, auth) for m, p, auth in hub.requests if "/resolve/" in p]
        fetched = {path.split("/")[-1] for method, path, _ in downloads if method == "GET"}
        assert fetched == {
            "manifest.json",
            "model.cbm",
            "schema.json",
            "reference.parquet",
            "validation.parquet",
            "global_shap.parquet",  # the reference's SHAP, computed at export (bundle.py)
        }
        assert all(auth == f"Bearer {secret}" for _, _, auth in downloads)
        assert secret not in out.stdout + out.stderr
    # the server is gone: offline mode loads from the cache
    out = run_load(**env, HF_HUB_OFFLINE="1")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["version"] == "0.0.1-toy"


def test_hf_tampered_file_is_refused(toy_bundle_dir, tmp_path):
    with FakeHub() as hub:
        hub.add_folder("org/m", toy_bundle_dir)
        hub.files["org/m"]["schema.json"] += b" "
        out = run_load(BUNDLE_SOURCE="hf", HF_REPO_ID="org/m", HF_ENDPOINT=hub.url, HF_HOME=str(tmp_path))
    assert out.returncode != 0
    assert "schema.json does not match its manifest hash" in out.stderr


def test_hf_missing_repo_and_offline_without_cache(tmp_path):
    with FakeHub() as hub:
        out = run_load(BUNDLE_SOURCE="hf", HF_REPO_ID="org/none", HF_ENDPOINT=hub.url, HF_HOME=str(tmp_path))
    assert out.returncode != 0
    assert "could not download manifest.json from Hugging Face repo org/none" in out.stderr
    out = run_load(
        BUNDLE_SOURCE="hf", HF_REPO_ID="org/none", HF_HUB_OFFLINE="1", HF_HOME=str(tmp_path / "empty")
    )
    assert "not in the local cache" in out.stderr


def test_hf_legacy_files(tmp_path, seed_reference):
    from tests.core.test_bundle import _legacy_folder

    names = (seed_reference / "kept_features_top125_nocorr.txt").read_text().split("\n")
    cats = (seed_reference / "cat_features_top125_nocorr.txt").read_text().split()
    folder = _legacy_folder(tmp_path / "legacy", names, cats)
    with FakeHub() as hub:
        hub.add_folder("org/legacy", folder)
        out = run_load(
            BUNDLE_SOURCE="hf",
            HF_REPO_ID="org/legacy",
            HF_ENDPOINT=hub.url,
            HF_HOME=str(tmp_path / "hf"),
            HF_MODEL_PATH="model.cb",
            HF_KEPT_PATH="kept_features_top125_nocorr.txt",
            HF_CAT_PATH="cat_features_top125_nocorr.txt",
            HF_THRESHOLD_PATH="threshold_catboost_top125_nocorr.json",
        )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["format"] == "legacy"


def test_local_legacy_paths(tmp_path):
    from tests.core.test_bundle import _legacy_folder

    folder = _legacy_folder(tmp_path / "l", ["EXT_SOURCE_1", "CODE_GENDER"], ["CODE_GENDER"])
    out = run_load(
        LOCAL_MODEL_PATH=str(folder / "model.cb"),
        LOCAL_KEPT_PATH=str(folder / "kept_features_top125_nocorr.txt"),
        LOCAL_CAT_PATH=str(folder / "cat_features_top125_nocorr.txt"),
        LOCAL_THRESHOLD_PATH=str(folder / "threshold_catboost_top125_nocorr.json"),
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["format"] == "legacy"


def test_every_setting_is_documented_in_the_readme():
    """An operator finds every environment variable the product reads in the README's table."""
    from pathlib import Path

    from core.config import Settings

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    missing = [name for name in Settings.model_fields if f"`{name}`" not in readme]
    assert not missing, f"settings missing from README.md: {missing}"
