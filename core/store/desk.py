"""Decide and record: the scoring service and the decision log together, for every channel.

A page, a route or a command calls one method here: the application (typed in, found in the
store, or a row of a file) is scored by the one scoring service, and the decision is in the log
(committed) before the caller sees it. A refused input is logged too, with its errors.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from core.errors import RecordValidationError
from core.serving.service import BatchScoring, ScoringResult, ScoringService
from core.store.decisions import (
    Actor,
    Channel,
    DecisionRecord,
    NewDecision,
    decision_of,
    new_decision_id,
    reasons_of,
    refusal_of,
    review_mark_of,
)
from core.store.store import Store


class UnknownClient(LookupError):
    """The store does not hold this client id."""

    def __init__(self, client_id: int) -> None:
        self.client_id = client_id
        super().__init__(f"client {client_id} is not in the client store.")


@dataclass(frozen=True)
class Decided:
    """A scored application and its row in the decision log."""

    result: ScoringResult
    logged: DecisionRecord
    latency_ms: float


@dataclass
class DecidedBatch:
    """A scored batch and the log rows written for it (decisions and refused rows)."""

    batch: BatchScoring
    decision_ids: list[str | None]  # aligned with batch.results
    logged: int  # decisions and refused rows written (review marks apart)
    to_review: int = 0  # decisions sent to review (each with its review_open row)


class DecisionDesk:
    """One per process: the service of the bundle and the store of the decisions."""

    def __init__(self, service: ScoringService, store: Store) -> None:
        self.service = service
        self.store = store
        bundle = service.bundle
        self._bundle_ref = (bundle.name, bundle.version, service.model_sha256)

    def decide(
        self, record: Any, *, channel: Channel, actor: Actor, explain: bool = True, top_k: int = 5
    ) -> Decided:
        """Score and log one application; a refused input is logged, then RecordValidationError raised."""
        started = time.perf_counter()
        try:
            result = self.service.score(record, explain=explain, top_k=top_k)
        except RecordValidationError as exc:
            self.store.log.append(
                refusal_of(_errors(exc), record, channel=channel, actor=actor, client_id=_id_of(record),
                           bundle=self._bundle_ref)
            )  # fmt: skip
            raise
        latency = (time.perf_counter() - started) * 1000
        entry = decision_of(result, record, channel=channel, actor=actor, latency_ms=latency)
        if result.review_status != "to_review":
            return Decided(result, self.store.log.append(entry), latency)
        # the grey zone: the decision and its review mark, in one transaction
        entry = replace(entry, decision_id=new_decision_id())
        logged = self.store.log.append_many([entry, self._mark(entry)])[0]
        return Decided(result, logged, latency)

    def _mark(self, entry: NewDecision) -> NewDecision:
        zone = self.service.grey_zone
        assert zone is not None and entry.decision_id is not None
        return review_mark_of(entry.decision_id, entry, low=zone.low, high=zone.high)

    def decide_client(
        self, client_id: int, *, channel: Channel, actor: Actor, explain: bool = True
    ) -> Decided:
        """Score a stored client (application and history from the store) and log the decision."""
        application = self.store.clients.application(client_id)
        if application is None:
            raise UnknownClient(client_id)
        return self.decide(application, channel=channel, actor=actor, explain=explain)

    def decide_records(
        self, records: Sequence[Any], *, channel: Channel, actor: Actor, explain: bool = False
    ) -> DecidedBatch:
        """Score JSON-like records together and log every row in one transaction."""
        started = time.perf_counter()
        batch = self.service.score_records(records, explain=explain)
        latency = (time.perf_counter() - started) * 1000 / max(1, len(records))
        entries = self.batch_entries(batch, lambda row: records[row - 1], channel=channel, actor=actor,
                                     latency_ms=latency)  # fmt: skip
        return self._record(batch, entries)

    def decide_frame(
        self,
        frame: pd.DataFrame,
        *,
        first_row: int = 1,
        channel: Channel,
        actor: Actor,
        explain: bool = False,
    ) -> DecidedBatch:
        """Score a chunk of a file (text cells) and log its rows in one transaction."""
        started = time.perf_counter()
        batch = self.service.score_frame(frame, first_row=first_row, explain=explain)
        latency = (time.perf_counter() - started) * 1000 / max(1, len(frame))
        return self.record_frame(frame, batch, first_row=first_row, channel=channel, actor=actor,
                                 latency_ms=latency)  # fmt: skip

    def record_frame(
        self, frame: pd.DataFrame, batch: BatchScoring, *, first_row: int, channel: Channel, actor: Actor,
        latency_ms: float,
    ) -> DecidedBatch:  # fmt: skip
        """Log the rows of a chunk already scored (``batch`` is ``frame`` scored) in one transaction."""
        cells = rows_of(frame)
        entries = self.batch_entries(
            batch, lambda row: cells[row - first_row], channel=channel, actor=actor, latency_ms=latency_ms
        )
        return self._record(batch, entries)

    def batch_entries(
        self,
        batch: BatchScoring,
        raw: Callable[[int], Any],
        *,
        channel: Channel,
        actor: Actor,
        latency_ms: float,
    ) -> list[NewDecision]:
        """The log rows of a scored batch: its decisions in row order, then one refused row per invalid
        row, then the review marks of the decisions in the grey zone; ``raw(row)`` is the application of
        row number ``row`` as received."""
        name, version, sha = self._bundle_ref
        res = batch.results
        rows = res["row"].tolist()
        if len(batch.features) and not np.array_equal(batch.features.index.to_numpy(), res["row"].to_numpy()):
            raise ValueError(
                "the batch's feature vectors are not aligned with its results"
            )  # pragma: no cover
        features = rows_of(batch.features) if len(batch.features) else [{} for _ in rows]
        ids = res["SK_ID_CURR"].tolist() if "SK_ID_CURR" in res else [None] * len(rows)
        review = (
            res["review_status"].to_numpy() == "to_review"
            if "review_status" in res
            else np.zeros(len(rows), bool)
        )
        entries = [
            NewDecision(
                channel=channel, kind="decision", officer=actor.name, authenticated=actor.authenticated,
                client_id=None if cid is None else int(cid), application=raw(row), features=vector,
                bundle_name=name, bundle_version=version, bundle_hash=sha, probability=float(p),
                threshold=float(th), decision=str(dec), latency_ms=latency_ms,
                reasons=reasons_of(*batch.reasons[i]) if batch.reasons is not None else (),
                decision_id=new_decision_id() if review[i] else None,
            )
            for i, (row, cid, vector, p, th, dec) in enumerate(
                zip(rows, ids, features, res["probability"].tolist(), res["threshold"].tolist(),
                    res["decision"].tolist(), strict=True)
            )
        ]  # fmt: skip
        by_row: dict[int, list[dict[str, Any]]] = {}
        for e in batch.errors:
            by_row.setdefault(e.row, []).append({"field": e.field, "problem": str(e.problem)})
        for row, errors in sorted(by_row.items()):
            entries.append(
                refusal_of(errors, _safe_raw(raw, row), channel=channel, actor=actor, bundle=self._bundle_ref)
            )
        entries += [self._mark(e) for e in entries[: len(rows)] if e.decision_id is not None]
        return entries

    def _record(self, batch: BatchScoring, entries: list[NewDecision]) -> DecidedBatch:
        logged = self.store.log.append_batch(entries)
        decision_ids: list[str | None] = list(logged[: len(batch.results)])
        marks = sum(e.kind == "review_open" for e in entries)
        return DecidedBatch(batch, decision_ids, len(logged) - marks, marks)


def rows_of(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of ``frame`` as plain dicts (Python scalars, None for missing), column by column.

    Keys come in sorted order: the log's canonical JSON sorts them, and sorting sorted keys is cheap.
    """
    order = sorted(range(frame.shape[1]), key=lambda j: str(frame.columns[j]))
    names = [str(frame.columns[j]) for j in order]
    columns = []
    for j in order:
        column = frame.iloc[:, j]
        values = column.tolist()
        for i in np.flatnonzero(column.isna().to_numpy()):
            values[i] = None
        columns.append(values)
    if not names:
        return [{} for _ in range(len(frame))]
    return [dict(zip(names, cells, strict=True)) for cells in zip(*columns, strict=True)]


def _safe_raw(raw: Any, row: int) -> Any:
    try:
        return raw(row)
    except (IndexError, KeyError):
        return None


def _errors(exc: RecordValidationError) -> list[dict[str, Any]]:
    return [{"field": e.field, "problem": str(e.problem)} for e in exc.errors]


def _id_of(record: Any) -> int | None:
    if isinstance(record, Mapping):
        value = record.get("SK_ID_CURR")
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None
