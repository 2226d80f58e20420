"""A file's chunks decided on two cores: reading ahead, scoring, and logging overlap in threads.

``pad score`` spends its time in three kinds of work that release Python's lock for much of it:
parsing the CSV (pyarrow), scoring (CatBoost, polars) and writing the decision log (SQLite's steps
and the commit's fsync, PostgreSQL's round trips). :func:`decide_chunks` reads chunk *n + 1* in one
thread while the caller's thread scores chunk *n* and a third thread logs chunk *n - 1*. What does
not change: the chunks are handed to ``on_decided`` in file order, each only once its decisions are
committed (durable), the log receives them in file order (one writer thread), and at most three
chunks are held at once (memory stays flat in the file's size). When the run stops (an error, an
interruption), the logs already in flight finish — each commits whole or not at all — and every
chunk that was logged is still handed over, so that what was logged is also written out.
"""

from __future__ import annotations

import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pandas as pd

from core.serving.validation import DuplicateIds
from core.store.decisions import Actor, Channel
from core.store.desk import DecidedBatch, DecisionDesk

_END = object()
_POLL_S = 0.1  # how often a blocked reader looks whether the run was stopped


def decide_chunks(
    desk: DecisionDesk,
    chunks: Iterator[pd.DataFrame],
    *,
    channel: Channel,
    actor: Actor,
    on_decided: Callable[[DecidedBatch], None],
    explain: bool = False,
    overlap: bool = True,
) -> None:
    """Score and log every chunk of a file (text cells, rows numbered from 1 across the chunks), and
    call ``on_decided`` with each, in order, once its rows are in the log. ``overlap=False`` does
    each step after the other in the calling thread (the same rows, ids apart, and the same log)."""
    seen = DuplicateIds()
    frames = _ReadAhead(chunks) if overlap else None
    pool = ThreadPoolExecutor(1, thread_name_prefix="pad-log") if overlap else None
    pending: deque[Future[DecidedBatch]] = deque()
    sink_failed = False

    def hand(decided: DecidedBatch) -> None:
        nonlocal sink_failed
        try:
            on_decided(decided)
        except BaseException:
            sink_failed = True
            raise

    first = 1
    try:
        for frame in frames if frames is not None else chunks:
            started = time.perf_counter()
            batch = desk.service.score_frame(frame, first_row=first, explain=explain, seen_ids=seen)
            latency = (time.perf_counter() - started) * 1000 / max(1, len(frame))
            args: dict[str, Any] = {
                "first_row": first,
                "channel": channel,
                "actor": actor,
                "latency_ms": latency,
            }
            first += len(frame)
            if pool is None:
                hand(desk.record_frame(frame, batch, **args))
                continue
            pending.append(pool.submit(desk.record_frame, frame, batch, **args))
            while len(pending) > 1 or (pending and pending[0].done()):
                hand(pending.popleft().result())
        while pending:
            hand(pending.popleft().result())
    except BaseException:
        if not sink_failed:  # the chunks logged before the stop are handed over, in order
            while pending and pending[0].exception() is None:
                hand(pending.popleft().result())
        raise
    finally:
        if pool is not None:
            pool.shutdown(wait=True)
        if frames is not None:
            frames.close()


class _ReadAhead:
    """The next chunk read in a thread while the current one is scored (one chunk ahead); an
    error of the reader is raised where the chunk it stopped at would have come."""

    def __init__(self, chunks: Iterator[pd.DataFrame]) -> None:
        self._chunks = chunks
        self._queue: queue.Queue[tuple[Any, BaseException | None]] = queue.Queue(maxsize=1)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pad-read", daemon=True)
        self._thread.start()

    def _put(self, item: tuple[Any, BaseException | None]) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=_POLL_S)
                return True
            except queue.Full:
                continue
        return False

    def _run(self) -> None:
        try:
            for chunk in self._chunks:
                if not self._put((chunk, None)):
                    return
        except BaseException as exc:  # handed to the consumer, raised there
            self._put((_END, exc))
            return
        finally:
            close = getattr(self._chunks, "close", None)
            if close is not None:
                close()  # the reader's temporary files go with it
        self._put((_END, None))

    def __iter__(self) -> Iterator[pd.DataFrame]:
        while True:
            chunk, error = self._queue.get()
            if error is not None:
                raise error
            if chunk is _END:
                return
            yield chunk

    def close(self) -> None:
        """Stop reading (the thread ends at its next chunk) and wait for it."""
        self._stop.set()
        self._thread.join()
