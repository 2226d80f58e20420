"""The store's figures: a Kaggle-scale load, a stored client scored through the API, the log's cost.

python benchmarks/store_bench.py load --data DIR [--url URL | --postgres]
    `pad db load` in a child process: wall time, peak memory (max RSS), database size.
python benchmarks/store_bench.py api --url URL [--requests 300]
    a real uvicorn server on the store: POST /clients/{id}/score (history read from the store,
    decision recorded), p50/p99, against the in-process floor of scoring alone.
python benchmarks/store_bench.py log [--rows 100000] [--no-postgres]
    A. what the decision-log write adds to one decision (SQLite synchronous FULL, NORMAL and OFF,
       PostgreSQL synchronous_commit on and off), beside its floor: a bare INSERT + COMMIT of the same
       bytes on the same settings; B. `pad score`'s batch log (rows/s, µs per row by part, the bare
       executemany floor); C. the decisions page on the 100,000 rows of B (newest 5,000 + counts by
       SQL, with filters), the export, `pad db verify`. Load average printed with the figures.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import event

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import core  # noqa: E402
from core.store import Actor, DecisionDesk, NewDecision, Store, decision_of  # noqa: E402
from core.store.chain import COLUMNS, GENESIS, link, link_all, prepare  # noqa: E402
from core.store.desk import rows_of  # noqa: E402


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


# ---------------------------------------------------------------------- the decision log
def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} / {five:.2f} / {fifteen:.2f} on {os.cpu_count()} cores"


def _p50(values: list[float]) -> float:
    return float(np.percentile(values, 50))


def _sqlite_off(store: Store) -> Store:
    """The store with ``synchronous=OFF`` (no fsync at all): the floor of the work without durability."""

    @event.listens_for(store.engine, "connect")
    def _off(dbapi_connection: object, _record: object) -> None:
        dbapi_connection.execute("PRAGMA synchronous=OFF")  # type: ignore[attr-defined]

    store.engine.dispose()  # the migration's connection had FULL
    return store


def _pg_database(server: object, name: str, synchronous_commit: str) -> str:
    from tests.pg import new_database

    url = new_database(server, name)  # type: ignore[arg-type]
    store = Store.open(url, migrate=False)
    with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql(f"ALTER DATABASE {name} SET synchronous_commit = {synchronous_commit}")
    store.close()
    return url


class _Bare:
    """INSERT + COMMIT of rows already encoded and linked, nothing else: the database's floor."""

    def __init__(self, store: Store, rows: list[tuple]) -> None:
        self.raw = store.engine.raw_connection()
        self.sqlite = store.engine.dialect.name == "sqlite"
        self.rows = rows
        names = ", ".join(COLUMNS)
        marks = ", ".join(("?" if self.sqlite else "%s") for _ in COLUMNS)
        self.sql = f"INSERT INTO decisions ({names}) VALUES ({marks})"
        self.seq = 0
        if not self.sqlite:
            self.raw.driver_connection.autocommit = True

    def _params(self, row: tuple) -> tuple:
        self.seq += 1
        out = (self.seq, f"{self.seq:032x}", row[2], *row[3:])
        return (out[0], out[1], row[2].strftime("%Y-%m-%d %H:%M:%S.%f"), *out[3:]) if self.sqlite else out

    def one(self) -> None:
        cur = self.raw.driver_connection.cursor()
        if self.sqlite:
            cur.execute("BEGIN IMMEDIATE")
        cur.execute(self.sql, self._params(self.rows[self.seq % len(self.rows)]))
        if self.sqlite:
            cur.execute("COMMIT")
        cur.close()

    def many(self, rows: list[tuple]) -> None:
        conn = self.raw.driver_connection
        cur = conn.cursor()
        cur.execute("BEGIN IMMEDIATE" if self.sqlite else "BEGIN")
        cur.executemany(self.sql, [self._params(r) for r in rows])
        cur.execute("COMMIT")
        cur.close()

    def close(self) -> None:
        if not self.sqlite:
            self.raw.driver_connection.autocommit = False
        self.raw.close()


