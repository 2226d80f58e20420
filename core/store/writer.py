"""The decision log's write path: one short transaction per append, straight on the database driver.

An append is on the path of every decision, so it does no more than the durability needs. Rows come
encoded (:mod:`core.store.chain`); the writer holds one connection per process (a thread lock puts
the process's writers in line: the database's write lock would anyway) and sends fixed SQL the driver
prepares once.

* **SQLite**: ``BEGIN IMMEDIATE`` (the write lock: another writer waits), the tail read, the insert,
  ``COMMIT`` — with ``synchronous=FULL`` the commit returns after the WAL's fsync.
* **PostgreSQL**: a single row is one statement in autocommit, one round trip: it takes the
  advisory write lock, checks that the tail this process last saw is still the tail, and inserts;
  the reply comes after the commit's WAL flush. When another process appended meanwhile, the
  check (or the primary key on ``seq``) refuses the row and the append is redone in the locked way:
  ``BEGIN``, advisory lock, tail read, insert, ``COMMIT`` — which batches always take.
* Any other engine goes through SQLAlchemy's :func:`write_transaction`.

A row's time is taken once the tail is known (after ``BEGIN IMMEDIATE`` or the advisory lock), so
times follow the sequence; the one-statement PostgreSQL append takes it just before, which comes to
the same: that row is written only if no other row came after the one this process wrote or read last.
Two writers can never both write row *n*: ``seq`` is the primary key. A connection lost in the
middle of a write is replaced and the write retried once, unless its first decision id is already
in the log (the commit went through, its answer was lost): nothing is written twice.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, insert
from sqlalchemy.exc import DBAPIError

from core.store import tables as t
from core.store.chain import COLUMNS, COLUMNS_INPUTS, GENESIS, Prepared, link, link_all
from core.store.engine import _PG_WRITE_LOCK, write_transaction

_TAIL = "SELECT seq, row_hash FROM decisions ORDER BY seq DESC LIMIT 1"
_NAMES = ", ".join(COLUMNS)
_SQLITE_INSERT = f"INSERT INTO decisions ({_NAMES}) VALUES ({', '.join('?' * len(COLUMNS))})"
_PG_INSERT = f"INSERT INTO decisions ({_NAMES}) VALUES ({', '.join(['%s'] * len(COLUMNS))})"
_SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%f"  # SQLAlchemy's DATETIME storage format on SQLite
#: rows of the compact log, after their batch's inputs (``core.store.inputs``)
_NAMES_INPUTS = ", ".join(COLUMNS_INPUTS)
_SQLITE_INSERT_INPUTS = (
    f"INSERT INTO decisions ({_NAMES_INPUTS}) VALUES ({', '.join('?' * len(COLUMNS_INPUTS))})"
)
_PG_INSERT_INPUTS = (
    f"INSERT INTO decisions ({_NAMES_INPUTS}) VALUES ({', '.join(['%s'] * len(COLUMNS_INPUTS))})"
)
_SQLITE_INPUTS = "INSERT INTO decision_inputs (id, created_at, rows, sha256, payload) VALUES (?, ?, ?, ?, ?)"
_PG_INPUTS = "INSERT INTO decision_inputs (id, created_at, rows, sha256, payload) VALUES (%s, %s, %s, %s, %s)"


@dataclass(frozen=True)
class InputsRow:
    """The ``decision_inputs`` row a batch of compact rows points at (written first, same transaction)."""

    id: str
    rows: int
    sha256: str
    payload: bytes


@functools.cache  # compiled on first use: SQLite processes never load the PostgreSQL dialect
def _pg_guarded_insert() -> str:
    from sqlalchemy.dialects import postgresql

    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    casts = ", ".join(f"%s::{t.decisions.c[name].type.compile(dialect)}" for name in COLUMNS)
    return (
        f"INSERT INTO decisions ({_NAMES}) SELECT {casts} "
        f"FROM (SELECT pg_advisory_xact_lock({_PG_WRITE_LOCK})) AS write_lock "
        "WHERE EXISTS (SELECT 1 FROM decisions WHERE seq = %s AND row_hash = %s)"
    )


@dataclass
class _Append:
    """One call of :meth:`LogWriter.write` waiting in a group: its rows, then its outcome."""

    prepared: list[Prepared]
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    error: BaseException | None = None
    done: bool = False


class LogWriter:
    """Appends chained rows to the ``decisions`` table of ``engine``; thread-safe."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self._lock = threading.Lock()
        self._conn: Any = None  # a pooled DBAPI connection, kept for the process
        self._pid = os.getpid()
        self._tail: tuple[int, str] | None = None  # PostgreSQL: the last row written or read here
        self._sent: list[tuple[Any, ...]] = []  # the rows of the write in flight
        self._waiting: list[_Append] = []  # SQLite: appends of this process waiting for the lock
        self._waiting_lock = threading.Lock()

    def write(
        self, prepared: Sequence[Prepared], inputs: InputsRow | None = None, after: Sequence[Prepared] = ()
    ) -> list[tuple[Any, ...]]:
        """Append ``prepared`` rows in one transaction, chained after the current tail; the rows written
        (values in ``COLUMNS`` order, or ``COLUMNS_INPUTS`` for the rows of a batch whose ``inputs``
        are written first, in the same transaction); ``after``: plain rows (``COLUMNS``) chained after
        the rows of a batch with ``inputs``, in the same transaction (their review marks).

        On SQLite, appends of this process's threads that arrive while another is being written are
        committed together, in order of arrival, in the next transaction (group commit: one fsync for
        all of them); each still returns when its rows are durable, and when that group transaction
        fails, each of its appends is retried alone (one bad entry never fails another's)."""
        if after and inputs is None:
            prepared, after = [*prepared, *after], ()
        if self.dialect not in ("sqlite", "postgresql"):
            return self._generic(prepared, inputs, after)
        if self.dialect == "sqlite" and inputs is None:
            return self._grouped(prepared)
        with self._lock:
            try:
                return self._attempt(prepared, inputs, after)
            except self.engine.dialect.loaded_dbapi.Error as exc:
                raise self._error(exc) from exc

    def _error(self, exc: BaseException) -> BaseException:
        """``exc`` as SQLAlchemy says it (IntegrityError...), without the row's values."""
        error = self.engine.dialect.loaded_dbapi.Error
        return DBAPIError.instance("INSERT INTO decisions", None, exc, error, hide_parameters=True)  # type: ignore[arg-type]

    def _grouped(self, prepared: Sequence[Prepared]) -> list[tuple[Any, ...]]:
        mine = _Append(list(prepared))
        with self._waiting_lock:
            self._waiting.append(mine)
        with self._lock:
            if not mine.done:  # not written by the thread before: write every append waiting
                with self._waiting_lock:
                    group, self._waiting = self._waiting, []
                if not any(a is mine for a in group):  # taken by a thread stopped before writing it
                    group.insert(0, mine)
                self._write_group(group)
        if mine.error is not None:
            raise self._error(mine.error) from mine.error
        return mine.rows

    def _write_group(self, group: list[_Append]) -> None:
        error = self.engine.dialect.loaded_dbapi.Error
        if len(group) > 1:
            try:
                rows = self._attempt([p for a in group for p in a.prepared], None)
            except error:
                pass  # each alone below: the error is the bad append's only
            else:
                at = 0
                for a in group:
                    a.rows, a.done = rows[at : at + len(a.prepared)], True
                    at += len(a.prepared)
                return
        for a in group:
            try:
                a.rows = self._attempt(a.prepared, None)
            except error as exc:
                a.error = exc
            a.done = True

    def _attempt(
        self, prepared: Sequence[Prepared], inputs: InputsRow | None, after: Sequence[Prepared] = ()
    ) -> list[tuple[Any, ...]]:
        self._sent = []
        try:
            return self._write(prepared, inputs, after)
        except self.engine.dialect.loaded_dbapi.Error:
            if not self._lost():
                raise
        sent = self._sent
        self._drop()  # the connection died: a new one, unless the rows made it before
        if sent and self._written(sent[0][1]):
            return sent
        self._sent = []
        return self._write(prepared, inputs, after)

    def close(self) -> None:
        """Give the connection back to the engine's pool."""
        with self._lock:
            self._drop(close=True)

    # ------------------------------------------------------------------ engines
    def _write(
        self, prepared: Sequence[Prepared], inputs: InputsRow | None, after: Sequence[Prepared] = ()
    ) -> list[tuple[Any, ...]]:
        conn = self._connection()
        if self.dialect == "sqlite":
            return self._sqlite(conn, prepared, inputs, after)
        if len(prepared) == 1 and self._tail is not None and inputs is None:
            row = self._pg_guarded(conn, prepared[0])
            if row is not None:
                return [row]
        return self._pg_locked(conn, prepared, inputs, after)

    def _sqlite(
        self,
        conn: Any,
        prepared: Sequence[Prepared],
        inputs: InputsRow | None,
        after: Sequence[Prepared] = (),
    ) -> list[tuple[Any, ...]]:
        cur = conn.cursor()
        try:
            cur.execute("BEGIN IMMEDIATE")
            try:
                seq, prev = _tail_of(cur.execute(_TAIL).fetchone())
                rows = link_all([*prepared, *after], seq, prev, now_utc())
                stamp = rows[0][2].strftime(_SQLITE_TIME)
                n = len(prepared)
                insert_rows = _SQLITE_INSERT
                if inputs is not None:
                    cur.execute(
                        _SQLITE_INPUTS, (inputs.id, stamp, inputs.rows, inputs.sha256, inputs.payload)
                    )
                    insert_rows = _SQLITE_INSERT_INPUTS
                cur.executemany(insert_rows, [(r[0], r[1], stamp, *r[3:]) for r in rows[:n]])
                if after:
                    cur.executemany(_SQLITE_INSERT, [(r[0], r[1], stamp, *r[3:]) for r in rows[n:]])
                cur.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    cur.execute("ROLLBACK")
                raise
        finally:
            cur.close()
        return rows

    def _pg_guarded(self, conn: Any, prepared: Prepared) -> tuple[Any, ...] | None:
        """One statement in autocommit: the row if the tail seen last is still the tail, else None."""
        assert self._tail is not None
        seq, prev = self._tail
        row = link(prepared, seq + 1, prev, now_utc())  # before the lock: see the module's docstring
        self._sent = [row]
        try:
            with conn.cursor() as cur:
                cur.execute(_pg_guarded_insert(), (*row, seq, prev))
                written = cur.rowcount == 1
        except self.engine.dialect.loaded_dbapi.IntegrityError as exc:
            if getattr(getattr(exc, "diag", None), "constraint_name", None) != "decisions_pkey":
                raise
            written = False  # another process wrote row seq + 1 meanwhile
        if not written:
            self._tail = None
            return None
        self._tail = (row[0], row[-1])
        return row

    def _pg_locked(
        self,
        conn: Any,
        prepared: Sequence[Prepared],
        inputs: InputsRow | None,
        after: Sequence[Prepared] = (),
    ) -> list[tuple[Any, ...]]:
        with conn.transaction(), conn.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", (_PG_WRITE_LOCK,))
            cur.execute(_TAIL)
            seq, prev = _tail_of(cur.fetchone())
            rows = self._sent = link_all([*prepared, *after], seq, prev, now_utc())
            n = len(prepared)
            statement = _PG_INSERT
            if inputs is not None:
                cur.execute(_PG_INPUTS, (inputs.id, rows[0][2], inputs.rows, inputs.sha256, inputs.payload))
                statement = _PG_INSERT_INPUTS
            if n == 1:
                cur.execute(statement, rows[0])
            else:
                cur.executemany(statement, rows[:n])
            if after:
                cur.executemany(_PG_INSERT, rows[n:])
        self._tail = (rows[-1][0], rows[-1][-1])
        return rows

    def _generic(
        self, prepared: Sequence[Prepared], inputs: InputsRow | None, after: Sequence[Prepared] = ()
    ) -> list[tuple[Any, ...]]:
        from sqlalchemy import select

        d = t.decisions
        with write_transaction(self.engine) as conn:
            last = conn.execute(select(d.c.seq, d.c.row_hash).order_by(d.c.seq.desc()).limit(1)).first()
            rows = link_all([*prepared, *after], *_tail_of(last), now_utc())
            n = len(prepared)
            columns = COLUMNS
            if inputs is not None:
                conn.execute(insert(t.decision_inputs), [{
                    "id": inputs.id, "created_at": rows[0][2], "rows": inputs.rows, "sha256": inputs.sha256,
                    "payload": inputs.payload,
                }])  # fmt: skip
                columns = COLUMNS_INPUTS
            conn.execute(insert(d), [dict(zip(columns, r, strict=True)) for r in rows[:n]])
            if after:
                conn.execute(insert(d), [dict(zip(COLUMNS, r, strict=True)) for r in rows[n:]])
        return rows

    # ------------------------------------------------------------------ the connection
    def _connection(self) -> Any:
        if self._conn is not None and self._pid != os.getpid():  # a forked child: not ours to use
            self._conn, self._tail = None, None
        if self._conn is None:
            self._pid = os.getpid()
            self._conn = self.engine.raw_connection()
            if self.dialect == "postgresql":
                self._conn.driver_connection.autocommit = True
        return self._conn.driver_connection

    def _drop(self, close: bool = False) -> None:
        conn, self._conn, self._tail = self._conn, None, None
        if conn is None or self._pid != os.getpid():
            return
        driver = conn.driver_connection
        if close and self.dialect == "postgresql" and not driver.closed:
            driver.autocommit = False  # as the pool lends its connections
        if close and not getattr(driver, "closed", False):
            conn.close()
        else:
            conn.invalidate()

    def _lost(self) -> bool:
        """True when the connection is gone (PostgreSQL restarted, network cut)."""
        driver = None if self._conn is None else self._conn.driver_connection
        return self.dialect == "postgresql" and driver is not None and bool(driver.closed or driver.broken)

    def _written(self, decision_id: str) -> bool:
        with self._connection().cursor() as cur:
            cur.execute("SELECT 1 FROM decisions WHERE decision_id = %s", (decision_id,))
            return cur.fetchone() is not None


def now_utc() -> datetime:
    """Now, naive UTC (how the log stores times)."""
    return datetime.now(UTC).replace(tzinfo=None)


def _tail_of(last: Any) -> tuple[int, str]:
    return (0, GENESIS) if last is None else (int(last[0]), str(last[1]))
