"""``/predict/batch`` in a worker process of its own (api.batch), on a real uvicorn server: the same
answer as ``/predict``, recorded in the same log as the server's own decisions (one unbroken chain),
``/health`` answering while batches run, and a killed worker costing one 503, not the batch's rows."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from core import ScoringService
from core.store import Store
from tests.api.test_server import free_port, start


def _workers(server_pid: int) -> list[int]:
    """Processes started by the server with multiprocessing's spawn (its batch workers)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ")
        except (OSError, ValueError):
            continue
        if parent == server_pid and b"spawn_main" in cmdline:
            found.append(int(stat.parent.name))
    return found


@pytest.fixture()
def server(toy_bundle_dir, tmp_path):
    if not Path("/proc/self/stat").exists():
        pytest.skip("the worker processes are found through /proc (Linux)")
    port = free_port()
    db = tmp_path / "store.sqlite"
    env = {**os.environ, "BUNDLE_DIR": str(toy_bundle_dir), "STORE_PATH": str(db), "DEMO_STORE_CLIENTS": "0"}
    cmd = [sys.executable, "-m", "uvicorn", "api.main:app", "--host", "127.0.0.1", "--port", str(port)]
    proc = start(cmd, port, env)
    try:
        yield f"http://127.0.0.1:{port}", proc, db
    finally:
        proc.terminate()
        proc.communicate(timeout=60)