def _one_decision(label: str, store: Store, bare: Store, n: int) -> None:
    """One scoring, then the same with its decision logged, side by side; the write alone; its floor."""
    bundle = core.load_configured_bundle()
    service = core.ScoringService(bundle)
    desk = DecisionDesk(service, store)
    record = service.example_record()
    actor = Actor("bench", False)
    entry = decision_of(service.score(record), record, channel="api", actor=actor, latency_ms=5.0)
    floor = _Bare(bare, [link(prepare(entry), 1, GENESIS, datetime.now(UTC).replace(tzinfo=None))])
    score, decide, score2, bare_after, append, encode, insert = [], [], [], [], [], [], []
    for i in range(n + 20):
        t0 = time.perf_counter()
        service.score(record, explain=True, top_k=5)
        t1 = time.perf_counter()
        desk.decide(record, channel="api", actor=actor)  # score + log write
        t2 = time.perf_counter()
        service.score(record, explain=True, top_k=5)
        t3 = time.perf_counter()
        floor.one()  # the floor in the same place: a bare INSERT + COMMIT right after a scoring
        t4 = time.perf_counter()
        store.log.append(entry)  # the write alone, back to back with the previous one
        t5 = time.perf_counter()
        prepare(entry)
        t6 = time.perf_counter()
        floor.one()
        t7 = time.perf_counter()
        if i >= 20:  # warm-up: connections, prepared statements, caches
            score.append((t1 - t0) * 1e3)
            decide.append((t2 - t1) * 1e3)
            score2.append((t3 - t2) * 1e3)
            bare_after.append((t4 - t3) * 1e3)
            append.append((t5 - t4) * 1e3)
            encode.append((t6 - t5) * 1e3)
            insert.append((t7 - t6) * 1e3)
    added = _p50([d - s for d, s in zip(decide, score, strict=True)])
    print(
        f"{label}\n"
        f"    score {_pct(score)} | score + logged decision {_pct(decide)} | the log adds {added:.2f} ms at p50;"
        f" floor: a bare INSERT + COMMIT of the same bytes after a scoring adds {_p50(bare_after):.2f} ms"
        f" | ratio {added / _p50(bare_after):.1f}\n"
        f"    back to back: DecisionLog.append {_pct(append)} (encoding {_p50(encode):.3f} ms)"
        f" | bare INSERT + COMMIT {_pct(insert)} | ratio {_p50(append) / _p50(insert):.1f}"
    )
    floor.close()
    assert store.log.verify().ok


def _scored_chunk(rows: int) -> tuple[object, object, object]:
    """A chunk of generated applications as `pad score` reads it (text cells), scored once."""
    from core.cli.score import read_csv_chunks
    from core.data.synthetic.application import generate_application

    folder = Path(tempfile.mkdtemp(prefix="pad-log-csv-"))
    apps = generate_application(np.random.default_rng(0), rows, first_id=100_001)
    apps.drop(columns=["TARGET", "_RISK"], errors="ignore").to_csv(folder / "apps.csv", index=False)
    frame = next(read_csv_chunks(folder / "apps.csv", chunk_rows=rows))
    shutil.rmtree(folder, ignore_errors=True)
    service = core.ScoringService(core.load_configured_bundle())
    t0 = time.perf_counter()
    batch = service.score_frame(frame)
    print(
        f"(context) scoring one chunk of {rows:,} rows, validate + features + predict: {time.perf_counter() - t0:.2f} s"
    )
    return service, frame, batch


