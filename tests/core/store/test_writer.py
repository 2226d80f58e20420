"""The log's write path on both engines: batches, writers that lag behind, a lost connection, other engines."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from core.store import NewDecision, Store


def entry(i: int, officer: str = "w") -> NewDecision:
    return NewDecision(
        channel="cli", kind="decision", officer=officer, authenticated=False, client_id=i,
        application={"SK_ID_CURR": i, "NAME": f"client {i}"}, features={"A": i / 7, "B": None},
        probability=i / 100, threshold=0.5, decision="ACCEPTED" if i % 2 else "REFUSED",
    )  # fmt: skip


def _seqs(store: Store) -> list[int]:
    return sorted(store.log.table()["seq"])


def test_a_batch_returns_its_ids_in_order_and_logs_the_same_rows_as_one_by_one(db_url):
    store = Store.open(db_url)
    ids = store.log.append_batch([entry(i) for i in range(1, 301)])
    assert len(ids) == 300 and len(set(ids)) == 300
    one = store.log.append(entry(7))
    table = store.log.table()
    assert table.sort_values("seq")["decision_id"].tolist() == [*ids, one.decision_id]
    batch_row, single_row = store.log.get(ids[6]), store.log.get(one.decision_id)
    assert batch_row is not None and single_row is not None
    assert (batch_row.application, batch_row.features, batch_row.input_hash) == (
        single_row.application,
        single_row.features,
        single_row.input_hash,
    )
    assert store.log.append_batch([]) == []
    assert store.log.verify().ok and store.log.verify().rows == 301


def test_two_logs_on_one_database_take_turns_without_a_fork(db_url):
    """Each log's idea of the tail is stale at every other append (PostgreSQL: the one-statement
    append is refused by the primary key and redone under the lock)."""
    a, b = Store.open(db_url), Store.open(db_url, migrate=False)
    for i in range(20):
        (a if i % 2 else b).log.append(entry(i, "a" if i % 2 else "b"))
        if i % 5 == 0:
            a.log.append_many([entry(100 + i), entry(200 + i)])
    assert _seqs(a) == list(range(1, 29))
    assert a.log.verify().ok


def test_a_wrong_idea_of_the_tail_is_never_linked_to(db_url):
    store = Store.open(db_url)
    first = store.log.append(entry(1))
    writer = store.log._writer
    if writer.dialect == "postgresql":
        assert writer._tail is not None and writer._tail[0] == 1  # the one-statement path is armed
        writer._tail = (1, "f" * 64)  # e.g. the database was restored from an older copy meanwhile
    second = store.log.append(entry(2))
    assert second.seq == 2 and second.prev_hash == first.row_hash
    assert store.log.verify().ok


def test_a_lost_connection_is_replaced_and_the_row_written_once(db_url):
    store = Store.open(db_url)
    store.log.append(entry(1))
    if store.engine.dialect.name != "postgresql":
        pytest.skip("an embedded SQLite file has no connection to lose")
    pid = store.log._writer._conn.driver_connection.info.backend_pid
    with store.engine.connect() as conn:  # the server ends the writer's session (restart, network cut)
        conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
    done = store.log.append(entry(2))
    assert done.seq == 2 and store.log.count() == 2 and store.log.verify().ok


def test_another_engine_goes_through_sqlalchemy(tmp_path):
    store = Store.open(f"sqlite:///{tmp_path / 's.sqlite'}")
    store.log._writer.dialect = "other"  # what a URL of an engine without a fast path gets
    store.log.append(entry(1))
    store.log.append_many([entry(2), entry(3)])
    assert _seqs(store) == [1, 2, 3] and store.log.verify().ok


def test_a_refused_row_is_a_sqlalchemy_error_and_the_log_goes_on(db_url):
    store = Store.open(db_url)
    store.log.append(entry(1))
    orphan = NewDecision(channel="api", kind="override", officer="w", authenticated=False, decision="ACCEPTED",
                         overrides="0" * 32, override_reason="no such decision")  # fmt: skip
    for _ in range(2):  # PostgreSQL: append takes the one-statement path, append_many the locked one
        with pytest.raises(IntegrityError):
            store.log.append(orphan)
        with pytest.raises(IntegrityError):
            store.log.append_many([entry(2), orphan])  # all or none
    assert store.log.append(entry(3)).seq == 2 and store.log.count() == 2 and store.log.verify().ok
