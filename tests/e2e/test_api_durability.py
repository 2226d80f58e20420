"""Nothing acknowledged is lost: SIGKILL the real server in the middle of a stream of decisions."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time

import httpx

from core import Store
from tests.api.test_server import free_port, start


def _stream(base: str, acked: list[str], stop: threading.Event) -> None:
    with httpx.Client(base_url=base, timeout=10) as client:
        ids = client.get("/clients", params={"prefix": "91", "limit": 50}).json()["ids"]
        i = 0
        while not stop.is_set():
            try:
                res = client.post("/predict", json={"SK_ID_CURR": ids[i % len(ids)]})
            except httpx.HTTPError:
                return  # the server is gone
            if res.status_code == 200:
                acked.append(res.json()["decision_id"])
            i += 1


def test_every_acknowledged_decision_survives_sigkill(tmp_path):
    path = tmp_path / "store.sqlite"
    env = {**os.environ, "STORE_PATH": str(path), "DEMO_STORE_CLIENTS": "150"}
    cmd = [sys.executable, "-m", "uvicorn", "api.main:app", "--host", "127.0.0.1"]
    port = free_port()
    proc = start([*cmd, "--port", str(port)], port, env)
    acked: list[str] = []
    stop = threading.Event()
    writers = [
        threading.Thread(target=_stream, args=(f"http://127.0.0.1:{port}", acked, stop)) for _ in range(3)
    ]
    for w in writers:
        w.start()
    deadline = time.time() + 60
    while len(acked) < 40 and time.time() < deadline:
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)  # in the middle of the stream: requests are in flight
    proc.wait(10)
    proc.stdout.close()
    stop.set()
    for w in writers:
        w.join(15)
    assert len(acked) >= 40
    store = Store.open(f"sqlite:///{path}")
    missing = [d for d in acked if store.log.get(d) is None]
    assert missing == [], f"{len(missing)} acknowledged decisions lost"
    assert store.log.verify().ok
    before = store.log.count()
    store.close()
    port = free_port()  # a restart on the same file serves and continues the chain
    proc = start([*cmd, "--port", str(port)], port, env)
    try:
        res = httpx.post(
            f"http://127.0.0.1:{port}/clients/{store.clients.search('91', 1)[0]}/score", timeout=30
        )
        assert res.status_code == 200
    finally:
        proc.terminate()
        proc.wait(15)
        proc.stdout.close()
    again = Store.open(f"sqlite:///{path}")
    assert again.log.count() == before + 1 and again.log.verify().ok
