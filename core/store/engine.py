"""Engines for the store: embedded SQLite (WAL) by default, any SQLAlchemy URL (PostgreSQL) by setting.

Writers that must see the latest row (the decision log's hash chain, migrations) open a *write
transaction*: ``BEGIN IMMEDIATE`` on SQLite, a transaction-scoped advisory lock on PostgreSQL, so
threads and processes append one after the other and never fork the chain.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

log = logging.getLogger(__name__)

#: the advisory lock key of the write transaction on PostgreSQL (any constant shared by all writers)
_PG_WRITE_LOCK = 7_270_011
_SQLITE_BUSY_MS = 30_000


class StoreError(ValueError):
    """The database cannot be used: bad URL, unreachable server, schema from a newer version."""


def safe_url(url: str) -> str:
    """The URL with its password masked, for logs and pages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(unparseable database URL)"


def make_engine(url: str, *, synchronous: str = "FULL") -> Engine:
    """An engine for ``url``; a SQLite file gets WAL, a busy timeout and ``synchronous``."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreError(
            "DATABASE_URL is not a database URL (e.g. postgresql+psycopg://user@host/db)."
        ) from None
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            parsed, connect_args={"timeout": _SQLITE_BUSY_MS / 1000, "isolation_level": None}
        )
        _sqlite_events(engine, synchronous)
        return engine
    try:
        return create_engine(parsed, pool_pre_ping=True, pool_size=8, max_overflow=8)
    except Exception as exc:  # an unknown driver: say which, never the password
        raise StoreError(f"cannot use {safe_url(url)}: {type(exc).__name__}: {exc}") from None


def _sqlite_events(engine: Engine, synchronous: str) -> None:
    mode = {"FULL": "FULL", "NORMAL": "NORMAL"}[synchronous.upper()]

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA synchronous={mode}")
        cur.execute(f"PRAGMA busy_timeout={_SQLITE_BUSY_MS}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # pysqlite's own transaction handling is off (isolation_level=None): SQLAlchemy begins here,
        # IMMEDIATE for writers that read-then-append, so that two writers never both read the tail
        immediate = conn.get_execution_options().get("write_lock", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def is_sqlite(engine: Engine) -> bool:
    """True for a SQLite engine."""
    return engine.dialect.name == "sqlite"


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction holding the store's write lock until commit (see the module's docstring)."""
    with engine.connect() as conn:
        conn.execution_options(write_lock=True)
        with conn.begin():
            if engine.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_WRITE_LOCK})
            yield conn
