"""The real API server (uvicorn, loopback) on a throw-away store: latency, behaviour under load, throughput.

Prints, with the machine's cores and load average:
0. the floor, in process: the same decision scored and logged without HTTP (p50), and a 1,000-row
   batch scored and logged (rows/s);
1. sequential ``POST /predict`` and ``/explain`` (``--requests`` each, one keep-alive connection of
   ``http.client``): p50, p99, max, the server's and the client's CPU per request, the ratio to the floor;
2. ``GET /health`` latency while a 1,000-row ``/predict/batch`` runs (and idle, its floor), and the
   batch's rows/s (the batch is scored in the server's batch worker process, api.batch);
3. ``POST /predict`` throughput under ``--clients`` concurrent clients for ``--seconds``, with 1 worker
   process and with 2 (``uvicorn --workers 2``), and their ratio; once with keep-alive connections
   opened together, once with a new connection per request, and the CPU each server process used
   (the workers share one listening socket: a keep-alive connection stays with the worker that
   accepted it, and one worker's event loop may accept a whole burst of connections).

Every scoring request records its decision (SQLite, synchronous=FULL), as in production. The server
uses the configured bundle (default: the demo bundle) and a temporary store of generated clients.
Usage: python benchmarks/api_latency.py [--requests 1000] [--clients 16] [--seconds 10]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import numpy as np

REPO = Path(__file__).resolve().parent.parent
APPLICATION = json.loads((REPO / "examples" / "input_example.json").read_text())
BATCH_ROWS = 1000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cpu_seconds(pid: int) -> dict[int, float]:
    """CPU seconds (user + system) of ``pid`` and of its children, by process (Linux /proc; else {})."""
    tick = os.sysconf("SC_CLK_TCK")
    out: dict[int, float] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        proc_id, parent = int(stat.parent.name), int(fields[1])
        if proc_id == pid or parent == pid:
            out[proc_id] = (int(fields[11]) + int(fields[12])) / tick
    return out


@contextmanager
def server(store_dir: Path, workers: int = 1) -> Iterator[tuple[str, int]]:
    """``uvicorn api.main:app`` on a free port (``workers`` processes); yields its URL and pid once it answers."""
    port = _free_port()
    env = {**os.environ, "STORE_PATH": str(store_dir / "store.sqlite"), "DEMO_STORE_CLIENTS": "500"}
    cmd = [sys.executable, "-m", "uvicorn", "api.main:app", "--port", str(port), "--log-level", "warning"]
    proc = subprocess.Popen([*cmd, "--no-access-log", "--workers", str(workers)], cwd=REPO, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 180
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.time() > deadline or proc.poll() is not None:
                raise SystemExit("the server did not start")
            time.sleep(0.25)
        yield base, proc.pid
    finally:
        proc.terminate()
        proc.wait(60)


def _stats(ms: list[float]) -> str:
    a = np.array(ms)
    return f"p50 {np.percentile(a, 50):.1f} ms, p99 {np.percentile(a, 99):.1f} ms, max {a.max():.1f} ms"


def _timed(call: object) -> float:
    """Milliseconds of one call of ``call``."""
    t0 = time.perf_counter()
    call()  # type: ignore[operator]
    return (time.perf_counter() - t0) * 1000


def in_process_floor(requests: int) -> tuple[float, float]:
    """The floor of ``/predict`` and of a 1,000-row batch, measured here: the same scoring and
    decision-log write in process (the bundle the server uses, a throw-away SQLite store, FULL),
    without HTTP. Returns (p50 ms of one decision, rows/s of the batch)."""
    import core
    from core.store import Actor, DecisionDesk, Store

    bundle = core.load_configured_bundle()
    with tempfile.TemporaryDirectory(prefix="pad-bench-floor-") as tmp:
        store = Store.open(f"sqlite:///{Path(tmp) / 'floor.sqlite'}")
        desk = DecisionDesk(core.ScoringService(bundle, history=store.history), store)
        actor = Actor("bench", authenticated=False)
        times = []
        for i in range(requests + 20):
            t0 = time.perf_counter()
            desk.decide(dict(APPLICATION), channel="api", actor=actor, explain=True, top_k=5)
            if i >= 20:
                times.append((time.perf_counter() - t0) * 1000)
        rows = [{**APPLICATION, "SK_ID_CURR": 980_200_001 + i} for i in range(BATCH_ROWS)]
        batch = []
        for _ in range(3):
            t0 = time.perf_counter()
            desk.decide_records(rows, channel="api", actor=actor)
            batch.append(time.perf_counter() - t0)
        store.log.close()
        # the parts of a batch that no scoring change touches: the body's parse, the log's JSON
        from core.store.inputs import records_json

        body = json.dumps({"clients": rows}).encode()
        parse = min(_timed(lambda: json.loads(body)) for _ in range(10))
        encode = min(_timed(lambda: records_json(rows)) for _ in range(10))
        scoring = min(_timed(lambda: desk.service.score_records(rows)) for _ in range(3))
    p50 = float(np.percentile(times, 50))
    print(f"  floor, in process (score + SHAP + reasons + decision logged, no HTTP): {_stats(times)}")
    print(
        f"  floor, in process: {BATCH_ROWS} records scored and logged: {BATCH_ROWS / min(batch):,.0f} rows/s"
        f" — of which json.loads of the {len(body) / 1e6:.1f} MB body {parse:.1f} ms, the records' JSON"
        f" for the log {encode:.1f} ms, validation + features + predict {scoring:.1f} ms"
    )
    return p50, BATCH_ROWS / min(batch)


def sequential(base: str, pid: int, requests: int, floor_ms: float) -> None:
    """p50/p99 of one client's requests, one after the other, on one keep-alive connection (a light
    client: ``http.client``), with the server's CPU per request and the ratio to the floor."""
    host, port = base.removeprefix("http://").split(":")
    body = json.dumps(APPLICATION).encode()
    headers = {"content-type": "application/json"}
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    for path in ("/predict", "/explain"):
        for _ in range(20):
            conn.request("POST", path, body, headers)
            conn.getresponse().read()
        times = []
        cpu0, client0 = sum(_cpu_seconds(pid).values()), time.process_time()
        for _ in range(requests):
            t0 = time.perf_counter()
            conn.request("POST", path, body, headers)
            res = conn.getresponse()
            text = res.read()
            times.append((time.perf_counter() - t0) * 1000)
            assert res.status == 200, text[:300]
        server_ms = (sum(_cpu_seconds(pid).values()) - cpu0) / requests * 1000
        client_ms = (time.process_time() - client0) / requests * 1000
        p50 = float(np.percentile(times, 50))
        print(
            f"  {path:9s} {requests} sequential requests: {_stats(times)}; server CPU {server_ms:.2f} ms/request, "
            f"client CPU {client_ms:.2f} ms/request"
        )
        if path == "/predict":
            print(
                f"  /predict p50 / in-process floor: {p50 / floor_ms:.2f}x ({p50:.1f} vs {floor_ms:.1f} ms); "
                f"target p50 <= 5 ms, p99 <= 10 ms"
            )
    conn.close()


