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

The workers start with the server, which waits until they have loaded the bundle and opened the
store. A worker serves only the bundle the server serves: it checks the files it loaded against the
server's (their SHA-256), since a source can change between two loads (a registry alias moved, a Hub
revision pushed). A worker that loaded another bundle, or could not start, is never used: batches
run in the server's threads, with the reason logged.

A worker that dies (killed, out of memory) during a batch leaves the batch recorded whole or not at
all. The server looks for the batch in the log by the reference it gave it: not recorded, the
request gets 503 with ``Retry-After`` (send it again); recorded, a 500 saying so and giving the
reference (do not send it again: its decisions are in the log). The pool is started again, up to
:data:`MAX_RESTARTS` times; after that batches run in the server's threads.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import uuid
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool

from api.body import batch_records, parse_json
from api.errors import BadRequest
from api.schemas import BatchPrediction
from core import (
    CONTRACT_VERSION,
    Bundle,
    BundleError,
    ConfigError,
    DecisionDesk,
    ScoringService,
    Settings,
    StoreError,
    json_value,
    load_configured_bundle,
    open_store,
    results_table,
)
from core.store import Actor

log = logging.getLogger("api")


def answer_batch(
    raw: bytes, *, max_rows: int, desk: DecisionDesk, actor: Actor, batch_id: str | None = None
) -> bytes:
    """Score and record the applications of a ``/predict/batch`` body; the answer as JSON bytes.
    A body that is not a batch raises :class:`BadRequest` naming the problem; ``batch_id`` names the
    batch's row of inputs in the log."""
    clients = batch_records(parse_json(raw), max_rows)
    service = desk.service
    decided = desk.decide_records(clients, channel="api", actor=actor, batch_id=batch_id)
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
_unusable: str | None = None  # why this worker must not score (another bundle, a failed start)


class Unusable(Exception):
    """The worker cannot serve the server's bundle: it must not score."""


def identity(bundle: Bundle) -> tuple[str, str, tuple[tuple[str, str], ...]]:
    """What makes two loads the same bundle: its name, version and every file's SHA-256."""
    return bundle.name, bundle.version, tuple(sorted(bundle.hashes.items()))


def _start_worker(settings: Settings, expected: tuple[str, str, tuple[tuple[str, str], ...]]) -> None:
    """A worker process's start: the bundle and the store the server uses, its scoring service.
    A worker that cannot serve the server's bundle says why (:func:`_ready`) rather than exiting."""
    global _worker, _unusable
    # the worker's own messages (a spawned process starts without the server's logging)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s [batch worker] %(name)s: %(message)s")
    try:
        bundle = load_configured_bundle(settings)
        if identity(bundle) != expected:
            _unusable = (
                f"the batch worker loaded {bundle.name} {bundle.version} from {bundle.source}, "
                f"not the server's {expected[0]} {expected[1]} (the source changed between the two loads)"
            )
            return
        store = open_store(settings)
    except (BundleError, ConfigError, StoreError) as exc:
        _unusable = "the batch worker could not start: " + " ".join(str(exc).split())
        return
    service = ScoringService(bundle, history=store.history)
    _worker = _Worker(DecisionDesk(service, store), settings.MAX_BATCH_ROWS)


def _ready() -> str | None:
    """Why this worker cannot be used (None: it is ready)."""
    return _unusable


def _answer(raw: bytes, actor: Actor, batch_id: str) -> bytes:
    if _unusable is not None:
        raise Unusable(_unusable)
    assert _worker is not None, "the batch worker was not started"
    return answer_batch(raw, max_rows=_worker.max_rows, desk=_worker.desk, actor=actor, batch_id=batch_id)


# ---------------------------------------------------------------- the server side
#: worker processes lost while serving batches after which the server stops starting new ones
MAX_RESTARTS = 3
#: seconds a worker has to load the bundle and open the store at the server's start
START_TIMEOUT_S = 300.0


class BatchWorkers:
    """The server's pool of batch worker processes (started with the server, stopped with it).

    ``recorded(batch_id)`` tells whether a batch is in the decision log (the server's store), for
    the answer to a batch whose worker died: recorded (do not send it again) or not (send it again).
    """

    def __init__(
        self, settings: Settings, processes: int, bundle: Bundle, recorded: Callable[[str], bool]
    ) -> None:
        self._settings = settings
        self._processes = processes
        self._expected = identity(bundle)
        self._recorded = recorded
        self._restarts = 0
        self.disabled: str | None = None  # why batches run in the server's threads instead
        self._pool = self._start()

    def _start(self) -> ProcessPoolExecutor:
        # spawn: a fork of a process running threads (the server's) may inherit a held lock
        return ProcessPoolExecutor(
            self._processes,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(self._settings, self._expected),
        )

    def _disable(self, why: str) -> None:
        self.disabled = why
        log.error("%s: batches are scored in the server's threads from now on", why)
        self._pool.shutdown(wait=False)  # a batch already queued still gets its answer

    async def start(self) -> None:
        """Wait until every worker has loaded the bundle and opened the store (at the server's
        start, not on the first batch); one that cannot turns the workers off, with the reason logged."""
        futures = [asyncio.wrap_future(self._pool.submit(_ready)) for _ in range(self._processes)]
        try:
            answers = await asyncio.wait_for(asyncio.gather(*futures), START_TIMEOUT_S)
        except BrokenProcessPool:
            self._disable("a batch worker process stopped while starting")
            return
        except TimeoutError:
            self._disable(f"the batch workers were not ready after {START_TIMEOUT_S:.0f} s")
            return
        if why := next((a for a in answers if a is not None), None):
            self._disable(why)

    async def answer(self, raw: bytes, actor: Actor) -> bytes | None:
        """The answer to a batch body, computed in a worker process; None when the workers are not
        to be used (the caller scores the batch itself)."""
        if self.disabled is not None:
            return None
        pool = self._pool
        batch_id = uuid.uuid4().hex  # the batch's inputs row in the log: found again if the answer is lost
        try:
            return await asyncio.wrap_future(pool.submit(_answer, raw, actor, batch_id))
        except Unusable as exc:
            if self.disabled is None:
                self._disable(str(exc))
            return None
        except BrokenProcessPool:
            if self._pool is pool:  # the first request to see it restarts the pool
                self._restarts += 1
                if self._restarts > MAX_RESTARTS:
                    self._disable(f"{self._restarts} batch worker processes were lost")
                else:
                    log.error("a batch worker process stopped: starting the pool again")
                    pool.shutdown(wait=False)
                    self._pool = self._start()
            if await run_in_threadpool(self._recorded, batch_id):
                raise BadRequest(500, [{"field": "(server)", "problem": (
                    f"the batch worker stopped after recording this batch (reference {batch_id}) but "
                    "before answering: its decisions are in the decision log; do not send it again")}],
                ) from None  # fmt: skip
            raise BadRequest(503, [{"field": "(server)", "problem": (
                "the batch worker stopped before recording this batch: nothing of it was recorded; "
                "send it again")}], {"Retry-After": "2"},
            ) from None  # fmt: skip

    def pids(self) -> list[int]:
        """The worker processes' ids (for the tests and the operator)."""
        processes: dict[int, Any] = getattr(self._pool, "_processes", None) or {}
        return sorted(processes)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
