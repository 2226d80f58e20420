"""The store: one database holding the client store, the decision log and the API keys.

``Store.open(url)`` connects and runs the Alembic migrations (under the write lock, so that two
processes starting together do not both create the schema). The URL may hold a password: it is
never logged; :attr:`Store.display_url` masks it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, func, inspect, select
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from core.config import Settings, get_settings
from core.store import tables as t
from core.store.clients import ClientStore, StoreHistory
from core.store.decisions import DecisionLog
from core.store.engine import StoreError, make_engine, safe_url, write_transaction
from core.store.keys import KeyRing
from core.store.load import last_load

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config() -> Config:
    """Alembic's configuration for the store's migrations (no ini file)."""
    from alembic.config import Config  # Alembic (~0.5 s to import) only when a store is opened

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


#: the newest migration (core/store/migrations/versions): tests/core/store/test_store.py checks it
HEAD = "0003"


@dataclass
class Store:
    """The database of the product: clients, history aggregates, decisions, keys."""

    engine: Engine
    display_url: str
    embedded: bool

    @classmethod
    def open(
        cls, url: str, *, synchronous: str = "FULL", migrate: bool = True, env_keys: str | None = None
    ) -> Store:
        """Connect to ``url`` and bring its schema to this version's (StoreError when impossible)."""
        engine = make_engine(url, synchronous=synchronous)
        store = cls(engine, safe_url(url), engine.dialect.name == "sqlite")
        store._env_keys = env_keys
        if migrate:
            store.migrate()
        return store

    @classmethod
    def from_settings(cls, settings: Settings | None = None, *, migrate: bool = True) -> Store:
        """The configured store: DATABASE_URL, else the embedded SQLite file at STORE_PATH."""
        conf = settings or get_settings()
        keys = conf.API_KEYS.get_secret_value() if conf.API_KEYS is not None else None
        return cls.open(
            conf.database_url(), synchronous=conf.SQLITE_SYNCHRONOUS, migrate=migrate, env_keys=keys
        )

    def __post_init__(self) -> None:
        self._env_keys: str | None = None
        self._keys: KeyRing | None = None
        self.clients = ClientStore(self.engine)
        self.log = DecisionLog(self.engine)
        self.history = StoreHistory(self.clients)

    @property
    def keys(self) -> KeyRing:
        """The API keys (environment and database)."""
        if self._keys is None:
            self._keys = KeyRing(self.engine, self._env_keys)
        return self._keys

    def migrate(self) -> None:
        """Run the migrations up to head (idempotent); a database already at :data:`HEAD` is only read
        (alembic, a fifth of a second to import, is not needed then)."""
        try:
            if self.revision() == HEAD:
                return
        except SQLAlchemyError:
            pass  # alembic says what is wrong below
        from alembic import command
        from alembic.util.exc import CommandError

        cfg = alembic_config()
        logging.getLogger("alembic").setLevel(logging.WARNING)  # its INFO lines say nothing to users
        try:
            with write_transaction(self.engine) as conn:
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
        except CommandError as exc:
            raise StoreError(
                f"the database at {self.display_url} has a schema this version does not know ({exc}); "
                "upgrade the product."
            ) from None
        except OperationalError as exc:
            raise StoreError(f"cannot open the database at {self.display_url}: {_first_line(exc)}") from None

    def revision(self) -> str | None:
        """The schema revision the database is at."""
        with self.engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()

    def describe(self) -> dict[str, Any]:
        """What /health and the sidebar show: engine, masked URL, clients, decisions, last load."""
        try:
            with self.engine.connect() as conn:
                # the log is append-only and numbered 1, 2, 3... without gaps (``verify`` checks it):
                # its last number is its size, read from the primary key instead of counting every row
                last = conn.execute(select(func.max(t.decisions.c.seq))).scalar_one()
                decisions = int(last or 0)
            clients = self.clients.count()
            load = last_load(self.engine)
        except SQLAlchemyError as exc:
            return {
                "engine": self.engine.dialect.name,
                "url": self.display_url,
                "ok": False,
                "problem": _first_line(exc),
            }
        return {
            "engine": self.engine.dialect.name,
            "url": self.display_url,
            "ok": True,
            "embedded": self.embedded,
            "clients": clients,
            "decisions": decisions,
            "last_load": None
            if load is None
            else {k: str(v) for k, v in load.items() if k in ("id", "status", "finished_at")},
        }

    def close(self) -> None:
        """Release the connections."""
        self.log.close()
        self.engine.dispose()


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", exc)).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__
