"""``pad dashboard`` starts the Streamlit app."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request

from tests.api.test_server import free_port


def test_pad_dashboard_serves(tmp_path):
    port = free_port()
    log = (tmp_path / "log.txt").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "core.cli", "dashboard", "--port", str(port)],
        cwd=tmp_path,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        status = None
        for _ in range(120):
            try:
                status = urllib.request.urlopen(f"http://localhost:{port}/_stcore/health", timeout=2).status
                break
            except OSError:
                time.sleep(0.5)
        assert status == 200, (tmp_path / "log.txt").read_text()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