def _cpu_ticks(pid: int) -> int:
    """User + system CPU time of ``pid`` so far, in clock ticks (/proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def _wait_for_worker(pid: int, timeout: float = 60) -> int:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if found := _workers(pid):
            return found[0]
        time.sleep(0.2)
    raise AssertionError("no batch worker process was started")


def test_a_batch_is_scored_in_a_worker_process_and_recorded_in_the_same_chain(server, toy_bundle):
    base, proc, db = server
    worker = _wait_for_worker(proc.pid)
    record = ScoringService(toy_bundle).example_record()
    records = [{**record, "SK_ID_CURR": 700_000 + i, "AMT_CREDIT": 200_000.0 + 5_000 * i} for i in range(40)]
    records[7] = {**records[7], "DAYS_BIRTH": "soon"}
    single = httpx.post(f"{base}/predict", json=records[3], timeout=60).json()
    before = _cpu_ticks(worker)
    res = httpx.post(f"{base}/predict/batch", json={"clients": records * 25}, timeout=60)
    assert res.status_code == 200, res.text
    assert _cpu_ticks(worker) > before  # the worker process did the scoring
    res = httpx.post(f"{base}/predict/batch", json={"clients": records}, timeout=60)
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["n"] == 40 and body["n_scored"] == 39
    assert [e["row"] for e in body["errors"]] == [8] and body["errors"][0]["field"] == "DAYS_BIRTH"
    by_id = {r["SK_ID_CURR"]: r for r in body["results"]}
    assert by_id[700_003]["probability"] == single["probability"]
    assert by_id[700_003]["decision"] == single["decision"]
    assert 700_007 not in by_id and set(by_id) == {700_000 + i for i in range(40)} - {700_007}
    # the worker's rows are read back by the server, and interleave with its own in one chain
    logged = httpx.get(f"{base}/decisions/{by_id[700_011]['decision_id']}", timeout=30).json()
    assert logged["client_id"] == 700_011 and logged["channel"] == "api"
    httpx.post(f"{base}/predict", json=records[0], timeout=60).raise_for_status()
    httpx.post(f"{base}/predict/batch", json=records[:5], timeout=60).raise_for_status()
    store = Store.open(f"sqlite:///{db}")
    try:
        report = store.log.verify()
        assert report.ok, report.problem
        assert report.rows == 1 + 1000 + 40 + 1 + 5
    finally:
        store.close()
    assert _workers(proc.pid) == [worker]  # the same worker served both batches


def test_health_answers_while_batches_run(server, toy_bundle):
    base, proc, _ = server
    _wait_for_worker(proc.pid)
    record = ScoringService(toy_bundle).example_record()
    body = {"clients": [{**record, "SK_ID_CURR": 800_000 + i} for i in range(1000)]}
    httpx.post(f"{base}/predict/batch", json=body, timeout=120).raise_for_status()  # warm
    answers: list[int] = []

    def batches() -> None:
        for _ in range(3):
            answers.append(httpx.post(f"{base}/predict/batch", json=body, timeout=120).status_code)

    runner = threading.Thread(target=batches)
    runner.start()
    health = []
    while runner.is_alive():
        health.append(httpx.get(f"{base}/health", timeout=30).status_code)
    runner.join()
    assert answers == [200, 200, 200]
    assert health and set(health) == {200}


def test_a_killed_worker_costs_one_503_then_a_new_worker_answers(server, toy_bundle):
    base, proc, db = server
    worker = _wait_for_worker(proc.pid)
    record = ScoringService(toy_bundle).example_record()
    os.kill(worker, signal.SIGKILL)
    time.sleep(0.5)
    refused = httpx.post(f"{base}/predict/batch", json=[record, record], timeout=60)
    assert refused.status_code == 503 and refused.headers["retry-after"] == "2"
    assert "nothing of it was recorded; send it again" in refused.json()["detail"][0]["problem"]
    again = httpx.post(f"{base}/predict/batch", json=[record, record], timeout=120)
    assert again.status_code == 200 and again.json()["n_scored"] == 2
    assert _wait_for_worker(proc.pid) != worker
    store = Store.open(f"sqlite:///{db}")
    try:
        assert store.log.count() == 2 and store.log.verify().ok
    finally:
        store.close()


def _pool(settings_kw, bundle, recorded=lambda _: False):
    from api.batch import BatchWorkers
    from core import Settings

    return BatchWorkers(Settings(DEMO_STORE_CLIENTS=0, **settings_kw), 1, bundle, recorded)


def test_a_worker_that_loaded_another_bundle_is_never_used(toy_bundle_dir, app_bundle, tmp_path, caplog):
    """The source changed between the server's load and the worker's (a moved registry alias, a
    pushed Hub revision): the server sees it at its start and keeps batches in its own threads."""
    import asyncio

    from core.store import Actor

    workers = _pool({"BUNDLE_DIR": toy_bundle_dir, "STORE_PATH": tmp_path / "s.sqlite"}, app_bundle)
    try:
        with caplog.at_level("ERROR", logger="api"):
            asyncio.run(workers.start())  # the server serves app_bundle; the worker loaded toy
        assert workers.disabled and "not the server's" in workers.disabled
        assert "scored in the server's threads" in caplog.text
        assert asyncio.run(workers.answer(b"[]", Actor("t", False))) is None  # the caller scores it
    finally:
        workers.close()


def test_a_worker_that_cannot_start_is_not_used_and_says_why(toy_bundle, tmp_path, caplog):
    import asyncio

    workers = _pool({"BUNDLE_DIR": tmp_path / "gone", "STORE_PATH": tmp_path / "s.sqlite"}, toy_bundle)
    try:
        with caplog.at_level("ERROR", logger="api"):
            asyncio.run(workers.start())
        assert workers.disabled and workers.disabled.startswith("the batch worker could not start:")
        assert "gone" in workers.disabled and "Traceback" not in caplog.text
    finally:
        workers.close()


@pytest.mark.parametrize("recorded", [True, False])
def test_a_batch_whose_worker_died_is_answered_by_what_the_log_holds(
    toy_bundle_dir, toy_bundle, tmp_path, recorded
):
    """A worker killed mid-batch: the server asks the log for the batch's reference — recorded,
    500 'do not send it again' (its decisions are in the log); not recorded, 503 'send it again'."""
    import asyncio

    from api.errors import BadRequest
    from core.store import Actor

    asked: list[str] = []

    def in_log(batch_id: str) -> bool:
        asked.append(batch_id)
        return recorded

    workers = _pool({"BUNDLE_DIR": toy_bundle_dir, "STORE_PATH": tmp_path / "s.sqlite"}, toy_bundle, in_log)
    try:
        asyncio.run(workers.start())
        assert workers.disabled is None
        for pid in workers.pids():
            os.kill(pid, signal.SIGKILL)
        time.sleep(0.5)
        with pytest.raises(BadRequest) as err:
            asyncio.run(workers.answer(b"[]", Actor("t", False)))
        assert len(asked) == 1 and len(asked[0]) == 32
        problem = err.value.problems[0]["problem"]
        if recorded:
            assert err.value.status == 500 and "do not send it again" in problem and asked[0] in problem
            assert not err.value.headers
        else:
            assert err.value.status == 503 and "send it again" in problem
            assert err.value.headers == {"Retry-After": "2"}
    finally:
        workers.close()
