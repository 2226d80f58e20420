"""Every third-party package that core/, api/ and dashboard/ import is declared in pyproject.toml."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
OWN = {"core", "api", "dashboard", "tests"}
#: modules that are part of a declared distribution's own release (pydantic pins its core exactly)
PROVIDED_BY = {"pydantic_core": "pydantic"}


def _imported_modules() -> set[str]:
    found: set[str] = set()
    for folder in ("core", "api", "dashboard"):
        for path in (REPO / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    found |= {a.name.split(".")[0] for a in node.names}
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    found.add(node.module.split(".")[0])
    return found - OWN - set(sys.stdlib_module_names)


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_import_is_a_declared_dependency():
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    specs = [
        *project["dependencies"],
        *(d for extra in project["optional-dependencies"].values() for d in extra),
    ]
    declared = {_normal(re.split(r"[<>=\[; ]", s, maxsplit=1)[0]) for s in specs}
    owners = packages_distributions()
    undeclared = {}
    for module in _imported_modules():
        dists = [PROVIDED_BY[module]] if module in PROVIDED_BY else owners.get(module, [module])
        if not declared & {_normal(d) for d in dists}:
            undeclared[module] = dists
    assert not undeclared, f"imported but not declared in pyproject.toml: {undeclared}"
