"""The hostile-file corpus (``files/cases.json``, see README.md) where users meet it: ``pad score`` in a
subprocess, the dashboard's batch and threshold pages under AppTest, ``POST /predict/batch`` on a real
server. Each case must get its named answer; none may give a traceback, a 5xx or a formula cell."""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import core
import core.config
from dashboard.state import OFFICER_NAME
from tests.api.test_server import free_port, start
from tests.conftest import REPO
from tests.dashboard.conftest import DASHBOARD, OFFICER, store_path, texts, use_bundle  # noqa: F401

FILES = Path(__file__).resolve().parent / "files"
CASES: list[dict[str, Any]] = json.loads((FILES / "cases.json").read_text(encoding="utf-8"))
#: the longest line a message may print: values and names are cut (a 600 kB cell is not echoed)
MAX_LINE = 2000
_FORMULA = re.compile(r"^[=+\-@\t\r]")
_NUMBER = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")


def _cases(surface: str) -> list[Any]:
    return [pytest.param(c, id=c["id"]) for c in CASES if surface in c]


def _formula_cells(values: list[Any]) -> list[str]:
    """Cells a spreadsheet would run as a formula (a plain signed number is not one)."""
    return [str(v) for v in values if isinstance(v, str) and _FORMULA.match(v) and not _NUMBER.match(v)]


# ----------------------------------------------------------------------------- pad score


def _in_process(case: dict[str, Any], store: Path) -> subprocess.CompletedProcess[str]:
    """``pad score`` called as its entry point does (``core.cli.main``), output captured."""
    from contextlib import redirect_stderr, redirect_stdout

    from core.cli import main

    spec = case["cli"]
    env = {"STORE_PATH": str(store), **spec.get("env", {})}
    saved = {k: os.environ.get(k) for k in [*env, "DATABASE_URL"]}
    out, err = io.StringIO(), io.StringIO()
    handler = logging.StreamHandler(err)  # what basicConfig would print (pytest holds the root logger)
    logging.getLogger().addHandler(handler)
    try:
        os.environ.pop("DATABASE_URL", None)
        os.environ.update(env)
        core.config.get_settings.cache_clear()
        args = [
            "score",
            str(FILES / case["file"]),
            "--bundle",
            str(core.DEMO_BUNDLE_DIR),
            *spec.get("args", []),
        ]
        with redirect_stdout(out), redirect_stderr(err):
            code = main(args)
    finally:
        logging.getLogger().removeHandler(handler)
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        core.config.get_settings.cache_clear()
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())


@pytest.fixture(scope="module")
def cli_runs(demo_store_file, tmp_path_factory) -> dict[str, subprocess.CompletedProcess[str]]:
    """Every CLI case run once: those marked ``subprocess`` as a fresh ``pad score`` process (a new
    interpreter: its recursion limit, its stderr), the others through the same entry point in this
    process (a process costs ~4 s of imports on this machine)."""
    folder = tmp_path_factory.mktemp("hostile-cli")

    def run(case: dict[str, Any]) -> tuple[str, subprocess.CompletedProcess[str]]:
        spec = case["cli"]
        store = folder / f"{case['id']}.sqlite"
        shutil.copy(demo_store_file, store)
        if not spec.get("subprocess"):
            return case["id"], _in_process(case, store)
        env = {**os.environ, "STORE_PATH": str(store), "PYTHONPATH": str(REPO), **spec.get("env", {})}
        env.pop("DATABASE_URL", None)
        cmd = [sys.executable, "-m", "core.cli", "score", str(FILES / case["file"]),
               "--bundle", str(core.DEMO_BUNDLE_DIR), *spec.get("args", [])]  # fmt: skip
        return case["id"], subprocess.run(
            cmd, cwd=folder, env=env, capture_output=True, text=True, timeout=300
        )

    cases = [c for c in CASES if "cli" in c]
    with ThreadPoolExecutor(2) as pool:  # the processes, while this one runs the others
        started = [pool.submit(run, c) for c in cases if c["cli"].get("subprocess")]
        runs = dict(run(c) for c in cases if not c["cli"].get("subprocess"))
        runs.update(f.result() for f in started)
    return runs


