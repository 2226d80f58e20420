"""The decision log on both engines: append-only, hash-chained, overrides as new rows, filters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import DatabaseError, IntegrityError

from core.store import Actor, DecisionLogError, NewDecision, Store
from core.store.decisions import GENESIS

OFFICER = Actor("marie", authenticated=False)


def entry(i: int, decision: str = "ACCEPTED", **kw) -> NewDecision:
    base = dict(
        channel="api", kind="decision", officer="marie", authenticated=False, client_id=900_000_000 + i,
        application={"SK_ID_CURR": 900_000_000 + i, "AMT_CREDIT": 1000.5 + i}, features={"A": 0.1 * i, "B": None},
        bundle_name="b", bundle_version="v1", bundle_hash="h" * 64, probability=0.01 * i, threshold=0.08,
        decision=decision, reasons=[{"feature": "A", "contribution": 0.3}], latency_ms=1.23456,
    )  # fmt: skip
    base.update(kw)
    return NewDecision(**base)


def test_rows_are_chained_and_read_back_exactly(db_url):
    log = Store.open(db_url).log
    first = log.append(entry(1))
    assert first.seq == 1 and first.prev_hash == GENESIS
    rest = log.append_many([entry(i) for i in range(2, 6)])
    assert [r.seq for r in rest] == [2, 3, 4, 5]
    assert rest[0].prev_hash == first.row_hash
    got = log.get(rest[1].decision_id)
    assert got is not None
    assert got.application == {"SK_ID_CURR": 900_000_003, "AMT_CREDIT": 1003.5}
    assert got.features == {"A": 0.1 * 3, "B": None}
    assert got.probability == 0.01 * 3 and got.latency_ms == 1.235 and got.row_hash == rest[1].row_hash
    assert log.verify().ok and log.verify().rows == 5


@pytest.mark.parametrize(
    "statement", ["UPDATE decisions SET probability = 0 WHERE seq = 1", "DELETE FROM decisions"]
)
def test_the_database_refuses_edits(db_url, statement):
    store = Store.open(db_url)
    store.log.append_many([entry(1), entry(2)])
    with pytest.raises(DatabaseError, match="append-only"), store.engine.begin() as conn:
        conn.exec_driver_sql(statement)
    assert store.log.count() == 2 and store.log.verify().ok


def test_an_edit_around_the_triggers_is_detected(db_url):
    store = Store.open(db_url)
    store.log.append_many([entry(i) for i in range(1, 4)])
    with store.engine.begin() as conn:  # an administrator drops the guard and rewrites a probability
        if store.engine.dialect.name == "sqlite":
            conn.exec_driver_sql("DROP TRIGGER decisions_no_update")
        else:
            conn.exec_driver_sql("DROP TRIGGER decisions_no_update ON decisions")
        conn.exec_driver_sql("UPDATE decisions SET probability = 0.5 WHERE seq = 2")
    report = store.log.verify()
    assert not report.ok and report.first_bad_seq == 2 and "edited" in report.problem


def test_a_deleted_row_breaks_the_chain(tmp_path):
    store = Store.open(f"sqlite:///{tmp_path / 's.sqlite'}")
    store.log.append_many([entry(i) for i in range(1, 4)])
    with store.engine.begin() as conn:
        conn.exec_driver_sql("DROP TRIGGER decisions_no_delete")
        conn.exec_driver_sql("DELETE FROM decisions WHERE seq = 2")
    report = store.log.verify()
    assert not report.ok and report.first_bad_seq == 3 and "missing" in report.problem


def test_an_override_is_a_new_linked_row(db_url):
    log = Store.open(db_url).log
    original = log.append(entry(1, "REFUSED"))
    with pytest.raises(DecisionLogError, match="needs a reason"):
        log.override(
            original.decision_id, decision="ACCEPTED", reason="  ", actor=OFFICER, channel="dashboard"
        )
    with pytest.raises(DecisionLogError, match="already decided REFUSED"):
        log.override(original.decision_id, decision="REFUSED", reason="x", actor=OFFICER, channel="dashboard")
    with pytest.raises(DecisionLogError, match="not a logged model decision"):
        log.override("nope", decision="ACCEPTED", reason="x", actor=OFFICER, channel="dashboard")
    boss = Actor("chef@pad.fr", authenticated=True)
    done = log.override(
        original.decision_id, decision="ACCEPTED", reason="salary slip seen", actor=boss, channel="dashboard"
    )
    assert done.kind == "override" and done.overrides == original.decision_id and done.authenticated
    again = log.get(original.decision_id)
    assert again is not None and again.decision == "REFUSED" and again.overridden_by == [done.decision_id]
    with pytest.raises(DecisionLogError, match="already overridden"):
        log.override(original.decision_id, decision="ACCEPTED", reason="x", actor=boss, channel="dashboard")
    table = log.table()
    row = table[table["decision_id"] == original.decision_id].iloc[0]
    assert row["final_decision"] == "ACCEPTED" and bool(row["overridden"])
    assert log.count(overridden=True) == 1 and log.count(overridden=False) == 1
    assert log.verify().ok


def test_filters(db_url):
    log = Store.open(db_url).log
    log.append_many([entry(1), entry(2, "REFUSED"), entry(3, channel="cli", officer="paul")])
    log.append(NewDecision(channel="api", kind="refused_input", officer="x", authenticated=False,
                           errors=[{"field": "AMT_CREDIT", "problem": "required"}]))  # fmt: skip
    assert log.count(decision="REFUSED") == 1
    assert log.count(officer="paul") == 1 and log.count(channel="cli") == 1
    assert log.count(client_id=900_000_002) == 1
    assert log.count(kind="refused_input") == 1
    now = datetime.now(UTC)
    assert log.count(since=now - timedelta(minutes=5)) == 4
    assert log.count(until=now - timedelta(minutes=5)) == 0
    assert [r.seq for r in log.records(limit=2)] == [4, 3]
    frame = log.frame()
    assert len(frame) == 3 and {"A", "B", "probability", "created_at"} <= set(frame.columns)
    assert log.table()["client_id"].dtype == "Int64"


def test_sequence_numbers_are_unique(db_url):
    """Two writers can never both append row n: the primary key refuses the second."""
    from core.store import tables as t
    from core.store.decisions import _row

    store = Store.open(db_url)
    first = store.log.append(entry(1))
    twin = _row(entry(2), first.seq, first.created_at, GENESIS)
    with pytest.raises(IntegrityError), store.engine.begin() as conn:
        conn.execute(t.decisions.insert(), [twin])


def test_the_store_description_counts_the_decisions_logged(db_url):
    """/health and the sidebar read the log's size from its last row number: it equals a count."""
    store = Store.open(db_url)
    assert store.describe()["decisions"] == 0
    store.log.append_many([entry(i) for i in range(1, 8)])
    first = store.log.append(entry(8))
    store.log.override(first.decision_id, decision="REFUSED", reason="income not proven", actor=OFFICER,
                       channel="api")  # fmt: skip
    assert store.describe()["decisions"] == 9 == store.log.count()
    store.close()
