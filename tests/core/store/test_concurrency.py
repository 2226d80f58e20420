"""Concurrent writers (threads, and two processes) lose and duplicate nothing; the chain stays whole."""

from __future__ import annotations

import multiprocessing
import sys
import threading
import types

from core.store import NewDecision, Store

PER_WRITER = 25


def _entry(writer: str, i: int) -> NewDecision:
    return NewDecision(
        channel="api", kind="decision", officer=writer, authenticated=False, client_id=i,
        features={"i": i}, probability=0.5, threshold=0.1, decision="REFUSED",
    )  # fmt: skip


def _write(url: str, writer: str, n: int) -> None:
    store = Store.open(url, migrate=False)
    for i in range(n):
        if i % 5 == 4:
            store.log.append_many([_entry(writer, i), _entry(writer, 1000 + i)])
        else:
            store.log.append(_entry(writer, i))
    store.close()


def _check(store: Store, writers: list[str], n: int) -> None:
    table = store.log.table()
    per_writer = n + n // 5
    assert len(table) == len(writers) * per_writer
    assert sorted(table["seq"]) == list(range(1, len(table) + 1))
    assert table["decision_id"].is_unique
    assert table.sort_values("seq")["created_at"].is_monotonic_increasing  # times follow the chain
    for w in writers:
        mine = table[table["officer"] == w]
        assert sorted(mine["client_id"].tolist()) == sorted([*range(n), *(1000 + i for i in range(4, n, 5))])
    assert store.log.verify().ok


def test_threads(db_url):
    store = Store.open(db_url)
    writers = [f"t{i}" for i in range(6)]
    threads = [threading.Thread(target=_write, args=(db_url, w, PER_WRITER)) for w in writers]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    _check(store, writers, PER_WRITER)


def test_two_processes(db_url, monkeypatch):
    # a spawned child re-imports the parent's ``__main__`` when it has a file: an earlier test of the
    # same worker process (a page run as a script) may have left one, which the child would then run
    monkeypatch.setitem(sys.modules, "__main__", types.ModuleType("__main__"))
    store = Store.open(db_url)
    ctx = multiprocessing.get_context("spawn")
    writers = ["p1", "p2"]
    procs = [ctx.Process(target=_write, args=(db_url, w, PER_WRITER * 2)) for w in writers]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    _check(store, writers, PER_WRITER * 2)


def test_threads_sharing_one_store(db_url):
    """The API's case: one store per process, its routes in a thread pool."""
    store = Store.open(db_url)
    writers = [f"s{i}" for i in range(4)]

    def write(writer: str) -> None:
        for i in range(PER_WRITER):
            if i % 5 == 4:
                store.log.append_many([_entry(writer, i), _entry(writer, 1000 + i)])
            else:
                store.log.append(_entry(writer, i))

    threads = [threading.Thread(target=write, args=(w,)) for w in writers]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    _check(store, writers, PER_WRITER)
