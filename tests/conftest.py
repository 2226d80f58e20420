"""Shared fixtures: a small real CatBoost bundle built once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.serving.bundle import Bundle, load_bundle
from tests.toy import build_app_bundle, build_toy_bundle, toy_frame

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared" / "data"
HOMECREDIT = SHARED / "homecredit"
SEED_REFERENCE = SHARED / "seed_bundle_reference"


@pytest.fixture(scope="session")
def toy_bundle_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Folder of a v1 bundle trained on toy data (do not modify: copy it first)."""
    return build_toy_bundle(tmp_path_factory.mktemp("bundle") / "toy")


@pytest.fixture(scope="session")
def toy_bundle(toy_bundle_dir: Path) -> Bundle:
    """The toy bundle, loaded."""
    return load_bundle(toy_bundle_dir)


@pytest.fixture(scope="session")
def app_bundle_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Folder of a small application bundle (raw applications in; do not modify: copy it first)."""
    return build_app_bundle(tmp_path_factory.mktemp("bundle") / "toy-app")


@pytest.fixture(scope="session")
def app_bundle(app_bundle_dir: Path) -> Bundle:
    """The small application bundle, loaded."""
    return load_bundle(app_bundle_dir)


@pytest.fixture()
def toy_record(toy_bundle: Bundle) -> dict:
    """A valid record: the first reference client, JSON-like (None for missing)."""
    row = toy_frame(5, 1).iloc[0]
    rec = {k: (None if v != v else v) for k, v in row.items() if k != "TARGET"}  # NaN -> None
    rec["SK_ID_CURR"] = int(rec["SK_ID_CURR"])
    rec["FLAG_DOCUMENT_3"] = bool(rec["FLAG_DOCUMENT_3"])
    return {k: (v.item() if hasattr(v, "item") else v) for k, v in rec.items()}


@pytest.fixture()
def seed_reference() -> Path:
    """The original project's bundle side files (skip when the shared folder is absent)."""
    if not SEED_REFERENCE.is_dir():
        pytest.skip(f"shared seed bundle reference not found at {SEED_REFERENCE}")
    return SEED_REFERENCE
