"""Layering rules: core never imports a UI/web framework; pages and routes never compute model numbers."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
UI = {"streamlit", "fastapi", "starlette", "uvicorn"}
MODEL_LIBS = {"catboost", "shap", "sklearn", "lightgbm", "xgboost"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    mods: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            mods |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            mods.add(node.module.split(".")[0])
    return mods


@pytest.mark.parametrize(
    "path", sorted((REPO / "core").rglob("*.py")), ids=lambda p: str(p.relative_to(REPO))
)
def test_core_never_imports_ui(path):
    assert not imported_modules(path) & UI


@pytest.mark.parametrize(
    "path",
    sorted([*(REPO / "dashboard").rglob("*.py"), *(REPO / "api").rglob("*.py")]),
    ids=lambda p: str(p.relative_to(REPO)),
)
def test_pages_and_routes_hold_no_model_logic(path):
    assert not imported_modules(path) & MODEL_LIBS, "call core instead of the model libraries"


def test_no_pickle_loading_anywhere():
    for path in [
        *(REPO / "core").rglob("*.py"),
        *(REPO / "dashboard").rglob("*.py"),
        *(REPO / "api").rglob("*.py"),
    ]:
        mods = imported_modules(path)
        assert not mods & {"pickle", "joblib", "dill", "cloudpickle"}, path