def _batches(label: str, store: Store, bare: Store, scored: tuple, total: int) -> None:
    """`pad score`'s log: chunks of 10,000 rows, one transaction each; then its parts and its floor."""
    service, frame, batch = scored
    desk = DecisionDesk(service, store)  # type: ignore[arg-type]
    chunk = len(frame)  # type: ignore[arg-type]
    t0, cpu0 = time.perf_counter(), time.process_time()
    for k in range(total // chunk):
        actor = Actor(f"officer{k % 7}", False)
        desk.record_frame(frame, batch, first_row=1, channel="cli", actor=actor, latency_ms=1.0)  # type: ignore[arg-type]
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    t1, c1 = time.perf_counter(), time.process_time()
    cells = rows_of(frame)  # type: ignore[arg-type]
    entries = desk.batch_entries(
        batch, lambda row: cells[row - 1], channel="cli", actor=Actor("x", False), latency_ms=1.0
    )  # type: ignore[arg-type]
    t2, c2 = time.perf_counter(), time.process_time()
    prepared = [prepare(e) for e in entries]
    t3, c3 = time.perf_counter(), time.process_time()
    rows = link_all(prepared, 0, GENESIS, datetime.now(UTC).replace(tzinfo=None))
    t4 = time.perf_counter()
    floor = _Bare(bare, rows)
    floor.many(rows)
    t5 = time.perf_counter()
    floor.close()
    per = 1e6 / chunk
    print(
        f"{label}: {total:,} decisions logged in {wall:.1f} s = {total / wall:,.0f} rows/s ({wall / total * 1e6:.0f} µs/row;"
        f" CPU time of this process {cpu / total * 1e6:.0f} µs/row)\n"
        f"    one chunk of {chunk:,}: rows of the batch {(t2 - t1) * per:.0f} µs/row (CPU {(c2 - c1) * per:.0f}), "
        f"canonical JSON + input hash {(t3 - t2) * per:.0f} µs/row (CPU {(c3 - c2) * per:.0f}), "
        f"chain (SHA-256) {(t4 - t3) * per:.0f} µs/row; "
        f"floor, bare executemany of the same bytes {(t5 - t4) * per:.0f} µs/row = {chunk / (t5 - t4):,.0f} rows/s"
    )


def _listing(label: str, store: Store) -> None:
    """The decisions page on the log: newest 5,000 rows + counts by SQL, with its filters; the export."""
    from core.export import to_safe_csv

    now = datetime.now(UTC)
    period = {"since": now - timedelta(days=29), "until": now + timedelta(days=1)}  # the page's default
    some = store.log.table(limit=2, **period)
    client = int(some["client_id"].dropna().iloc[0])
    print(f"{label}: the decisions page (newest 5,000 rows + counts by SQL), best of 3 (median)")
    for name, filters in [
        ("30 days, no filter", period),
        ("REFUSED since yesterday", {"decision": "REFUSED", "since": now - timedelta(days=1)}),
        ("one officer", {**period, "officer": "officer3"}),
        ("one client", {**period, "client_id": client}),
        ("overridden", {**period, "overridden": True}),
    ]:
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            shown = store.log.table(limit=5000, **filters)
            counts = store.log.summary(**filters)
            times.append(time.perf_counter() - t0)
        print(
            f"    {name}: {counts['rows']:,} rows, {len(shown):,} shown in {min(times) * 1e3:.0f} ms "
            f"({_p50(times) * 1e3:.0f})"
        )
    t0 = time.perf_counter()
    data = to_safe_csv(store.log.table(**period))
    print(
        f"    export of every row of the 30 days (CSV, formulas neutralised): {time.perf_counter() - t0:.2f} s, {len(data) / 1e6:.0f} MB"
    )
    t0 = time.perf_counter()
    report = store.log.verify()
    print(f"    pad db verify over {report.rows:,} rows: {time.perf_counter() - t0:.1f} s, ok={report.ok}")


def _overrides(store: Store, n: int) -> None:
    boss = Actor("chef", True)
    for r in store.log.records(limit=n * 7, kind="decision")[::7]:
        other = "ACCEPTED" if r.decision == "REFUSED" else "REFUSED"
        store.log.override(
            r.decision_id, decision=other, reason="documents seen", actor=boss, channel="dashboard"
        )


def _old_entry(i: int) -> NewDecision:
    """The entries of this benchmark's first version (a 2-field application), for the 51 s comparison."""
    return NewDecision(
        channel="api", kind="decision", officer=f"officer{i % 7}", authenticated=False,
        client_id=900_000_001 + i % 50_000, application={"SK_ID_CURR": 900_000_001 + i, "AMT_CREDIT": 1e5 + i},
        features={f"F{j}": j * 0.1 for j in range(125)}, bundle_name="b", bundle_version="v", bundle_hash="h" * 64,
        probability=random.random(), threshold=0.08, decision="REFUSED" if i % 5 == 0 else "ACCEPTED",
        reasons=[{"feature": "F1", "contribution": 0.2}] * 4, latency_ms=5.0,
    )  # fmt: skip


def cmd_log(args: argparse.Namespace) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="pad-log-"))
    print(f"start: {_load()}")
    server = None
    if not args.no_postgres:
        try:
            server, _ = _postgres()
        except SystemExit as exc:
            print(exc)
    try:
        _log_figures(args, tmp, server)
    finally:  # the stores of a run hold a few GB
        if server is not None:
            server.stop()  # type: ignore[attr-defined]
        shutil.rmtree(tmp, ignore_errors=True)


