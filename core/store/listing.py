"""Reading the decision log for people: filtered lists and counts, by SQL, without the heavy columns.

A logged row is ~9 kB, almost all of it the application and the feature vector as JSON; a list or a
count needs none of that. The index ``ix_decisions_list`` (migration 0002) holds every column read
here, time first, so that a period's rows are listed and counted from the index alone; overrides —
a few rows — are read apart (by their own index) and joined in pandas. Rows are fetched from the
driver's cursor as plain tuples and converted column by column.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine, Select, func, select
from sqlalchemy.orm import aliased

from core.store import tables as t
from core.store.chain import naive_utc

#: the columns of :func:`decision_table` read from the log (``override_reason`` comes with the overrides)
LIST_COLUMNS: tuple[str, ...] = (
    "seq", "decision_id", "created_at", "channel", "kind", "client_id", "probability", "threshold",
    "decision", "officer", "authenticated", "latency_ms", "bundle_version", "overrides",
)  # fmt: skip
COUNTS: tuple[str, ...] = (
    "rows", "decisions", "accepted", "refused", "refused_inputs", "overrides", "overridden", "final_accepted",
    "sent_to_review", "reviews",
)  # fmt: skip


def conditions(
    *, since: datetime | None = None, until: datetime | None = None, client_id: int | None = None,
    decision: str | None = None, overridden: bool | None = None, officer: str | None = None,
    kind: str | None = None, channel: str | None = None,
) -> list[Any]:  # fmt: skip
    """The WHERE clauses of the filters on ``decisions`` (None: not filtered)."""
    d = t.decisions
    out: list[Any] = []
    if since is not None:
        out.append(d.c.created_at >= naive_utc(since))
    if until is not None:
        out.append(d.c.created_at < naive_utc(until))
    if client_id is not None:
        out.append(d.c.client_id == int(client_id))
    if decision is not None:
        out.append(d.c.decision == decision)
    if officer is not None:
        out.append(d.c.officer == officer)
    if kind is not None:
        out.append(d.c.kind == kind)
    if channel is not None:
        out.append(d.c.channel == channel)
    if overridden is not None:
        o = aliased(t.decisions)
        targets = select(o.c.overrides).where(_is_override(o))  # no NULL: NOT IN is safe
        out.append(d.c.decision_id.in_(targets) if overridden else d.c.decision_id.not_in(targets))
    return out


def list_query(*, limit: int | None = None, **filters: Any) -> Select[Any]:
    """The newest matching rows, the columns of :data:`LIST_COLUMNS`."""
    d = t.decisions
    query = select(*(d.c[n] for n in LIST_COLUMNS)).where(*conditions(**filters)).order_by(d.c.seq.desc())
    return query if limit is None else query.limit(limit)


def count_query(**filters: Any) -> Select[Any]:
    """Matching rows counted by kind and decision."""
    d = t.decisions
    return (
        select(d.c.kind, d.c.decision, func.count())
        .where(*conditions(**filters))
        .group_by(d.c.kind, d.c.decision)
    )


def decision_table(engine: Engine, *, limit: int | None = None, **filters: Any) -> pd.DataFrame:
    """Matching rows, newest first, with ``override_reason``, ``overridden_by``, ``overridden``,
    ``final_decision`` (the override's decision where there is one, else the model's) and
    ``model_decision`` (the model's decision the row is about: its own for a decision, the overridden
    or reviewed decision's for an override or a review; none for a refused input)."""
    d = t.decisions
    overrides = select(d.c.overrides, d.c.decision_id, d.c.decision, d.c.seq, d.c.override_reason).where(
        _is_override(d)
    )
    columns: dict[str, Any] = {n: [] for n in LIST_COLUMNS}
    with engine.connect() as conn:
        rows = conn.execute(list_query(limit=limit, **filters)).cursor.fetchall()  # the driver's tuples
        over = conn.execute(overrides).all()
        if rows:
            columns = dict(zip(LIST_COLUMNS, map(list, zip(*rows, strict=True)), strict=True))
        targets = sorted({o for o in columns["overrides"] if o})  # decisions an override or review points at
        model_of: dict[str, str] = {}
        for start in range(0, len(targets), 500):
            some = targets[start : start + 500]
            model_of.update(
                conn.execute(select(d.c.decision_id, d.c.decision).where(d.c.decision_id.in_(some))).all()
            )
    by = {target: (oid, dec) for target, oid, dec, _, _ in over}
    reasons = {int(seq): reason for _, _, _, seq, reason in over}
    hit = [by.get(i) for i in columns["decision_id"]]
    columns["override_reason"] = [reasons.get(int(s)) for s in columns["seq"]]
    columns["overridden_by"] = [h[0] if h else None for h in hit]
    columns["overridden"] = [h is not None for h in hit]
    columns["final_decision"] = [h[1] if h else dec for h, dec in zip(hit, columns["decision"], strict=True)]
    columns["model_decision"] = [  # the model's decision a row is about (an override's: the one it overrode)
        dec if kind == "decision" else model_of.get(target) if target else None
        for kind, dec, target in zip(columns["kind"], columns["decision"], columns["overrides"], strict=True)
    ]
    columns["created_at"] = _times(columns["created_at"])
    columns["client_id"] = pd.array(columns["client_id"], dtype="Int64")
    for name in ("probability", "threshold", "latency_ms"):  # None (refused inputs, overrides) as NaN
        columns[name] = np.array(columns[name], dtype=float)
    columns["authenticated"] = [bool(a) for a in columns["authenticated"]]
    order = [
        *LIST_COLUMNS,
        "override_reason",
        "overridden_by",
        "overridden",
        "final_decision",
        "model_decision",
    ]
    return pd.DataFrame({n: columns[n] for n in order})


def decision_summary(engine: Engine, **filters: Any) -> dict[str, int]:
    """Counts over the matching rows, by the database: ``rows``, ``decisions`` (model decisions),
    ``accepted``, ``refused``, ``refused_inputs``, ``overrides`` (override rows), ``overridden``
    (decisions an officer overrode), ``final_accepted`` (decisions accepted in the end),
    ``sent_to_review`` (grey-zone marks) and ``reviews`` (reviews closed by confirming the model)."""
    d = t.decisions
    o = aliased(t.decisions)
    changed = (
        select(d.c.decision, o.c.decision, func.count())
        .select_from(o.join(d, d.c.decision_id == o.c.overrides))
        .where(d.c.kind == "decision", o.c.kind == "override", *conditions(**filters))
        .group_by(d.c.decision, o.c.decision)
    )
    out = dict.fromkeys(COUNTS, 0)
    with engine.connect() as conn:
        for kind, decision, n in conn.execute(count_query(**filters)).tuples():
            out["rows"] += n
            if kind == "decision":
                out["decisions"] += n
                out["accepted" if decision == "ACCEPTED" else "refused"] += n
            elif kind == "override":
                out["overrides"] += n
            elif kind == "review_open":
                out["sent_to_review"] += n
            elif kind == "review":
                out["reviews"] += n
            else:
                out["refused_inputs"] += n
        out["final_accepted"] = out["accepted"]
        for model, final, n in conn.execute(changed).tuples():
            out["overridden"] += n
            if final != model:
                out["final_accepted"] += n if final == "ACCEPTED" else -n
    return out


def _is_override(table: Any) -> Any:
    """An override row: ``overrides IS NOT NULL``, written as a range (the id it holds, 32 hex digits, is
    never empty, and SQLite, without statistics, scans the whole table for IS NOT NULL but searches its
    index for a range), of kind ``override`` (review rows point at their decision too)."""
    return (table.c.overrides > "") & (table.c.kind == "override")


REVIEW_COLUMNS: tuple[str, ...] = (
    "decision_id", "created_at", "channel", "client_id", "probability", "threshold", "decision", "officer",
    "review_reason", "status", "closed_by", "closed_kind", "final_decision", "reviewer", "closed_at",
    "review_note",
)  # fmt: skip


def review_table(
    engine: Engine, *, status: str = "open", limit: int | None = None, **filters: Any
) -> pd.DataFrame:
    """The decisions sent to review (a ``review_open`` row), newest first, one row each: the decision
    (id, time, channel, client, probability, threshold, the model's decision, officer), why it was sent
    (``review_reason``), ``status`` (``open`` / ``closed``) and, once closed, the officer's row
    (``closed_by``, ``closed_kind`` review/override, ``final_decision``, ``reviewer``, ``closed_at``,
    ``review_note``: the reason given). ``filters`` apply to the decisions (see :func:`conditions`)."""
    if status not in ("open", "closed", "all"):
        raise ValueError(f"status={status!r} is not valid. It should be one of: ['open', 'closed', 'all'].")
    d, m, o = t.decisions, aliased(t.decisions), aliased(t.decisions)
    query = (
        select(
            d.c.decision_id,
            d.c.created_at,
            d.c.channel,
            d.c.client_id,
            d.c.probability,
            d.c.threshold,
            d.c.decision,
            d.c.officer,
            m.c.override_reason,
        )  # fmt: skip
        .select_from(m.join(d, d.c.decision_id == m.c.overrides))
        .where(m.c.kind == "review_open", m.c.overrides > "", *conditions(**filters))
        .order_by(d.c.seq.desc())
    )
    closing = select(
        o.c.overrides,
        o.c.decision_id,
        o.c.kind,
        o.c.decision,
        o.c.officer,
        o.c.created_at,
        o.c.override_reason,
    ).where(o.c.overrides > "", o.c.kind.in_(("override", "review")))
    with engine.connect() as conn:
        rows = conn.execute(query).all()
        closed = {r[0]: r[1:] for r in conn.execute(closing).all()}
    records = []
    for r in rows:
        c = closed.get(r[0])
        state = "closed" if c is not None else "open"
        if status != "all" and state != status:
            continue
        records.append((*r, state, *(c if c is not None else (None, None, None, None, None, None))))
        if limit is not None and len(records) >= limit:
            break
    frame = pd.DataFrame.from_records(records, columns=list(REVIEW_COLUMNS))
    if len(frame):
        frame["created_at"] = _times(frame["created_at"].tolist())
        closed_at = frame["closed_at"].tolist()
        frame["closed_at"] = (
            pd.to_datetime(closed_at, format="ISO8601")
            if any(isinstance(v, str) for v in closed_at)
            else pd.to_datetime(closed_at)
        )
        frame["client_id"] = pd.array(frame["client_id"].tolist(), dtype="Int64")
    return frame


def _times(values: list[Any]) -> Any:
    """UTC times as datetime64: SQLite returns SQLAlchemy's text form, PostgreSQL datetimes."""
    if values and isinstance(values[0], str):
        return pd.to_datetime(values, format="ISO8601")
    return pd.to_datetime(values)
