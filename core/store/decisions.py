"""The decision log: every decision (and every refused input) with what produced it, append-only.

Each row records the UTC time, the channel, the client id, the application as received and the
exact feature vector the model scored (history is re-read at each decision and changes after a
reload), the bundle, the probability, threshold, decision, top reasons, the officer and the latency.
The database refuses UPDATE and DELETE (triggers); each row carries the hash of the previous row
and of its own content, so that :meth:`DecisionLog.verify` detects any edit made around the
triggers. An officer's override is a new row pointing at the decision it overrides.

The grey zone (:mod:`core.serving.review`) adds two kinds of rows, both pointing at their decision
through ``overrides`` (the column that links a row to the decision it is about): ``review_open``,
written in the same transaction as a decision whose probability lies in the band (the case is open;
``override_reason`` says why), and the officer's final decision that closes it, with a mandatory
reason — ``review`` when it confirms the model's decision, ``override`` when it changes it (an
override is an override, however it comes). A decision is open for review while it has a
``review_open`` row and no ``review`` or ``override`` row.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Literal

import pandas as pd
from sqlalchemy import Connection, Engine, func, insert, select

from core.serving.service import Reason, ScoringResult
from core.store import tables as t
from core.store.chain import COLUMNS, GENESIS, Prepared, iso, link, prepare, row_hash
from core.store.engine import write_transaction
from core.store.listing import conditions, decision_summary, decision_table, review_table
from core.store.writer import LogWriter

Channel = Literal["dashboard", "api", "cli"]
Kind = Literal["decision", "override", "refused_input", "review_open", "review"]
CHANNELS: tuple[str, ...] = ("dashboard", "api", "cli")
#: the rows that hold an officer's final decision on a model decision
OFFICER_KINDS: tuple[str, ...] = ("override", "review")


class DecisionLogError(ValueError):
    """A log operation was refused (unknown decision, override without reason...)."""


@dataclass(frozen=True)
class Actor:
    """Who takes a decision: an authenticated identity, or a name given without proof."""

    name: str
    authenticated: bool
    role: str = "officer"


@dataclass(frozen=True)
class NewDecision:
    """A row to append (the log gives it its sequence number, id, time and hashes)."""

    channel: Channel
    kind: Kind
    officer: str
    authenticated: bool
    client_id: int | None = None
    application: Any = None
    features: Mapping[str, Any] | None = None
    bundle_name: str | None = None
    bundle_version: str | None = None
    bundle_hash: str | None = None
    probability: float | None = None
    threshold: float | None = None
    decision: str | None = None
    reasons: Sequence[Mapping[str, Any]] = ()
    errors: Sequence[Mapping[str, Any]] = ()
    latency_ms: float | None = None
    overrides: str | None = None
    override_reason: str | None = None
    decision_id: str | None = None  # given in advance when another row of the same write points at it


@dataclass(frozen=True)
class DecisionRecord:
    """A logged row, as read back."""

    seq: int
    decision_id: str
    created_at: datetime
    channel: str
    kind: str
    client_id: int | None
    application: Any
    features: dict[str, Any] | None
    input_hash: str | None
    bundle_name: str | None
    bundle_version: str | None
    bundle_hash: str | None
    probability: float | None
    threshold: float | None
    decision: str | None
    reasons: list[dict[str, Any]]
    errors: list[dict[str, Any]]
    officer: str
    authenticated: bool
    latency_ms: float | None
    overrides: str | None
    override_reason: str | None
    prev_hash: str
    row_hash: str
    overridden_by: list[str] = field(default_factory=list)
    #: grey zone: "to_review" (open), "reviewed" (an officer decided), None (not sent to review)
    review_status: str | None = None

    def public(self) -> dict[str, Any]:
        """A JSON-ready dict (time as ISO 8601 UTC)."""
        out = asdict(self)
        out["created_at"] = iso(self.created_at)
        return out


@dataclass(frozen=True)
class ChainReport:
    """What :meth:`DecisionLog.verify` found."""

    rows: int
    ok: bool
    first_bad_seq: int | None = None
    problem: str | None = None


def reasons_of(
    toward_default: Sequence[Reason], toward_repayment: Sequence[Reason], top: int = 4
) -> list[dict[str, Any]]:
    """The principal reasons of a decision, toward default first (at most ``top`` each way)."""

    def one(r: Reason) -> dict[str, Any]:
        return {
            "feature": r.feature,
            "value": r.value,
            "contribution": r.contribution,
            "direction": r.direction,
        }

    return [one(r) for r in toward_default[:top]] + [one(r) for r in toward_repayment[:top]]


def decision_of(
    result: ScoringResult, application: Any, *, channel: Channel, actor: Actor, latency_ms: float | None
) -> NewDecision:
    """The log row of a scored application."""
    return NewDecision(
        channel=channel, kind="decision", officer=actor.name, authenticated=actor.authenticated,
        client_id=result.client_id, application=application, features=result.features,
        bundle_name=result.bundle_name, bundle_version=result.bundle_version, bundle_hash=result.model_sha256,
        probability=result.probability, threshold=result.threshold, decision=result.decision,
        reasons=reasons_of(result.toward_default, result.toward_repayment), latency_ms=latency_ms,
    )  # fmt: skip


def new_decision_id() -> str:
    """A decision id (32 hex digits), as the log gives them."""
    return uuid.uuid4().hex


def review_mark_of(decision_id: str, entry: NewDecision, *, low: float, high: float) -> NewDecision:
    """The ``review_open`` row of the decision ``entry`` (logged with the id ``decision_id``), whose
    probability lies in the grey zone ``[low, high)``."""
    return NewDecision(
        channel=entry.channel, kind="review_open", officer=entry.officer, authenticated=entry.authenticated,
        client_id=entry.client_id, bundle_name=entry.bundle_name, bundle_version=entry.bundle_version,
        bundle_hash=entry.bundle_hash, probability=entry.probability, threshold=entry.threshold,
        overrides=decision_id,
        override_reason=f"probability {entry.probability:.4f} in the review band [{low:.4f}, {high:.4f})",
    )  # fmt: skip


def refusal_of(
    errors: Sequence[Mapping[str, Any]], application: Any, *, channel: Channel, actor: Actor,
    client_id: int | None = None, bundle: tuple[str, str, str | None] | None = None,
) -> NewDecision:  # fmt: skip
    """The log row of an input refused by validation: its errors, no decision."""
    name, version, sha = bundle or (None, None, None)
    return NewDecision(
        channel=channel, kind="refused_input", officer=actor.name, authenticated=actor.authenticated,
        client_id=client_id, application=application, errors=list(errors),
        bundle_name=name, bundle_version=version, bundle_hash=sha,
    )  # fmt: skip


class DecisionLog:
    """Append decisions, read them back with filters, and verify the hash chain."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._writer = LogWriter(engine)

    def close(self) -> None:
        """Release the writer's connection."""
        self._writer.close()

    # ------------------------------------------------------------------ write
    def append(self, entry: NewDecision) -> DecisionRecord:
        """Append one row and commit it (durable when this returns)."""
        return self.append_many([entry])[0]

    def append_many(self, entries: Sequence[NewDecision]) -> list[DecisionRecord]:
        """Append rows in one transaction (a batch chunk): all or none; the rows as logged."""
        return [_record(dict(zip(COLUMNS, r, strict=True))) for r in self._write(entries)]

    def append_batch(self, entries: Sequence[NewDecision]) -> list[str]:
        """Append rows in one transaction, all or none, and return their decision ids only: the bulk
        path (a chunk of a scored file), which does not read the rows back."""
        return [r[1] for r in self._write(entries)]

    def _write(self, entries: Sequence[NewDecision]) -> list[tuple[Any, ...]]:
        return self._writer.write([_prepared(e) for e in entries]) if entries else []

    def override(
        self, decision_id: str, *, decision: str, reason: str, actor: Actor, channel: Channel
    ) -> DecisionRecord:
        """Record an officer's decision against the model's: a new row linked to the first."""
        reason = (reason or "").strip()
        if not reason:
            raise DecisionLogError(
                "an override needs a reason: say why the model's decision is not followed."
            )
        if decision not in ("ACCEPTED", "REFUSED"):
            raise DecisionLogError(f"decision={decision!r} is not valid; use 'ACCEPTED' or 'REFUSED'.")
        with write_transaction(self.engine) as conn:
            original = (
                conn.execute(select(t.decisions).where(t.decisions.c.decision_id == decision_id))
                .mappings()
                .first()
            )
            if original is None or original["kind"] != "decision":
                raise DecisionLogError(f"decision {decision_id!r} is not a logged model decision.")
            if original["decision"] == decision:
                raise DecisionLogError(f"the model already decided {decision}: nothing to override.")
            done = _officer_row(conn, decision_id)
            if done is not None:
                raise DecisionLogError(f"decision {decision_id!r} is already overridden (by {done[0]}).")
            entry = NewDecision(
                channel=channel, kind="override", officer=actor.name, authenticated=actor.authenticated,
                client_id=original["client_id"], bundle_name=original["bundle_name"],
                bundle_version=original["bundle_version"], bundle_hash=original["bundle_hash"],
                probability=original["probability"], threshold=original["threshold"], decision=decision,
                overrides=decision_id, override_reason=reason,
            )  # fmt: skip
            seq, prev = _tail(conn)
            row = _row(entry, seq + 1, _now(), prev)
            conn.execute(insert(t.decisions), [row])
        return _record(row)  # the writer's cached tail is now behind: its next append finds out

    def close_review(
        self, decision_id: str, *, decision: str, reason: str, actor: Actor, channel: Channel
    ) -> DecisionRecord:
        """The officer's final decision on a decision sent to review, with a mandatory reason: a new row
        (``review`` when it confirms the model's decision, ``override`` when it changes it)."""
        reason = (reason or "").strip()
        if not reason:
            raise DecisionLogError("a review needs a reason: say why this decision is taken.")
        if decision not in ("ACCEPTED", "REFUSED"):
            raise DecisionLogError(f"decision={decision!r} is not valid; use 'ACCEPTED' or 'REFUSED'.")
        d = t.decisions
        with write_transaction(self.engine) as conn:
            original = conn.execute(select(d).where(d.c.decision_id == decision_id)).mappings().first()
            if original is None or original["kind"] != "decision":
                raise DecisionLogError(f"decision {decision_id!r} is not a logged model decision.")
            opened = conn.execute(
                select(d.c.decision_id).where(d.c.overrides == decision_id, d.c.kind == "review_open")
            ).first()
            if opened is None:
                raise DecisionLogError(
                    f"decision {decision_id!r} was not sent to review (not in the grey zone)."
                )
            done = _officer_row(conn, decision_id)
            if done is not None:
                raise DecisionLogError(f"the review of {decision_id!r} is already closed (by {done[0]}).")
            entry = NewDecision(
                channel=channel, kind="review" if original["decision"] == decision else "override",
                officer=actor.name, authenticated=actor.authenticated, client_id=original["client_id"],
                bundle_name=original["bundle_name"], bundle_version=original["bundle_version"],
                bundle_hash=original["bundle_hash"], probability=original["probability"],
                threshold=original["threshold"], decision=decision, overrides=decision_id, override_reason=reason,
            )  # fmt: skip
            seq, prev = _tail(conn)
            row = _row(entry, seq + 1, _now(), prev)
            conn.execute(insert(t.decisions), [row])
        return _record(row)

    def review_queue(
        self, *, status: Literal["open", "closed", "all"] = "open", **filters: Any
    ) -> pd.DataFrame:
        """The decisions sent to review (see :func:`core.store.listing.review_table`), newest first."""
        return review_table(self.engine, status=status, **filters)

    # ------------------------------------------------------------------ read
    def get(self, decision_id: str) -> DecisionRecord | None:
        """One row by id, with the ids of the rows overriding it and its review status."""
        d = t.decisions
        with self.engine.connect() as conn:
            row = conn.execute(select(d).where(d.c.decision_id == decision_id)).mappings().first()
            if row is None:
                return None
            linked = conn.execute(select(d.c.decision_id, d.c.kind).where(d.c.overrides == decision_id)).all()
        by = [i for i, kind in linked if kind == "override"]
        kinds = {kind for _, kind in linked}
        review = None
        if "review_open" in kinds:
            review = "reviewed" if kinds & set(OFFICER_KINDS) else "to_review"
        return replace(_record(dict(row), by), review_status=review)

    def records(self, *, limit: int = 100, offset: int = 0, **filters: Any) -> list[DecisionRecord]:
        """Full rows (application and features included), newest first."""
        d = t.decisions
        query = select(d).where(*conditions(**filters)).order_by(d.c.seq.desc()).limit(limit).offset(offset)
        with self.engine.connect() as conn:
            rows = [dict(r) for r in conn.execute(query).mappings()]
        return [_record(r) for r in rows]

    def summary(self, **filters: Any) -> dict[str, int]:
        """Counts over the matching rows, computed by the database (see :func:`decision_summary`)."""
        return decision_summary(self.engine, **filters)

    def count(self, **filters: Any) -> int:
        """Number of rows matching the filters."""
        with self.engine.connect() as conn:
            query = select(func.count()).select_from(t.decisions).where(*conditions(**filters))
            return int(conn.execute(query).scalar_one())

    def table(self, *, limit: int | None = None, **filters: Any) -> pd.DataFrame:
        """Matching rows as a light table (no application or features), newest first, with the final
        decision (see :func:`decision_table`); ``limit`` keeps the newest."""
        return decision_table(self.engine, limit=limit, **filters)

    def find(self, prefix: str, *, limit: int = 2, **filters: Any) -> list[str]:
        """Ids of the matching rows whose decision id starts with ``prefix`` (a short id as shown), at
        most ``limit``."""
        prefix = prefix.strip().lower()
        if not prefix or any(c not in "0123456789abcdef" for c in prefix):
            return []
        d = t.decisions
        end = prefix[:-1] + chr(ord(prefix[-1]) + 1)  # the ids between prefix and the next prefix
        query = (
            select(d.c.decision_id)
            .where(d.c.decision_id >= prefix, d.c.decision_id < end, *conditions(**filters))
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [r[0] for r in conn.execute(query)]

    def frame(self, *, since: datetime | None = None, until: datetime | None = None) -> pd.DataFrame:
        """Model decisions of a period with their scored feature vectors (one column per feature)."""
        table = self.table(since=since, until=until, kind="decision")
        d = t.decisions
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(d.c.seq, d.c.features).where(*conditions(since=since, until=until, kind="decision"))
            )
            vectors = {int(s): json.loads(f) if f else {} for s, f in rows}
        feats = pd.DataFrame([vectors.get(int(s), {}) for s in table["seq"]], index=table.index)
        return pd.concat([table, feats], axis=1)

    # ------------------------------------------------------------------ verify
    def verify(self) -> ChainReport:
        """Recompute every row's hash in order and check each points at its predecessor."""
        d = t.decisions
        prev, expected_seq, n = GENESIS, 1, 0
        with self.engine.connect() as conn:
            result = conn.execution_options(yield_per=2000).execute(select(d).order_by(d.c.seq))
            try:
                for row in result.mappings():
                    n += 1
                    seq = int(row["seq"])
                    if seq != expected_seq:
                        return ChainReport(n, False, seq, f"row {expected_seq} is missing (next is {seq})")
                    if row["prev_hash"] != prev:
                        return ChainReport(n, False, seq, "does not point at the previous row's hash")
                    if row_hash(row) != row["row_hash"]:
                        return ChainReport(n, False, seq, "content does not match its hash (edited)")
                    prev, expected_seq = row["row_hash"], seq + 1
            finally:
                result.close()
        return ChainReport(n, True)


