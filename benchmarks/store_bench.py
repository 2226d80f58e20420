"""The store's figures: a Kaggle-scale load, a stored client scored through the API, the log's cost.

python benchmarks/store_bench.py load --data DIR [--url URL | --postgres]
    `pad db load` in a child process: wall time, peak memory (max RSS), database size.
python benchmarks/store_bench.py api --url URL [--requests 300]
    a real uvicorn server on the store: POST /clients/{id}/score (history read from the store,
    decision recorded), p50/p99, against the in-process floor of scoring alone.
python benchmarks/store_bench.py log [--rows 100000]
    what the decision-log write adds to one decision (SQLite synchronous FULL and NORMAL, and
    PostgreSQL when available), and listing 100,000 logged decisions with filters.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import core  # noqa: E402
from core.store import Actor, DecisionDesk, NewDecision, Store  # noqa: E402


def _pct(values: list[float] | np.ndarray) -> str:
    a = np.asarray(values)
    return f"p50 {np.percentile(a, 50):.2f} ms, p99 {np.percentile(a, 99):.2f} ms"


def _postgres() -> tuple[object, str]:
    from tests.pg import start_postgres

    server, reason = start_postgres()
    if server is None:
        raise SystemExit(f"PostgreSQL unavailable: {reason}")
    return server, server.url  # type: ignore[attr-defined]


def _db_size(url: str) -> str:
    store = Store.open(url, migrate=False)
    if store.engine.dialect.name == "sqlite":
        path = Path(store.engine.url.database or "")
        size = sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    else:
        with store.engine.connect() as conn:
            size = int(conn.exec_driver_sql("SELECT pg_database_size(current_database())").scalar_one())
    store.close()
    return f"{size / 1e9:.2f} GB"


def cmd_load(args: argparse.Namespace) -> None:
    server = None
    url = args.url
    if args.postgres:
        server, url = _postgres()
    url = url or f"sqlite:///{tempfile.mkdtemp(prefix='pad-load-')}/store.sqlite"
    env = {**os.environ, "DATABASE_URL": url}
    cmd = [
        "/usr/bin/time",
        "-v",
        sys.executable,
        "-m",
        "core.cli",
        "db",
        "load",
        "--data",
        str(args.data),
        "--no-progress",
    ]
    started = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=REPO)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(done.stderr[-3000:])
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr).group(1))  # type: ignore[union-attr]
    summary = [line for line in done.stderr.splitlines() if line.startswith("loaded into")]
    print(summary[0] if summary else done.stderr[-500:])
    print(
        f"engine {url.split(':')[0]}: wall {wall:.0f} s, peak RSS {rss / 1e6:.1f} GB, database {_db_size(url)}"
    )
    if args.keep:
        print(f"store kept at {url}")
    if server is not None and not args.keep:
        server.stop()  # type: ignore[attr-defined]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cmd_api(args: argparse.Namespace) -> None:
    import httpx

    store = Store.open(args.url)
    n_clients = store.clients.count()
    with store.engine.connect() as conn:
        ids = [int(r[0]) for r in conn.exec_driver_sql('SELECT "SK_ID_CURR" FROM application')]
    random.seed(0)
    sample = random.sample(ids, min(args.requests, len(ids)))
    bundle = core.load_configured_bundle()
    service = core.ScoringService(bundle, history=store.history)
    floor = []
    for cid in sample[:100]:
        app = store.clients.application(cid)
        t0 = time.perf_counter()
        service.score(app)
        floor.append((time.perf_counter() - t0) * 1000)
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": args.url}
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "api.main:app", "--port", str(port), "--log-level", "warning"],
        env=env, cwd=REPO,
    )  # fmt: skip
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            for _ in range(600):
                try:
                    if client.get("/health").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.2)
            for cid in sample[:10]:
                client.post(f"/clients/{cid}/score")
            lat = []
            for cid in sample:
                t0 = time.perf_counter()
                r = client.post(f"/clients/{cid}/score")
                lat.append((time.perf_counter() - t0) * 1000)
                assert r.status_code == 200, r.text[:300]
    finally:
        proc.terminate()
        proc.wait(30)
    print(f"store of {n_clients:,} clients ({store.engine.dialect.name})")
    print(f"in-process score + SHAP + reasons of a stored client (floor of the route): {_pct(floor)}")
    print(f"API POST /clients/{{id}}/score, {len(sample)} sequential requests: {_pct(lat)}")


def _entry(i: int) -> NewDecision:
    return NewDecision(
        channel="api", kind="decision", officer=f"officer{i % 7}", authenticated=False,
        client_id=900_000_001 + i % 50_000, application={"SK_ID_CURR": 900_000_001 + i, "AMT_CREDIT": 1e5 + i},
        features={f"F{j}": j * 0.1 for j in range(125)}, bundle_name="b", bundle_version="v", bundle_hash="h" * 64,
        probability=random.random(), threshold=0.08, decision="REFUSED" if i % 5 == 0 else "ACCEPTED",
        reasons=[{"feature": "F1", "contribution": 0.2}] * 4, latency_ms=5.0,
    )  # fmt: skip


def _log_write(url: str, label: str) -> None:
    store = Store.open(url)
    bundle = core.load_configured_bundle()
    service = core.ScoringService(bundle)
    desk = DecisionDesk(service, store)
    record = service.example_record()
    actor = Actor("bench", False)
    score, decide = [], []
    for _ in range(10):
        desk.decide(record, channel="api", actor=actor)
    for _ in range(200):
        t0 = time.perf_counter()
        service.score(record)
        t1 = time.perf_counter()
        desk.decide(record, channel="api", actor=actor)
        t2 = time.perf_counter()
        score.append((t1 - t0) * 1000)
        decide.append((t2 - t1) * 1000)
    added = np.percentile(decide, 50) - np.percentile(score, 50)
    print(
        f"{label}: score {_pct(score)}; score + log write {_pct(decide)}; the write adds {added:.2f} ms at p50"
    )
    store.close()


def cmd_log(args: argparse.Namespace) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="pad-log-"))
    for mode in ("FULL", "NORMAL"):
        os.environ["SQLITE_SYNCHRONOUS"] = mode
        _log_write(f"sqlite:///{tmp / mode}.sqlite", f"SQLite WAL synchronous={mode}")
    try:
        server, url = _postgres()
        _log_write(url, "PostgreSQL 15 (fsync on, synchronous_commit on)")
        server.stop()  # type: ignore[attr-defined]
    except SystemExit as exc:
        print(exc)
    store = Store.open(f"sqlite:///{tmp / 'list.sqlite'}")
    random.seed(1)
    t0 = time.perf_counter()
    for start in range(0, args.rows, 5000):
        store.log.append_many([_entry(i) for i in range(start, min(args.rows, start + 5000))])
    print(f"wrote {args.rows:,} decisions in {time.perf_counter() - t0:.1f} s (chunks of 5,000)")
    since = datetime.now(UTC) - timedelta(days=1)
    for label, filters in [
        ("all", {}),
        ("REFUSED since yesterday", {"decision": "REFUSED", "since": since}),
        ("one officer", {"officer": "officer3"}),
        ("one client", {"client_id": 900_000_002}),
        ("overridden", {"overridden": True}),
    ]:
        times = []
        for _ in range(3):
            t1 = time.perf_counter()
            table = store.log.table(**filters)
            store.log.count(**filters)
            times.append(time.perf_counter() - t1)
        print(f"list {label}: {len(table):,} rows in {min(times) * 1000:.0f} ms (best of 3, table + count)")
    t1 = time.perf_counter()
    report = store.log.verify()
    print(f"pad db verify over {report.rows:,} rows: {time.perf_counter() - t1:.1f} s, ok={report.ok}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="cmd", required=True)
    load = sub.add_parser("load")
    load.add_argument("--data", type=Path, required=True)
    load.add_argument("--url")
    load.add_argument("--postgres", action="store_true", help="start a PostgreSQL server for the run")
    load.add_argument("--keep", action="store_true", help="keep the store (and the server) after the run")
    load.set_defaults(func=cmd_load)
    api = sub.add_parser("api")
    api.add_argument("--url", required=True)
    api.add_argument("--requests", type=int, default=300)
    api.set_defaults(func=cmd_api)
    log = sub.add_parser("log")
    log.add_argument("--rows", type=int, default=100_000)
    log.set_defaults(func=cmd_log)
    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
