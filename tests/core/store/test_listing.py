"""Lists and counts of the decision log by SQL, against the same figures computed from the full rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from alembic import command

from core.store import Actor, NewDecision, Store
from core.store.chain import row_hash
from core.store.listing import COUNTS, count_query, list_query
from core.store.store import alembic_config

NOW = datetime.now(UTC)
FILTERS = [
    {},
    {"since": NOW - timedelta(minutes=10), "until": NOW + timedelta(days=1)},
    {"until": NOW - timedelta(minutes=10)},
    {"decision": "REFUSED"},
    {"decision": "ACCEPTED", "since": NOW - timedelta(days=1)},
    {"officer": "paul"},
    {"client_id": 900_000_003},
    {"channel": "cli"},
    {"kind": "override"},
    {"overridden": True},
    {"overridden": False, "officer": "marie"},
]


def _entry(i: int) -> NewDecision:
    return NewDecision(
        channel=("api", "cli", "dashboard")[i % 3], kind="decision", officer=("marie", "paul")[i % 2],
        authenticated=i % 4 == 0, client_id=None if i % 6 == 5 else 900_000_000 + i % 5,
        application={"SK_ID_CURR": i}, features={"A": i}, probability=i / 40, threshold=0.3,
        decision="REFUSED" if i % 3 == 0 else "ACCEPTED", latency_ms=float(i),
    )  # fmt: skip


@pytest.fixture()
def log(db_url):
    store = Store.open(db_url)
    ids = store.log.append_batch([_entry(i) for i in range(30)])
    store.log.append(NewDecision(channel="api", kind="refused_input", officer="paul", authenticated=False,
                                 errors=[{"field": "AMT_CREDIT", "problem": "required"}]))  # fmt: skip
    boss = Actor("chef", authenticated=True)
    for i in (0, 4, 9):  # REFUSED -> ACCEPTED, ACCEPTED -> REFUSED, REFUSED -> ACCEPTED
        other = "ACCEPTED" if i % 3 == 0 else "REFUSED"
        store.log.override(ids[i], decision=other, reason=f"=reason {i}", actor=boss, channel="dashboard")
    return store.log


def _matches(r, f) -> bool:
    created = r.created_at.replace(tzinfo=UTC)
    return (
        ("since" not in f or created >= f["since"])
        and ("until" not in f or created < f["until"])
        and all(
            getattr(r, k) == f[k] for k in ("client_id", "decision", "officer", "kind", "channel") if k in f
        )
        and ("overridden" not in f or bool(r.overridden_by) == f["overridden"])
    )


def _plain(column) -> list:
    return [None if pd.isna(v) else v for v in column.tolist()]


def _expected(log, f):
    rows = [log.get(r.decision_id) for r in log.records(limit=1000)]  # with overridden_by
    return [r for r in rows if _matches(r, f)]


@pytest.mark.parametrize("f", FILTERS, ids=[",".join(f) or "none" for f in FILTERS])
def test_counts_and_list_are_those_of_the_full_rows(log, f):
    rows = _expected(log, f)
    by_id = {r.decision_id: r for r in log.records(limit=1000)}
    decisions = [r for r in rows if r.kind == "decision"]

    def final(r):
        return by_id[r.overridden_by[0]].decision if r.overridden_by else r.decision

    assert log.summary(**f) == {
        "rows": len(rows), "decisions": len(decisions),
        "accepted": sum(r.decision == "ACCEPTED" for r in decisions),
        "refused": sum(r.decision == "REFUSED" for r in decisions),
        "refused_inputs": sum(r.kind == "refused_input" for r in rows),
        "overrides": sum(r.kind == "override" for r in rows),
        "overridden": sum(bool(r.overridden_by) for r in decisions),
        "final_accepted": sum(final(r) == "ACCEPTED" for r in decisions),
        "sent_to_review": sum(r.kind == "review_open" for r in rows),
        "reviews": sum(r.kind == "review" for r in rows),
    }  # fmt: skip
    table = log.table(**f)
    assert table["seq"].tolist() == [r.seq for r in rows]  # newest first
    assert _plain(table["override_reason"]) == [r.override_reason for r in rows]
    assert _plain(table["final_decision"]) == [final(r) if r.kind == "decision" else r.decision for r in rows]
    model = [
        r.decision if r.kind == "decision" else by_id[r.overrides].decision if r.overrides else None
        for r in rows
    ]
    assert _plain(table["model_decision"]) == model
    assert _plain(table["overridden_by"]) == [r.overridden_by[0] if r.overridden_by else None for r in rows]
    assert [None if v is None else int(v) for v in _plain(table["client_id"])] == [r.client_id for r in rows]
    assert table["created_at"].tolist() == [r.created_at for r in rows]
    assert table["authenticated"].tolist() == [r.authenticated for r in rows]
    newest = log.table(limit=5, **f)
    assert list(newest.columns) == list(table.columns)
    assert all(_plain(newest[c]) == _plain(table[c].head(5)) for c in table.columns)
    assert set(COUNTS) == set(log.summary(**f))


def test_find_a_short_id_among_the_filtered_rows(log):
    row = log.records(limit=1, officer="marie")[0]
    assert log.find(row.decision_id[:6]) == [row.decision_id]
    assert log.find(row.decision_id[:6], officer="paul") == []
    assert log.find(row.decision_id.upper()[:6]) == [row.decision_id]
    assert log.find("") == [] and log.find("zz'") == []
    assert len(log.find("", limit=2)) == 0 and len(log.find(row.decision_id[:1], limit=50)) >= 1


def _plan(store: Store, query) -> str:
    sql = str(query.compile(store.engine, compile_kwargs={"literal_binds": True}))
    with store.engine.connect() as conn:
        return " | ".join(r[3] for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql))


def test_sqlite_lists_and_counts_a_period_from_the_index_alone(tmp_path):
    """The page's queries never read the ~9 kB rows (application and features) on SQLite."""
    store = Store.open(f"sqlite:///{tmp_path / 's.sqlite'}")
    period = {"since": NOW - timedelta(days=29), "until": NOW + timedelta(days=1)}
    for f in (period, {**period, "decision": "REFUSED"}, {**period, "channel": "api", "kind": "decision"}):
        for query in (list_query(limit=5000, **f), count_query(**f)):
            plan = _plan(store, query)
            assert "COVERING INDEX ix_decisions_list" in plan, plan


