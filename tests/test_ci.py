"""One CI: .ci/run and the GitHub workflow run the same checks (.ci/checks), and the audit says what it did."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
CHECKS = (REPO / ".ci" / "checks").read_text(encoding="utf-8")


def _audit():
    spec = importlib.util.spec_from_file_location(
        "dependency_audit", REPO / "scripts" / "dependency_audit.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_both_cis_run_the_same_checks():
    lines = [
        ln.strip() for ln in CHECKS.splitlines() if ln.strip() and not ln.lstrip().startswith(("#", "echo"))
    ]
    for check in ("ruff check .", "ruff format --check .", "mypy core api dashboard", "hadolint Dockerfile",
                  "python scripts/dependency_audit.py", "pytest"):  # fmt: skip
        assert check in lines, check
    run = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert run.rstrip().endswith("bash .ci/checks") and "pytest" not in run and "ruff" not in run
    ci = yaml.safe_load((REPO / ".github/workflows/ci.yml").read_text(encoding="utf-8"))
    steps = [str(s.get("run", "")) for s in ci["jobs"]["test"]["steps"]]
    assert "bash .ci/checks" in steps
    assert not any("pytest" in s or "ruff" in s or "mypy" in s for s in steps)  # nowhere but .ci/checks
    assert 'pip install -e ".[dev]"' in " ".join(steps) and '-e ".[dev]"' in run  # the same install


def test_workflows_have_least_permissions():
    for name in ("ci.yml", "deploy.yml"):
        flow = yaml.safe_load((REPO / ".github/workflows" / name).read_text(encoding="utf-8"))
        assert flow["permissions"] in ({}, {"contents": "read"}), name
        for job in flow["jobs"].values():
            assert set(job.get("permissions", {}).values()) <= {"read", "none"}, name


def test_the_audit_never_passes_when_nothing_was_audited():
    summarise = _audit().summarise
    skipped = [{"name": "numpy", "skip_reason": "Dependency not found on PyPI"}] * 3
    lines, code = summarise(skipped)
    assert code == 0 and lines == [
        "dependency audit: NOT DONE — none of the 3 installed packages could be checked (the vulnerability "
        "database is not reachable from this machine); run it where PyPI is"
    ]
    clean = [{"name": "numpy", "version": "2.4.0", "vulns": []}, *skipped[:1]]
    lines, code = summarise(clean)
    assert code == 0 and lines[-1] == (
        "dependency audit: 1 packages audited, 0 with known vulnerabilities; 1 not found on the index and not audited"
    )
    bad = [{"name": "jinja2", "version": "3.0.0", "vulns": [{"id": "GHSA-x", "fix_versions": ["3.1.5"]}]}]
    lines, code = summarise(bad)
    assert code == 1 and lines[0] == "VULNERABLE jinja2 3.0.0: GHSA-x (fixed in: 3.1.5)"
