"""The embedded demo store: on a fresh start with no database, a few thousand generated clients."""

from __future__ import annotations

import fcntl
import logging
import time
from pathlib import Path

import pandas as pd

from core.config import Settings, get_settings
from core.data.tables import SYNTHETIC_ID_START
from core.store.load import load_store
from core.store.store import Store

log = logging.getLogger(__name__)
#: the generator's seed for the demo store (the demo bundle was trained on seed 42: other people)
DEMO_SEED = 2026
#: the demo store's ids are the generator's shifted by these, so that they never collide with the
#: demo bundle's training and reference clients (900,000,001+), the golden corpus (970,000,001+) or
#: the examples (980,000,001+): a known id always means one person
DEMO_ID_SHIFT = {"SK_ID_CURR": 10_000_000, "SK_ID_PREV": 5_000_000, "SK_ID_BUREAU": 5_000_000}
DEMO_FIRST_ID = SYNTHETIC_ID_START["SK_ID_CURR"] + DEMO_ID_SHIFT["SK_ID_CURR"]


def demo_tables(clients: int) -> dict[str, pd.DataFrame]:
    """The demo store's Kaggle tables: ``clients`` generated clients with the demo ids."""
    from core.data.synthetic import generate  # the generator (and SciPy) only when a store is filled

    tables = generate(max(1, round(clients / 1.15)), DEMO_SEED)
    for frame in tables.values():
        for column, shift in DEMO_ID_SHIFT.items():
            if column in frame.columns:
                frame[column] = frame[column] + shift
    return tables


def ensure_demo_store(store: Store, clients: int) -> bool:
    """Fill an empty embedded store with ``clients`` generated clients; True when it did."""
    if not store.embedded or clients <= 0 or store.clients.count() > 0:
        return False
    database = store.engine.url.database
    if not database or database == ":memory:":
        return _fill(store, clients)
    # two processes starting together (the API and the dashboard of one container): one fills, the other waits
    with open(Path(database).with_suffix(".demo.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if store.clients.count() > 0:
            return False
        return _fill(store, clients)


def _fill(store: Store, clients: int) -> bool:
    started = time.perf_counter()
    load_store(store.engine, demo_tables(clients), progress=False)
    log.info(
        "created the demo store: %d clients in %.1fs", store.clients.count(), time.perf_counter() - started
    )
    return True


def open_store(settings: Settings | None = None) -> Store:
    """The configured store, migrated; an empty embedded store gets the demo clients."""
    conf = settings or get_settings()
    store = Store.from_settings(conf)
    if conf.embedded_store:  # a database named by DATABASE_URL is the user's: never filled with demo data
        ensure_demo_store(store, conf.DEMO_STORE_CLIENTS)
    return store
