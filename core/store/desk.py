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
import pyarrow as pa

from core.config import load_settings
from core.errors import RecordValidationError
from core.serving.recourse import Recourse, RecourseFinder
from core.serving.service import BatchScoring, ScoringResult, ScoringService
from core.serving.validation import DuplicateIds
from core.store.decisions import (
    Actor,
    BatchDecisions,
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
    recourse: Recourse | None = None  # when asked for (application bundles): searched if refused


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
        self.recourse = RecourseFinder(service, margin=load_settings().RECOURSE_MARGIN)

    def decide(
        self, record: Any, *, channel: Channel, actor: Actor, explain: bool = True, top_k: int = 5,
        recourse: bool = False,
    ) -> Decided:  # fmt: skip
        """Score and log one application; a refused input is logged, then RecordValidationError raised.

        With ``recourse``, a refused application's recourse options are searched
        (:class:`~core.serving.recourse.RecourseFinder`) and logged with the decision."""
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
        found = self.recourse.find(record) if recourse and self.recourse.applicable else None
        entry = decision_of(result, record, channel=channel, actor=actor, latency_ms=latency, recourse=found)
        if result.review_status != "to_review":
            return Decided(result, self.store.log.append(entry), latency, found)
        # the grey zone: the decision and its review mark, in one transaction
        entry = replace(entry, decision_id=new_decision_id())
        logged = self.store.log.append_many([entry, self._mark(entry)])[0]
        return Decided(result, logged, latency, found)

    def _mark(self, entry: NewDecision) -> NewDecision:
        zone = self.service.grey_zone
        assert zone is not None and entry.decision_id is not None
        return review_mark_of(entry.decision_id, entry, low=zone.low, high=zone.high)

    def decide_client(
        self, client_id: int, *, channel: Channel, actor: Actor, explain: bool = True, recourse: bool = False
    ) -> Decided:
        """Score a stored client (application and history from the store) and log the decision."""
        application = self.store.clients.application(client_id)
        if application is None:
            raise UnknownClient(client_id)
        return self.decide(application, channel=channel, actor=actor, explain=explain, recourse=recourse)

    def decide_records(
        self, records: Sequence[Any], *, channel: Channel, actor: Actor, explain: bool = False,
        batch_id: str | None = None,
    ) -> DecidedBatch:  # fmt: skip
        """Score JSON-like records together and log every row in one transaction; ``batch_id`` (32
        hex digits) names the transaction's inputs row (``DecisionLog.batch_recorded``)."""
        started = time.perf_counter()
        batch = self.service.score_records(records, explain=explain)
        latency = (time.perf_counter() - started) * 1000 / max(1, len(records))
        return self._record_compact(batch, list(records), 1, channel=channel, actor=actor, latency_ms=latency,
                                    batch_id=batch_id)  # fmt: skip

    def decide_frame(
        self,
        frame: pd.DataFrame,
        *,
        first_row: int = 1,
        channel: Channel,
        actor: Actor,
        explain: bool = False,
        seen_ids: DuplicateIds | None = None,
    ) -> DecidedBatch:
        """Score a chunk of a file (text cells) and log its rows in one transaction; ``seen_ids``
        carries the ids of the file's earlier chunks (a second row of an id is warned)."""
        started = time.perf_counter()
        batch = self.service.score_frame(frame, first_row=first_row, explain=explain, seen_ids=seen_ids)
        latency = (time.perf_counter() - started) * 1000 / max(1, len(frame))
        return self.record_frame(frame, batch, first_row=first_row, channel=channel, actor=actor,
                                 latency_ms=latency)  # fmt: skip

    def record_frame(
        self, frame: pd.DataFrame, batch: BatchScoring, *, first_row: int, channel: Channel, actor: Actor,
        latency_ms: float,
    ) -> DecidedBatch:  # fmt: skip
        """Log the rows of a chunk already scored (``batch`` is ``frame`` scored) in one transaction."""
        return self._record_compact(
            batch, frame, first_row, channel=channel, actor=actor, latency_ms=latency_ms
        )

    def _record_compact(
        self, batch: BatchScoring, application: pd.DataFrame | list[Any], first_row: int, *,
        channel: Channel, actor: Actor, latency_ms: float, batch_id: str | None = None,
    ) -> DecidedBatch:  # fmt: skip
        """The compact log (one payload of inputs for the chunk); the per-row JSON entries of
        :meth:`batch_entries` when the cells cannot be stored column-wise (mixed types in a column)."""
        marked: list[int] = []

        def marks(ids: Sequence[str]) -> list[NewDecision]:
            found = self._marks_compact(batch, list(ids[: len(batch.results)]), channel=channel, actor=actor)
            marked.append(len(found))
            return found

        try:
            scored = self.scored(
                batch, application, first_row, channel=channel, actor=actor, latency_ms=latency_ms
            )
            if batch_id is not None:
                scored = replace(scored, inputs_id=batch_id)
            logged = self.store.log.append_scored(scored, marks)
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, _NotColumnar):
            cells = rows_of(application) if isinstance(application, pd.DataFrame) else application
            entries = self.batch_entries(batch, lambda row: cells[row - first_row], channel=channel,
                                         actor=actor, latency_ms=latency_ms)  # fmt: skip
            return self._record(batch, entries)
        ids: list[str | None] = list(logged[: len(batch.results)])
        return DecidedBatch(batch, ids, len(logged), sum(marked))

    def _marks_compact(
        self, batch: BatchScoring, ids: list[str], *, channel: Channel, actor: Actor
    ) -> list[NewDecision]:
        """The review marks of a chunk logged by the compact path (which draws its own ids), given
        the ids of its decisions: written after them, in the same transaction."""
        res = batch.results
        if self.service.grey_zone is None or "review_status" not in res:
            return []
        name, version, sha = self._bundle_ref
        status = res["review_status"].to_numpy()
        at = np.flatnonzero(status == "to_review").tolist()
        if not at:
            return []
        cids = res["SK_ID_CURR"].to_numpy()[at].tolist() if "SK_ID_CURR" in res else [None] * len(at)
        probabilities = res["probability"].to_numpy()[at].tolist()
        thresholds = res["threshold"].to_numpy()[at].tolist()
        return [
            review_mark_of(
                ids[i],
                NewDecision(
                    channel=channel,
                    kind="decision",
                    officer=actor.name,
                    authenticated=actor.authenticated,
                    client_id=None if cid is None else int(cid),
                    bundle_name=name,
                    bundle_version=version,
                    bundle_hash=sha,
                    probability=float(p),
                    threshold=float(th),
                ),
                low=self.service.grey_zone.low,
                high=self.service.grey_zone.high,
            )  # fmt: skip
            for i, cid, p, th in zip(at, cids, probabilities, thresholds, strict=True)
        ]

    def scored(
        self, batch: BatchScoring, application: pd.DataFrame | Sequence[Any], first_row: int, *,
        channel: Channel, actor: Actor, latency_ms: float,
    ) -> BatchDecisions:  # fmt: skip
        """The log rows of a scored batch, column-wise: ``application`` holds its rows as received
        (row number ``first_row`` first)."""
        name, version, sha = self._bundle_ref
        res = batch.results
        rows = res["row"].to_numpy()
        if len(batch.features) and not np.array_equal(batch.features.index.to_numpy(), rows):
            raise ValueError(
                "the batch's feature vectors are not aligned with its results"
            )  # pragma: no cover
        n = len(application)
        refused: dict[int, list[dict[str, Any]]] = {}
        for e in batch.errors:
            if not 0 <= e.row - first_row < n:
                raise _NotColumnar(f"row {e.row} is not a row of the batch")
            refused.setdefault(e.row - first_row, []).append({"field": e.field, "problem": str(e.problem)})
        features = batch.features if len(batch.features) else pd.DataFrame(index=range(len(res)))
        return BatchDecisions(
            channel=channel, officer=actor.name, authenticated=actor.authenticated, bundle_name=name,
            bundle_version=version, bundle_hash=sha, application=application,
            positions=(rows - first_row).tolist(), features=features,
            client_ids=res["SK_ID_CURR"].tolist() if "SK_ID_CURR" in res else [None] * len(res),
            probabilities=res["probability"].tolist(), thresholds=res["threshold"].tolist(),
            decisions=res["decision"].tolist(),
            reasons=[reasons_of(*r) for r in batch.reasons] if batch.reasons is not None else None,
            refused=sorted(refused.items()), latency_ms=latency_ms,
        )  # fmt: skip

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


class _NotColumnar(ValueError):
    """A batch the compact log cannot hold as it is: logged row by row instead."""


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
