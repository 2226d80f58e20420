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

A worker serves only the bundle the server serves: it checks the files it loaded against the
server's (their SHA-256), since a source can change between two loads (a registry alias moved, a Hub
revision pushed); a worker that loaded anything else is never used, and batches run in the server's
threads, with an error logged.

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
    Bundle,
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
_mismatch: str | None = None


class OtherBundle(Exception):
    """The worker loaded another bundle than the server's: it must not score."""


def identity(bundle: Bundle) -> tuple[str, str, tuple[tuple[str, str], ...]]:
    """What makes two loads the same bundle: its name, version and every file's SHA-256."""
    return bundle.name, bundle.version, tuple(sorted(bundle.hashes.items()))


def _start_worker(settings: Settings, expected: tuple[str, str, tuple[tuple[str, str], ...]]) -> None:
    """A worker process's start: the bundle and the store the server uses, its scoring service."""
    global _worker, _mismatch
    bundle = load_configured_bundle(settings)
    if identity(bundle) != expected:
        _mismatch = (
            f"the batch worker loaded {bundle.name} {bundle.version} from {bundle.source}, "
            f"not the server's {expected[0]} {expected[1]} (the source changed between the two loads)"
        )
        return
    store = open_store(settings)
    service = ScoringService(bundle, history=store.history)
    _worker = _Worker(DecisionDesk(service, store), settings.MAX_BATCH_ROWS)


def _ready() -> int:
    return os.getpid()


def _answer(raw: bytes, actor: Actor) -> bytes:
    if _mismatch is not None:
        raise OtherBundle(_mismatch)
    assert _worker is not None, "the batch worker was not started"
    return answer_batch(raw, max_rows=_worker.max_rows, desk=_worker.desk, actor=actor)


# ---------------------------------------------------------------- the server side
class BatchWorkers:
    """The server's pool of batch worker processes (started with the server, stopped with it)."""

    def __init__(self, settings: Settings, processes: int, bundle: Bundle) -> None:
        self._settings = settings
        self._processes = processes
        self._expected = identity(bundle)
        self.disabled: str | None = None  # why batches run in the server's threads instead
        self._pool = self._start()

    def _start(self) -> ProcessPoolExecutor:
        # spawn: a fork of a process running threads (the server's) may inherit a held lock
        pool = ProcessPoolExecutor(
            self._processes,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(self._settings, self._expected),
        )
        for _ in range(self._processes):
            pool.submit(_ready)  # load the bundle now, not on the first batch
        return pool

    async def answer(self, raw: bytes, actor: Actor) -> bytes | None:
        """The answer to a batch body, computed in a worker process; None when the workers are not
        to be used (the caller scores the batch itself)."""
        if self.disabled is not None:
            return None
        pool = self._pool
        try:
            return await asyncio.wrap_future(pool.submit(_answer, raw, actor))
        except OtherBundle as exc:
            self.disabled = str(exc)
            log.error("%s: batches are scored in the server's threads from now on", exc)
            pool.shutdown(wait=False, cancel_futures=True)
            return None
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
