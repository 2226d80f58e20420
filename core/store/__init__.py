"""The store: Kaggle client tables and their history aggregates, the decision log, API keys.

SQLAlchemy 2 over an embedded SQLite file (WAL) by default, or any URL (PostgreSQL) from
``DATABASE_URL``; the schema is versioned by the Alembic migrations in ``migrations/``.
"""

from datetime import datetime

import pandas as pd

from core.store.clients import ClientHistory, ClientStore, StoreHistory
from core.store.decisions import (
    Actor,
    ChainReport,
    DecisionLog,
    DecisionLogError,
    DecisionRecord,
    NewDecision,
    decision_of,
    reasons_of,
    refusal_of,
)
from core.store.demo import ensure_demo_store, open_store
from core.store.desk import Decided, DecidedBatch, DecisionDesk, UnknownClient
from core.store.engine import StoreError, safe_url
from core.store.keys import READ_ALL, ROLES, ApiKeyError, KeyRing, Principal
from core.store.load import LoadReport, last_load, load_store
from core.store.store import Store

__all__ = [
    "READ_ALL",
    "ROLES",
    "Actor",
    "ApiKeyError",
    "ChainReport",
    "ClientHistory",
    "ClientStore",
    "DecisionLog",
    "DecisionLogError",
    "DecisionRecord",
    "KeyRing",
    "LoadReport",
    "NewDecision",
    "Principal",
    "Store",
    "StoreError",
    "StoreHistory",
    "decision_of",
    "decisions_frame",
    "ensure_demo_store",
    "open_store",
    "Decided",
    "DecidedBatch",
    "DecisionDesk",
    "UnknownClient",
    "last_load",
    "load_store",
    "reasons_of",
    "refusal_of",
    "safe_url",
]


def decisions_frame(since: datetime | None = None, until: datetime | None = None) -> pd.DataFrame:
    """Model decisions of a period from the configured store, one column per scored feature."""
    return Store.from_settings().log.frame(since=since, until=until)
