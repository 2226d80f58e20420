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

import hashlib
import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Literal

import pandas as pd
from sqlalchemy import Connection, Engine, func, insert, select

from core.serving.recourse import Recourse
from core.serving.service import Reason, ScoringResult
from core.store import tables as t
from core.store.chain import (
    COLUMNS,
    GENESIS,
    Prepared,
    canonical,
    iso,
    link,
    prepare,
    prepare_batch,
    row_hash,
)  # fmt: skip
from core.store.engine import write_transaction
from core.store.inputs import DecodedInputs, InputsCache, encode
from core.store.listing import conditions, decision_summary, decision_table, review_table
from core.store.writer import InputsRow, LogWriter

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
class BatchDecisions:
    """The rows of one scored chunk, column-wise (the compact path: one shared payload of inputs).

    ``application`` holds every row of the chunk as given (a frame of cells, or JSON-like records),
    in order; the decisions are the rows at ``positions`` (0-based in ``application``), with one
    feature vector each (``features``, aligned) and their results; ``refused`` lists the other rows
    as (position, errors). Logged as :meth:`DecisionLog.append_scored` says."""

    channel: Channel
    officer: str
    authenticated: bool
    bundle_name: str | None
    bundle_version: str | None
    bundle_hash: str | None
    application: pd.DataFrame | Sequence[Any]
    positions: Sequence[int]
    features: pd.DataFrame
    client_ids: Sequence[int | None]
    probabilities: Sequence[float]
    thresholds: Sequence[float]
    decisions: Sequence[str]
    reasons: Sequence[Sequence[Mapping[str, Any]]] | None = None
    refused: Sequence[tuple[int, Sequence[Mapping[str, Any]]]] = ()
    latency_ms: float | None = None
    #: the id of the chunk's ``decision_inputs`` row, when the caller chose it (32 hex digits): a
    #: caller that lost the answer asks :meth:`DecisionLog.batch_recorded` whether the chunk is in
    inputs_id: str | None = None


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
    #: the recourse options offered with the decision (kept in the ``reasons`` JSON, see :func:`recourse_of`)
    recourse: list[dict[str, Any]] = field(default_factory=list)

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


def recourse_of(recourse: Recourse | None) -> list[dict[str, Any]]:
    """The recourse options offered with a decision, as entries of its ``reasons`` JSON list: each has a
    ``recourse`` key (the option's number from 1; 0 with ``status`` "none" when the search found no
    change within the bounds), so that :class:`DecisionRecord` reads them apart from the reasons."""
    if recourse is None or recourse.status not in ("found", "none"):
        return []
    if not recourse.options:
        return [{"recourse": 0, "status": "none", "changes": []}]
    return [{"recourse": i, **o.record()} for i, o in enumerate(recourse.options, start=1)]