def test_a_log_of_the_first_schema_is_migrated_and_still_verifies(db_url):
    cfg = alembic_config()
    store = Store.open(db_url, migrate=False)
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
    store.log.append_batch([_entry(i) for i in range(5)])
    again = Store.open(db_url)
    assert again.revision() == "0003" and again.log.verify().ok
    if again.engine.dialect.name == "postgresql":  # the JSON columns compressed with lz4 where the server can
        with again.engine.connect() as conn:
            lz4 = conn.exec_driver_sql(
                "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
            ).scalar()
            methods = conn.exec_driver_sql(
                "SELECT attcompression FROM pg_attribute WHERE attrelid = 'decisions'::regclass "
                "AND attname IN ('application', 'features')"
            ).scalars()
            assert set(methods) == ({"l"} if lz4 else {""})
    assert again.log.summary()["decisions"] == 5 and len(again.log.table(limit=3)) == 3
    with again.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0001")
    assert again.revision() == "0001"
    with again.engine.connect() as conn:  # the first schema's rows, hashes intact (read as it reads them)
        rows = [dict(r) for r in conn.exec_driver_sql("SELECT * FROM decisions ORDER BY seq").mappings()]
    assert "inputs_id" not in rows[0] and len(rows) == 5
    for r in rows:  # SQLite gives the time as its text
        r["created_at"] = pd.Timestamp(r["created_at"]).to_pydatetime()
    assert all(row_hash(r) == r["row_hash"] for r in rows)