@pytest.mark.parametrize("case", _cases("cli"))
def test_pad_score(case, cli_runs):
    spec, proc = case["cli"], cli_runs[case["id"]]
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert proc.returncode == spec["exit"], proc.stderr[-3000:]
    for fragment in spec.get("stderr", []):
        assert fragment in proc.stderr, proc.stderr[-3000:]
    for fragment in spec.get("not_stderr", []):
        assert fragment not in proc.stderr
    assert max(map(len, proc.stderr.splitlines()), default=0) <= MAX_LINE
    for fragment in spec.get("stdout", []):
        assert fragment in proc.stdout
    if proc.returncode in (0, 1):
        table = list(csv.DictReader(io.StringIO(proc.stdout)))
        assert not _formula_cells([v for row in table for v in row.values()])
        if "ids" in spec:  # ids are written as they came: text, never through a float
            assert [row["SK_ID_CURR"] for row in table] == spec["ids"]


# ----------------------------------------------------------------------------- dashboard


def _page_texts(at: AppTest) -> tuple[str, list[Any]]:
    cells: list[Any] = []
    for frame in at.dataframe:
        value = frame.value
        if isinstance(value, pd.DataFrame):
            cells += [str(c) for c in value.columns]
            cells += [v for col in value.columns for v in value[col].tolist()]
    return texts(at) + "\n" + "\n".join(map(str, cells)), cells


@pytest.mark.parametrize("case", _cases("dashboard"))
def test_dashboard_page(case, use_bundle, monkeypatch):  # noqa: F811
    spec = case["dashboard"]
    for name, value in spec.get("env", {}).items():
        monkeypatch.setenv(name, value)
    use_bundle(core.DEMO_BUNDLE_DIR)
    at = AppTest.from_file(str(DASHBOARD / "views" / f"{spec['page']}.py"), default_timeout=120)
    at.session_state["lang"] = "en"
    at.session_state[OFFICER_NAME] = OFFICER
    at.run()
    content = (FILES / case["file"]).read_bytes()
    if "pad_to_bytes" in spec:  # blank lines (which a reader skips) up to the size of the case
        content += b"\n" * max(0, spec["pad_to_bytes"] - len(content))
    at.file_uploader[0].upload(case["file"], content, "text/csv").run()
    assert not at.exception, at.exception
    shown, cells = _page_texts(at)
    assert "Traceback" not in shown
    for fragment in spec.get("says", []):
        assert fragment in shown, shown[-3000:]
    assert not _formula_cells(cells)  # what the table toolbar would download
    if "scored" in spec:
        metrics = {m.label: m.value for m in at.metric}
        assert (metrics["Scored"], metrics["Rejected"]) == (str(spec["scored"]), str(spec["rejected"]))
    assert max(map(len, shown.splitlines()), default=0) <= MAX_LINE


# ----------------------------------------------------------------------------- API


@pytest.fixture(scope="module")
def api(demo_store_file, tmp_path_factory):
    store = tmp_path_factory.mktemp("hostile-api") / "store.sqlite"
    shutil.copy(demo_store_file, store)
    port = free_port()
    env = {**os.environ, "BUNDLE_DIR": str(core.DEMO_BUNDLE_DIR), "STORE_PATH": str(store)}
    env.pop("DATABASE_URL", None)
    cmd = [sys.executable, "-m", "uvicorn", "api.main:app", "--host", "127.0.0.1", "--port", str(port)]
    proc = start(cmd, port, env)
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    out, _ = proc.communicate(timeout=30)
    assert "Traceback" not in out


@pytest.mark.parametrize("case", _cases("api"))
def test_predict_batch(case, api):
    spec = case["api"]
    records = json.loads((FILES / case["file"]).read_text(encoding="utf-8"))
    res = httpx.post(f"{api}/predict/batch", json={"clients": records}, timeout=60)
    assert res.status_code < 500 and "Traceback" not in res.text
    assert res.status_code == spec["status"], res.text[:2000]
    for fragment in spec.get("says", []):
        assert fragment in res.text
    body = res.json()
    if "scored" in spec:
        assert body["n_scored"] == spec["scored"]
    if "ids" in spec:
        assert [r["SK_ID_CURR"] for r in body["results"]] == spec["ids"]