def health_during_batch(base: str, floor_rows_s: float, repeats: int = 3) -> None:
    """/health latency while 1,000-row batches run, and the batches' rows/s."""
    rows = [{**APPLICATION, "SK_ID_CURR": 980_200_001 + i} for i in range(BATCH_ROWS)]
    body = json.dumps({"clients": rows}).encode()
    headers = {"content-type": "application/json"}
    health_ms: list[float] = []
    batch_s: list[float] = []
    with httpx.Client(base_url=base, timeout=120) as batcher, httpx.Client(base_url=base) as health:
        batcher.post("/predict/batch", content=body, headers=headers)  # warm-up
        idle = []
        for _ in range(200):  # the floor: the same client's /health with nothing else running
            t0 = time.perf_counter()
            assert health.get("/health").status_code == 200
            idle.append((time.perf_counter() - t0) * 1000)
            time.sleep(0.005)
        for _ in range(repeats):
            done: dict[str, float] = {}

            def run(done: dict[str, float] = done) -> None:
                t0 = time.perf_counter()
                res = batcher.post("/predict/batch", content=body, headers=headers)
                done["s"] = time.perf_counter() - t0
                assert res.status_code == 200 and res.json()["n_scored"] == BATCH_ROWS, res.text[:300]

            worker = threading.Thread(target=run)
            worker.start()
            while worker.is_alive():
                t0 = time.perf_counter()
                assert health.get("/health").status_code == 200
                if worker.is_alive():
                    health_ms.append((time.perf_counter() - t0) * 1000)
                time.sleep(0.005)
            worker.join()
            batch_s.append(done["s"])
    median = float(np.median(batch_s))
    print(
        f"  /predict/batch {BATCH_ROWS} rows (recorded), {repeats} runs: median {median:.2f} s "
        f"= {BATCH_ROWS / median:,.0f} rows/s (best {BATCH_ROWS / min(batch_s):,.0f}); "
        f"in-process floor {floor_rows_s:,.0f} rows/s: {BATCH_ROWS / median / floor_rows_s:.2f}x; target >= 50,000 rows/s"
    )
    print(
        f"  /health during those batches ({len(health_ms)} requests): {_stats(health_ms)}; "
        f"idle, same client: {_stats(idle)}"
    )