# ---------------------------------------------------------------------- rows
def _prepared(entry: NewDecision) -> Prepared:
    """The row of ``entry`` encoded, with its decision id when one was given in advance."""
    prepared = prepare(entry)
    return prepared if entry.decision_id is None else replace(prepared, decision_id=entry.decision_id)


def _officer_row(conn: Connection, decision_id: str) -> Any:
    """The first row holding an officer's decision on ``decision_id`` (override or review), or None."""
    d = t.decisions
    return conn.execute(
        select(d.c.decision_id).where(d.c.overrides == decision_id, d.c.kind.in_(OFFICER_KINDS))
    ).first()


def _row(entry: NewDecision, seq: int, now: datetime, prev: str) -> dict[str, Any]:
    """The row of ``entry`` at ``seq`` after the row whose hash is ``prev``, as a column dict."""
    return dict(zip(COLUMNS, link(prepare(entry), seq, prev, now), strict=True))


def _record(row: Mapping[str, Any], overridden_by: list[str] | None = None) -> DecisionRecord:
    def parsed(name: str) -> Any:
        text = row[name]
        return None if text is None else json.loads(text)

    return DecisionRecord(
        seq=int(row["seq"]), decision_id=row["decision_id"], created_at=row["created_at"], channel=row["channel"],
        kind=row["kind"], client_id=None if row["client_id"] is None else int(row["client_id"]),
        application=parsed("application"), features=parsed("features"), input_hash=row["input_hash"],
        bundle_name=row["bundle_name"], bundle_version=row["bundle_version"], bundle_hash=row["bundle_hash"],
        probability=row["probability"], threshold=row["threshold"], decision=row["decision"],
        reasons=parsed("reasons") or [], errors=parsed("errors") or [], officer=row["officer"],
        authenticated=bool(row["authenticated"]), latency_ms=row["latency_ms"], overrides=row["overrides"],
        override_reason=row["override_reason"], prev_hash=row["prev_hash"], row_hash=row["row_hash"],
        overridden_by=overridden_by or [],
    )  # fmt: skip


def _tail(conn: Connection) -> tuple[int, str]:
    d = t.decisions
    last = conn.execute(select(d.c.seq, d.c.row_hash).order_by(d.c.seq.desc()).limit(1)).first()
    return (0, GENESIS) if last is None else (int(last[0]), str(last[1]))


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
