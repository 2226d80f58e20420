"""``/predict/batch``'s work: a JSON body in, the answer's JSON bytes out — in a process of its own.

A thousand applications take a few hundred milliseconds of Python (parsing, checks, features,
predict, the log's payload, the answer), and a Python process runs one thread at a time: in the
server's own process a batch made every other request wait for it (``/health`` p99 ≈ 90 ms during
a batch). So the server hands the body to a pool of worker processes (``BATCH_WORKER_PROCESSES``,
default 1) that each load the bundle and open the store as the server does, score the batch,
record it in the same decision log (the log takes writers of several processes: its chain is
built under the database's write lock), and send back the answer's bytes. The server's event loop
only awaits the result. With 0 worker processes — or an app built around a bundle and a store given
in code, which a child cannot rebuild — the batch runs in one of the server's threads.

A worker that dies (killed, out of memory) before its batch's commit takes the transaction with it
(a batch is recorded whole or not at all); the request gets 503 with ``Retry-After`` and the pool is
started again.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from api.body import batch_records, parse_json
from api.errors import BadRequest
from api.schemas import BatchPrediction
from core import (
    CONTRACT_VERSION,
    DecisionDesk,
    ScoringService,
    Settings,
    json_value,
    load_configured_bundle,
    open_store,
    results_table,
)
from core.store import Actor

log = logging.getLogger("api")


def answer_batch(raw: bytes, *, max_rows: int, desk: DecisionDesk, actor: Actor) -> bytes:
    """Score and record the applications of a ``/predict/batch`` body; the answer as JSON bytes.
    A body that is not a batch raises :class:`BadRequest` naming the problem."""
    clients = batch_records(parse_json(raw), max_rows)
    service = desk.service
    decided = desk.decide_records(clients, channel="api", actor=actor)
    batch = decided.batch
    table = results_table(batch, service.schema, bundle_version=service.bundle.version)
    table["decision_id"] = decided.decision_ids
    columns = {c: [json_value(v) for v in table[c].tolist()] for c in table.columns}
    out = BatchPrediction.model_validate(  # one validation of the whole answer (not one model per row)
        {
            "contract_version": CONTRACT_VERSION,
            "n": batch.n_rows,
            "n_scored": batch.n_scored,
            "threshold": service.bundle.threshold,
            "bundle_version": service.bundle.version,
            "results": [
                dict(zip(columns, values, strict=True)) for values in zip(*columns.values(), strict=True)
            ],
            "errors": [{"row": e.row, "field": e.field, "problem": e.problem} for e in batch.errors],
        }
    )
    return out.model_dump_json().encode()


# ---------------------------------------------------------------- the worker process side
@dataclass
class _Worker:
    desk: DecisionDesk
    max_rows: int


_worker: _Worker | None = None


def _start_worker(settings: Settings) -> None:
    """A worker process's start: the bundle and the store the server uses, its scoring service."""
    global _worker
    bundle = load_configured_bundle(settings)
    store = open_store(settings)
    service = ScoringService(bundle, history=store.history)
    _worker = _Worker(DecisionDesk(service, store), settings.MAX_BATCH_ROWS)


def _ready() -> int:
    return os.getpid()


def _answer(raw: bytes, actor: Actor) -> bytes:
    assert _worker is not None, "the batch worker was not started"
    return answer_batch(raw, max_rows=_worker.max_rows, desk=_worker.desk, actor=actor)


# ---------------------------------------------------------------- the server side
class BatchWorkers:
    """The server's pool of batch worker processes (started with the server, stopped with it)."""

    def __init__(self, settings: Settings, processes: int) -> None:
        self._settings = settings
        self._processes = processes
        self._pool = self._start()

    def _start(self) -> ProcessPoolExecutor:
        # spawn: a fork of a process running threads (the server's) may inherit a held lock
        pool = ProcessPoolExecutor(
            self._processes,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(self._settings,),
        )
        for _ in range(self._processes):
            pool.submit(_ready)  # load the bundle now, not on the first batch
        return pool

    async def answer(self, raw: bytes, actor: Actor) -> bytes:
        """The answer to a batch body, computed in a worker process."""
        pool = self._pool
        try:
            return await asyncio.wrap_future(pool.submit(_answer, raw, actor))
        except BrokenProcessPool:
            log.error("a batch worker process stopped: starting the pool again")
            if self._pool is pool:
                pool.shutdown(wait=False, cancel_futures=True)
                self._pool = self._start()
            raise BadRequest(
                503,
                [
                    {
                        "field": "(server)",
                        "problem": "the batch worker stopped before answering; nothing of "
                        "this batch was recorded: send it again",
                    }
                ],  # fmt: skip
                {"Retry-After": "2"},
            ) from None

    def pids(self) -> list[int]:
        """The worker processes' ids (for the tests and the operator)."""
        processes: dict[int, Any] = getattr(self._pool, "_processes", None) or {}
        return sorted(processes)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