def throughput(base: str, pid: int, *, clients: int, seconds: float, fresh: bool) -> float:
    """Print and return the requests/s of ``clients`` threads posting /predict, each on its keep-alive
    connection (opened together before the clock starts) or, ``fresh``, on a new connection per
    request; with the CPU the server's processes and this client used meanwhile."""
    host, port = base.removeprefix("http://").split(":")
    body = json.dumps(APPLICATION).encode()
    headers = {"content-type": "application/json"}
    statuses: Counter[int] = Counter()
    lock = threading.Lock()
    start = threading.Barrier(clients + 1)
    stop_at = [0.0]

    def one_client() -> None:
        conn = http.client.HTTPConnection(host, int(port), timeout=60)
        mine: Counter[int] = Counter()
        for _ in range(3):  # warm-up, and every connection open before the clock starts
            conn.request("POST", "/predict", body, headers)
            conn.getresponse().read()
        start.wait()
        while time.perf_counter() < stop_at[0]:
            if fresh:
                conn.close()
                conn = http.client.HTTPConnection(host, int(port), timeout=60)
            conn.request("POST", "/predict", body, headers)
            res = conn.getresponse()
            res.read()
            mine[res.status] += 1
        conn.close()
        with lock:
            statuses.update(mine)

    threads = [threading.Thread(target=one_client) for _ in range(clients)]
    for t in threads:
        t.start()
    stop_at[0] = time.perf_counter() + 3600
    start.wait()
    cpu0, client0 = _cpu_seconds(pid), time.process_time()
    t0 = time.perf_counter()
    stop_at[0] = t0 + seconds
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    cpu1, client = _cpu_seconds(pid), time.process_time() - client0
    used = [(cpu1[p] - cpu0.get(p, 0.0)) / elapsed for p in sorted(cpu1)]
    rate = statuses[200] / elapsed
    cores = " + ".join(f"{u:.2f}" for u in used if u >= 0.005) or "?"
    how = "a new connection per request" if fresh else "keep-alive"
    print(
        f"  /predict, {clients} concurrent clients ({how}), {elapsed:.0f} s: {rate:.1f} req/s "
        f"{dict(statuses)}; CPU cores used: server {cores} (by process), this client {client / elapsed:.2f}"
    )
    return rate


def _machine() -> str:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"cores {os.cpu_count()}, load average (1, 5, 15 min) {load}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=1000, help="sequential requests per route")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients for the throughput")
    parser.add_argument("--seconds", type=float, default=10.0, help="duration of each throughput run")
    args = parser.parse_args()
    print(f"start: {_machine()}")
    with tempfile.TemporaryDirectory(prefix="pad-bench-api-") as tmp:
        store = Path(tmp)
        rates: dict[tuple[int, bool], float] = {}
        floor_ms, floor_rows_s = in_process_floor(args.requests)
        for workers in (1, 2):
            with server(store, workers=workers) as (base, pid):
                print(f"{workers} worker process(es); {_machine()}")
                if workers == 1:
                    sequential(base, pid, args.requests, floor_ms)
                    health_during_batch(base, floor_rows_s)
                for fresh in (False, True):
                    rates[workers, fresh] = throughput(
                        base, pid, clients=args.clients, seconds=args.seconds, fresh=fresh
                    )
    for fresh, how in ((False, "keep-alive"), (True, "a new connection per request")):
        print(
            f"throughput 2 workers / 1 worker ({how}): {rates[2, fresh] / rates[1, fresh]:.2f}x (target >= 1.7x)"
        )
    print(f"end: {_machine()}")


if __name__ == "__main__":
    main()