def decision_of(
    result: ScoringResult, application: Any, *, channel: Channel, actor: Actor, latency_ms: float | None,
    recourse: Recourse | None = None,
) -> NewDecision:  # fmt: skip
    """The log row of a scored application (with the recourse options offered, when searched)."""
    return NewDecision(
        channel=channel, kind="decision", officer=actor.name, authenticated=actor.authenticated,
        client_id=result.client_id, application=application, features=result.features,
        bundle_name=result.bundle_name, bundle_version=result.bundle_version, bundle_hash=result.model_sha256,
        probability=result.probability, threshold=result.threshold, decision=result.decision,
        reasons=reasons_of(result.toward_default, result.toward_repayment) + recourse_of(recourse),
        latency_ms=latency_ms,
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
        self._inputs = InputsCache()

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

    def append_scored(
        self, batch: BatchDecisions, marks: Callable[[Sequence[str]], Sequence[NewDecision]] | None = None
    ) -> list[str]:
        """Append a scored chunk in one transaction, all or none: one ``decision_inputs`` row with the
        inputs of every row (``core.store.inputs``), then its decisions in order and its refused rows
        in row order, each pointing at its row of the inputs; their decision ids, in that order. Read
        back, each row is what :meth:`append_batch` of the same entries gives (but for ids, times,
        ``input_hash`` and the hashes). ``marks``, given the decisions' ids, gives rows to append
        after them in the same transaction (their review marks); their ids are not returned."""
        n = len(batch.application)
        if not len(batch.positions) and not len(batch.refused):
            return []
        encoded = encode(batch.application, batch.features, batch.positions)
        inputs = InputsRow(batch.inputs_id or uuid.uuid4().hex, n, encoded.sha256, encoded.payload)
        latency = None if batch.latency_ms is None else round(float(batch.latency_ms), 3)
        header = (batch.channel, batch.officer, bool(batch.authenticated), batch.bundle_name,
                  batch.bundle_version, batch.bundle_hash, latency)  # fmt: skip
        reasons = (
            [canonical(list(r)) if r else "[]" for r in batch.reasons] if batch.reasons is not None else None
        )
        rows: list[tuple[Any, ...]] = [
            ("decision", None if cid is None else int(cid), float(p), float(th), str(dec),
             "[]" if reasons is None else reasons[i], "[]", int(at))
            for i, (at, cid, p, th, dec) in enumerate(zip(
                batch.positions, batch.client_ids, batch.probabilities, batch.thresholds, batch.decisions,
                strict=True,
            ))
        ]  # fmt: skip
        rows += [
            (
                "refused_input",
                None,
                None,
                None,
                None,
                "[]",
                canonical(list(errors)) if errors else "[]",
                int(at),
            )
            for at, errors in batch.refused
        ]
        prepared = prepare_batch(header, rows, inputs.id, inputs.sha256)
        after = [] if marks is None else [_prepared(m) for m in marks([p.decision_id for p in prepared])]
        return [r[1] for r in self._writer.write(prepared, inputs, after)[: len(prepared)]]

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
            inputs = self._decoded(conn, [dict(row)])
        by = [i for i, kind in linked if kind == "override"]
        kinds = {kind for _, kind in linked}
        review = None
        if "review_open" in kinds:
            review = "reviewed" if kinds & set(OFFICER_KINDS) else "to_review"
        return replace(_record(dict(row), by, inputs), review_status=review)

    def records(self, *, limit: int = 100, offset: int = 0, **filters: Any) -> list[DecisionRecord]:
        """Full rows (application and features included), newest first."""
        d = t.decisions
        query = select(d).where(*conditions(**filters)).order_by(d.c.seq.desc()).limit(limit).offset(offset)
        with self.engine.connect() as conn:
            rows = [dict(r) for r in conn.execute(query).mappings()]
            inputs = self._decoded(conn, rows)
        return [_record(r, None, inputs) for r in rows]

    def _decoded(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> dict[str, DecodedInputs]:
        """The payloads the compact rows among ``rows`` point at, decoded (cached)."""
        wanted = {r["inputs_id"] for r in rows if r.get("inputs_id") is not None}
        out = {i: found for i in wanted if (found := self._inputs.get(i)) is not None}
        missing = sorted(wanted - out.keys())
        if missing:
            di = t.decision_inputs
            for inputs_id, payload in conn.execute(select(di.c.id, di.c.payload).where(di.c.id.in_(missing))):
                out[inputs_id] = DecodedInputs(bytes(payload))
                self._inputs.put(inputs_id, out[inputs_id])
        return out

    def batch_recorded(self, inputs_id: str) -> bool:
        """Whether the chunk logged with the inputs id ``inputs_id`` is in the log (it is whole or absent)."""
        di = t.decision_inputs
        with self.engine.connect() as conn:
            return conn.execute(select(di.c.id).where(di.c.id == inputs_id)).first() is not None

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
                select(d.c.seq, d.c.features, d.c.inputs_id, d.c.inputs_row).where(
                    *conditions(since=since, until=until, kind="decision")
                )
            ).all()
            vectors = {int(s): json.loads(f) if f else {} for s, f, i, _ in rows if i is None}
            compact: dict[str, list[tuple[int, int]]] = {}
            for s, _, i, at in rows:
                if i is not None:
                    compact.setdefault(i, []).append((int(s), int(at)))
            parts = [pd.DataFrame(list(vectors.values()), index=list(vectors))]
            for inputs_id, pairs in compact.items():  # each payload's vectors in one take
                decoded = self._decoded(conn, [{"inputs_id": inputs_id}])[inputs_id]
                part = decoded.feature_frame([at for _, at in pairs])
                part.index = pd.Index([s for s, _ in pairs])
                parts.append(part)
        feats = pd.concat(parts).reindex(table["seq"].astype("int64").to_numpy())
        feats.index = table.index
        return pd.concat([table, feats], axis=1)

    # ------------------------------------------------------------------ verify
    def verify(self) -> ChainReport:
        """Recompute every row's hash in order and check each points at its predecessor."""
        d = t.decisions
        prev, expected_seq, n = GENESIS, 1, 0
        payloads: dict[str, str | None] = {}  # inputs id -> its payload's SHA-256 (None: not found)
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
                    inputs_id = row.get("inputs_id")
                    if inputs_id is not None:
                        if inputs_id not in payloads:
                            payloads[inputs_id] = _payload_sha(self.engine, inputs_id)
                        if payloads[inputs_id] != row["input_hash"]:
                            return ChainReport(n, False, seq, "its inputs do not match their hash (edited)")
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


def _payload_sha(engine: Engine, inputs_id: str) -> str | None:
    """The SHA-256 of a payload's bytes as stored (not the column that states it)."""
    di = t.decision_inputs
    with engine.connect() as conn:
        payload = conn.execute(select(di.c.payload).where(di.c.id == inputs_id)).scalar_one_or_none()
    return None if payload is None else hashlib.sha256(bytes(payload)).hexdigest()


def _record(
    row: Mapping[str, Any], overridden_by: list[str] | None = None,
    inputs: Mapping[str, DecodedInputs] | None = None,
) -> DecisionRecord:  # fmt: skip
    inputs_id = row.get("inputs_id")
    decoded = None if inputs_id is None or inputs is None else inputs.get(inputs_id)

    def parsed(name: str) -> Any:
        if decoded is not None and name in ("application", "features"):
            at = int(row["inputs_row"])
            if name == "application":
                return decoded.application(at)
            return decoded.features(at) if row["kind"] == "decision" else None
        text = row[name]
        return None if text is None else json.loads(text)

    explained = parsed("reasons") or []

    return DecisionRecord(
        seq=int(row["seq"]), decision_id=row["decision_id"], created_at=row["created_at"], channel=row["channel"],
        kind=row["kind"], client_id=None if row["client_id"] is None else int(row["client_id"]),
        application=parsed("application"), features=parsed("features"), input_hash=row["input_hash"],
        bundle_name=row["bundle_name"], bundle_version=row["bundle_version"], bundle_hash=row["bundle_hash"],
        probability=row["probability"], threshold=row["threshold"], decision=row["decision"],
        reasons=[r for r in explained if "recourse" not in r], errors=parsed("errors") or [], officer=row["officer"],
        authenticated=bool(row["authenticated"]), latency_ms=row["latency_ms"], overrides=row["overrides"],
        override_reason=row["override_reason"], prev_hash=row["prev_hash"], row_hash=row["row_hash"],
        overridden_by=overridden_by or [], recourse=[r for r in explained if "recourse" in r],
    )  # fmt: skip


def _tail(conn: Connection) -> tuple[int, str]:
    d = t.decisions
    last = conn.execute(select(d.c.seq, d.c.row_hash).order_by(d.c.seq.desc()).limit(1)).first()
    return (0, GENESIS) if last is None else (int(last[0]), str(last[1]))


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
