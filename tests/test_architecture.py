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


def _core_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("core."):
            out.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            out |= {a.name.split(".")[1] for a in node.names if a.name.startswith("core.")}
    return out


#: The flow: raw tables -> features -> serving (bundle, scoring service) -> training / command line.
#: A package may import those before it in the flow, never those after it.
LAYERS = {
    "data": set(),
    "features": {"data"},
    "serving": {"data", "features"},
    "training": {"data", "features", "serving"},
    "store": {"data", "features", "serving"},
    "monitoring": {"data", "features", "serving", "store"},
    "cli": {"data", "features", "serving", "training", "store", "monitoring"},
}
SHARED = {"config", "errors", "cost", "export"}


@pytest.mark.parametrize("package", sorted(LAYERS))
def test_core_packages_follow_the_flow(package):
    for path in (REPO / "core" / package).rglob("*.py"):
        used = _core_imports(path) - SHARED - {package}
        assert used <= LAYERS[package], f"{path.relative_to(REPO)} imports {sorted(used - LAYERS[package])}"
