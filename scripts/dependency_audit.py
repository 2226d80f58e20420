"""Audit the installed dependencies for known vulnerabilities (pip-audit), saying plainly what was checked.

Exit 1 when a known vulnerability is found. When the vulnerability database cannot be reached (a
machine without internet, or a package index without PyPI's JSON API), pip-audit skips every package
and still says "No known vulnerabilities found": this script reports that nothing could be audited,
and exits 0 — no result is not a failure, but it is never shown as a pass.

    python scripts/dependency_audit.py        # in the environment to audit (CI: the fresh .venv-ci)
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "audit.json"
        cmd = [sys.executable, "-m", "pip_audit", "--skip-editable", "--progress-spinner", "off",
               "--format", "json", "--output", str(report)]  # fmt: skip
        try:
            res = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        except subprocess.TimeoutExpired:
            print("dependency audit: NOT DONE — pip-audit did not finish in 10 minutes")
            return 0
        if not report.exists():
            last = (res.stderr.strip().splitlines() or ["no output"])[-1][:300]
            if "pip_audit" in last and "No module named" in last:
                print("dependency audit: NOT DONE — pip-audit is not installed (pip install -e .[dev])")
            else:
                print(
                    f"dependency audit: NOT DONE — the vulnerability database could not be reached ({last})"
                )
            return 0
        deps = json.loads(report.read_text(encoding="utf-8"))["dependencies"]
    lines, code = summarise(deps)
    print("\n".join(lines))
    return code


def summarise(deps: list[dict[str, Any]]) -> tuple[list[str], int]:
    """The report's lines and the exit code, from pip-audit's JSON ``dependencies``."""
    audited = [d for d in deps if "skip_reason" not in d]
    vulnerable = [d for d in audited if d.get("vulns")]
    lines = []
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixed = ", ".join(vuln.get("fix_versions") or []) or "no fixed version yet"
            lines.append(f"VULNERABLE {dep['name']} {dep['version']}: {vuln['id']} (fixed in: {fixed})")
    if not audited:
        lines.append(
            f"dependency audit: NOT DONE — none of the {len(deps)} installed packages could be checked "
            "(the vulnerability database is not reachable from this machine); run it where PyPI is"
        )
        return lines, 0
    skipped = len(deps) - len(audited)
    note = f"; {skipped} not found on the index and not audited" if skipped else ""
    lines.append(
        f"dependency audit: {len(audited)} packages audited, {len(vulnerable)} with known vulnerabilities{note}"
    )
    return lines, 1 if vulnerable else 0


if __name__ == "__main__":
    sys.exit(main())