def _log_figures(args: argparse.Namespace, tmp: Path, server: object) -> None:
    def sqlite(name: str, mode: str = "FULL") -> Store:
        return Store.open(f"sqlite:///{tmp / name}.sqlite", synchronous=mode)

    print(
        f"\nA. one decision: the demo bundle's example application (121 fields, 125 features, reasons); {args.decisions} interleaved rounds"
    )
    _one_decision(
        "SQLite WAL synchronous=FULL (the default)", sqlite("full"), sqlite("full-bare"), args.decisions
    )
    _one_decision(
        "SQLite WAL synchronous=NORMAL",
        sqlite("normal", "NORMAL"),
        sqlite("normal-bare", "NORMAL"),
        args.decisions,
    )
    _one_decision(
        "SQLite WAL synchronous=OFF (no fsync: not durable, the floor of the work)",
        _sqlite_off(sqlite("off")), _sqlite_off(sqlite("off-bare")), args.decisions,
    )  # fmt: skip
    if server is not None:
        for name, mode in (("a_on", "on"), ("a_off", "off")):
            urls = [_pg_database(server, f"{name}{k}", mode) for k in ("", "_bare")]
            what = (
                "the default: the commit waits for the WAL flush"
                if mode == "on"
                else "not durable, the floor"
            )
            _one_decision(
                f"PostgreSQL 15, synchronous_commit={mode} ({what})",
                Store.open(urls[0]),
                Store.open(urls[1]),
                args.decisions,
            )
    print(f"after A: {_load()}")

    print(
        f"\nB. batches as `pad score` logs them: {args.rows:,} rows in chunks of {args.chunk:,}, one transaction each"
    )
    scored = _scored_chunk(args.chunk)
    logs = [("SQLite WAL synchronous=FULL", sqlite("batch"), sqlite("batch-bare"))]
    if server is not None:
        logs.append(
            (
                "PostgreSQL 15",
                Store.open(_pg_database(server, "b", "on")),
                Store.open(_pg_database(server, "b_bare", "on")),
            )
        )
    for label, store, bare in logs:
        _batches(label, store, bare, scored, args.rows)
    for method in ("append_many", "append_batch"):  # rows read back as records, or ids only (the desk's)
        old = sqlite(f"old-entries-{method}")
        append = getattr(old.log, method)
        random.seed(1)
        t0 = time.perf_counter()
        for start in range(0, args.rows, 5000):
            append([_old_entry(i) for i in range(start, min(args.rows, start + 5000))])
        wall = time.perf_counter() - t0
        print(
            f"this benchmark's first entries (2-field application, building them included), {method} in chunks"
            f" of 5,000: {args.rows:,} in {wall:.1f} s = {args.rows / wall:,.0f} rows/s"
        )
    print(f"after B: {_load()}")

    print("\nC. listing the log built in B (with 50 overrides)")
    for label, store, _ in logs:
        _overrides(store, 50)
        _listing(label, store)
    print(f"end: {_load()}")


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
    log.add_argument("--rows", type=int, default=100_000, help="decisions written in B and listed in C")
    log.add_argument(
        "--chunk", type=int, default=10_000, help="rows per transaction in B (pad score's chunk)"
    )
    log.add_argument("--decisions", type=int, default=300, help="rounds of A")
    log.add_argument("--no-postgres", action="store_true", help="SQLite only")
    log.set_defaults(func=cmd_log)
    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
