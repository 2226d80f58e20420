"""Decide and record: the scoring service and the decision log together, for every channel.

A page, a route or a command calls one method here: the application (typed in, found in the
store, or a row of a file) is scored by the one scoring service, and the decision is in the log
(committed) before the caller sees it. A refused input is logged too, with its errors.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from core.errors import RecordValidationError
from core.serving.service import BatchScoring, ScoringResult, ScoringService
from core.store.decisions import (
    Actor,
    Channel,
    DecisionRecord,
    NewDecision,
    decision_of,
    reasons_of,
    refusal_of,
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
    logged: int


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
        logged = self.store.log.append(
            decision_of(result, record, channel=channel, actor=actor, latency_ms=latency)
        )
        return Decided(result, logged, latency)

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
        return self._log_batch(batch, lambda row: records[row - 1], channel, actor, latency)

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

        def raw(row: int) -> dict[str, Any]:
            cells = frame.iloc[row - first_row]
            return {str(k): (None if pd.isna(v) else v) for k, v in cells.items()}

        return self._log_batch(batch, raw, channel, actor, latency)

    def _log_batch(
        self, batch: BatchScoring, raw: Any, channel: Channel, actor: Actor, latency: float
    ) -> DecidedBatch:
        entries: list[NewDecision] = []
        name, version, sha = self._bundle_ref
        features = batch.features.to_dict(orient="index") if len(batch.features) else {}
        for i, res in enumerate(batch.results.itertuples(index=False)):
            reasons = []
            if batch.reasons is not None:
                reasons = reasons_of(*batch.reasons[i])
            cid = getattr(res, "SK_ID_CURR", None)
            entries.append(
                NewDecision(
                    channel=channel, kind="decision", officer=actor.name, authenticated=actor.authenticated,
                    client_id=None if cid is None else int(cid), application=raw(int(res.row)),
                    features=_plain_features(features.get(int(res.row), {})), bundle_name=name,
                    bundle_version=version, bundle_hash=sha, probability=float(res.probability),
                    threshold=float(res.threshold), decision=str(res.decision), reasons=reasons, latency_ms=latency,
                )
            )  # fmt: skip
        by_row: dict[int, list[dict[str, Any]]] = {}
        for e in batch.errors:
            by_row.setdefault(e.row, []).append({"field": e.field, "problem": str(e.problem)})
        for row, errors in sorted(by_row.items()):
            entries.append(
                refusal_of(errors, _safe_raw(raw, row), channel=channel, actor=actor, bundle=self._bundle_ref)
            )
        logged = self.store.log.append_many(entries)
        ids: list[str | None] = [r.decision_id for r in logged[: len(batch.results)]]
        return DecidedBatch(batch, ids, len(logged))


def _plain_features(values: Mapping[str, Any]) -> dict[str, Any]:
    out = {}
    for k, v in values.items():
        if hasattr(v, "item"):
            v = v.item()
        if isinstance(v, float) and v != v:
            v = None
        out[str(k)] = v
    return out


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
