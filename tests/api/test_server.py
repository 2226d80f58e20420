"""The real server: uvicorn on a free localhost port, and ``pad api``."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import httpx
import pytest

from core import ScoringService
from tests.conftest import REPO


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(cmd: list[str], port: int, env: dict[str, str]) -> subprocess.Popen:
    proc = subprocess.Popen(
        cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    deadline = time.time() + 90
    while time.time() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited: {proc.stdout.read()}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.3)
    proc.kill()
    raise AssertionError("server did not answer /health in 90 s")


@pytest.fixture()
def env(toy_bundle_dir):
    return {**os.environ, "BUNDLE_DIR": str(toy_bundle_dir), "HF_TOKEN": "hf_never_shown_123"}


@pytest.mark.parametrize("how", ["uvicorn", "pad"])
def test_real_server_answers(how, env, toy_bundle):
    port = free_port()
    cmd = (
        [sys.executable, "-m", "uvicorn", "api.main:app", "--host", "127.0.0.1", "--port", str(port)]
        if how == "uvicorn"
        else [sys.executable, "-m", "core.cli", "api", "--port", str(port)]
    )
    proc = start(cmd, port, env)
    try:
        base = f"http://127.0.0.1:{port}"
        health = httpx.get(f"{base}/health").json()
        assert health["bundle"]["name"] == "toy"
        res = httpx.post(f"{base}/predict", json=ScoringService(toy_bundle).example_record())
        assert res.status_code == 200 and res.json()["decision"] in ("ACCEPTED", "REFUSED")
        bad = httpx.post(f"{base}/predict", content=b"{", headers={"content-type": "application/json"})
        assert bad.status_code == 400
        assert (
            "hf_never_shown_123"
            not in httpx.get(f"{base}/model").text + httpx.get(f"{base}/openapi.json").text
        )
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=30)
    assert "hf_never_shown_123" not in out


def test_bad_configuration_stops_startup_with_one_sentence(tmp_path):
    port = free_port()
    env = {**os.environ, "BUNDLE_DIR": str(tmp_path / "missing")}
    proc = subprocess.run(
        [sys.executable, "-m", "uvicorn", "api.main:app", "--port", str(port)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode != 0
    assert "does not exist" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    ("setting", "value", "said"),
    [
        ("DATABASE_URL", "postgresql+psycopg://bob:pw-hunter2@127.0.0.1:1/x",
         "cannot open the database at postgresql+psycopg://bob:***@"),
        ("DEMO_STORE_CLIENTS", "-1", "Invalid configuration: DEMO_STORE_CLIENTS"),
    ],
)  # fmt: skip
def test_a_bad_store_setting_stops_startup_with_one_line(setting, value, said):
    port = free_port()
    proc = subprocess.run(
        [sys.executable, "-m", "uvicorn", "api.main:app", "--port", str(port)],
        cwd=REPO, env={**os.environ, setting: value}, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode != 0
    out = proc.stdout + proc.stderr
    assert f"cannot start the API: {said}" in out
    assert "Traceback" not in out and "pw-hunter2" not in out
