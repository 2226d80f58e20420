"""The real server under load (uvicorn, demo bundle): /health answers during a big batch, a saturated
server says 503 + Retry-After and loses nothing it accepted, two workers share one fresh store."""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from core import Store
from tests.api.test_server import free_port, start
from tests.conftest import REPO

APPLICATION = json.loads((REPO / "examples" / "input_example.json").read_text())
# no access log: the output is read once the server stops, and must not fill the pipe meanwhile
UVICORN = [sys.executable, "-m", "uvicorn", "api.main:app", "--host", "127.0.0.1", "--no-access-log"]


def _applications(n: int, first: int = 0) -> list[dict[str, Any]]:
    """``n`` new applicants (ids of the examples' range, never in the demo store)."""
    return [{**APPLICATION, "SK_ID_CURR": 980_100_001 + first + i} for i in range(n)]


@contextmanager
def _server(store: Path, *extra: str, **env: str) -> Iterator[tuple[str, list[str]]]:
    """A real server on a fresh store; yields its URL and, once stopped, its output lines."""
    port = free_port()
    full_env = {
        **os.environ,
        "STORE_PATH": str(store),
        "DEMO_STORE_CLIENTS": "150",
        "REVIEW_BAND": "off",
        **env,
    }
    proc = start([*UVICORN, "--port", str(port), *extra], port, full_env)
    output: list[str] = []
    try:
        yield f"http://127.0.0.1:{port}", output
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=60)
        output.extend(out.splitlines())


def _post_batch(base: str, body: bytes, result: dict[str, Any]) -> None:
    """POST the batch; a 503 is sent again after its Retry-After, as a client should."""
    started = time.perf_counter()
    for _ in range(30):
        res = httpx.post(
            f"{base}/predict/batch", content=body, headers={"content-type": "application/json"}, timeout=120
        )
        if res.status_code != 503:
            break
        time.sleep(int(res.headers["retry-after"]))
        started = time.perf_counter()
    result.update(seconds=time.perf_counter() - started, response=res)


def test_health_answers_while_a_big_batch_is_scored(tmp_path):
    body = json.dumps({"clients": _applications(1000)}).encode()  # encoded before the clock starts
    with _server(tmp_path / "store.sqlite") as (base, _):
        batch: dict[str, Any] = {}
        worker = threading.Thread(target=_post_batch, args=(base, body, batch))
        latencies = []
        with httpx.Client(base_url=base, timeout=60) as health:
            health.get("/health")  # connected before the batch starts
            worker.start()
            while worker.is_alive():
                t0 = time.perf_counter()
                res = health.get("/health")
                if worker.is_alive():  # answered while the batch was still running
                    latencies.append(time.perf_counter() - t0)
                assert res.status_code == 200 and res.json()["status"] == "ok"
        worker.join()
    res = batch["response"]
    assert res.status_code == 200 and res.json()["n_scored"] == 1000
    assert len(latencies) >= 3, (
        f"/health answered {len(latencies)} times during a {batch['seconds']:.2f} s batch"
    )
    # not blocked for the batch's duration (it was, with the scoring on the event loop)
    assert max(latencies) < batch["seconds"] / 2, (max(latencies), batch["seconds"])


def test_saturated_server_answers_503_with_retry_after_and_loses_nothing(tmp_path):
    store = tmp_path / "store.sqlite"
    body = json.dumps({"clients": _applications(1000)}).encode()
    acknowledged: list[str] = []
    refused: list[dict[str, Any]] = []
    statuses: set[int] = set()
    with _server(store, MAX_CONCURRENT_REQUESTS="1") as (base, _):
        batches: list[Any] = []
        refusing = threading.Event()

        def batches_until_a_refusal() -> None:
            # a batch is scored in a worker process in a fraction of a second: batches follow one
            # another until a request has been refused while one held the only slot
            for _ in range(20):
                batch: dict[str, Any] = {}
                _post_batch(base, body, batch)
                batches.append(batch["response"])
                if refusing.is_set():
                    break

        worker = threading.Thread(target=batches_until_a_refusal)
        with httpx.Client(base_url=base, timeout=60) as client:
            warm = client.post("/predict", json=_applications(1, first=1999)[0])  # first call: warm-up
            acknowledged.append(warm.json()["decision_id"])
            worker.start()
            time.sleep(0.3)  # the batch first (were it refused, it is sent again after Retry-After)
            i = 0
            while worker.is_alive():  # the batch holds the only slot: others are refused at once
                application = _applications(1, first=2000 + i)[0]
                i += 1
                res = client.post("/predict", json=application)
                statuses.add(res.status_code)
                if res.status_code == 200:
                    acknowledged.append(res.json()["decision_id"])
                elif res.status_code == 503:
                    refusing.set()
                    assert res.headers["retry-after"] == "1"
                    problem = res.json()["detail"][0]["problem"]
                    assert "MAX_CONCURRENT_REQUESTS=1" in problem and "Traceback" not in res.text
                    refused.append(application)
                    assert client.get("/health").status_code == 200  # exempt: open while saturated
            worker.join()
            for application in refused:  # a client following Retry-After gets every one scored
                for _ in range(30):
                    res = client.post("/predict", json=application)
                    if res.status_code != 503:
                        break
                    time.sleep(int(res.headers["retry-after"]))
                assert res.status_code == 200, res.text
                acknowledged.append(res.json()["decision_id"])
    assert statuses <= {200, 503} and refused, statuses
    assert batches
    for res in batches:
        assert res.status_code == 200 and res.json()["n_scored"] == 1000
        acknowledged += [r["decision_id"] for r in res.json()["results"]]
    log = Store.open(f"sqlite:///{store}").log
    assert [d for d in acknowledged if log.get(d) is None] == []
    assert log.count() == len(acknowledged)  # and a refused request recorded nothing
    assert log.verify().ok


def test_two_workers_share_one_fresh_store(tmp_path):
    store = tmp_path / "store.sqlite"
    acknowledged: list[str] = []

    def stream(base: str, first: int) -> None:
        with httpx.Client(base_url=base, timeout=60) as client:
            for application in _applications(15, first=first):
                res = client.post("/predict", json=application)
                assert res.status_code == 200, res.text
                acknowledged.append(res.json()["decision_id"])

    with _server(store, "--workers", "2") as (base, output):
        clients = [threading.Thread(target=stream, args=(base, 100 * k)) for k in range(6)]
        for c in clients:
            c.start()
        for c in clients:
            c.join(120)
        health = httpx.get(f"{base}/health", timeout=30).json()
    # both workers started on the same fresh file: migrated and filled once, under the store's locks
    assert sum("Application startup complete" in line for line in output) == 2, "\n".join(output[-30:])
    assert health["store"]["clients"] == 150
    assert len(acknowledged) == 90
    log = Store.open(f"sqlite:///{store}").log
    assert log.count() == 90 and all(log.get(d) is not None for d in acknowledged)
    assert log.verify().ok
