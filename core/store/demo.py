"""The embedded demo store: on a fresh start with no database, a few thousand generated clients."""

from __future__ import annotations

import logging
import time

from core.config import Settings, get_settings
from core.data.synthetic import generate
from core.store.load import load_store
from core.store.store import Store

log = logging.getLogger(__name__)
#: the generator's seed for the demo store (the demo bundle was trained on seed 42: other people)
DEMO_SEED = 2026


def ensure_demo_store(store: Store, clients: int) -> bool:
    """Fill an empty embedded store with ``clients`` generated clients; True when it did."""
    if not store.embedded or clients <= 0 or store.clients.count() > 0:
        return False
    started = time.perf_counter()
    n_train = max(1, round(clients / 1.15))
    load_store(store.engine, generate(n_train, DEMO_SEED), progress=False)
    log.info(
        "created the demo store: %d clients in %.1fs", store.clients.count(), time.perf_counter() - started
    )
    return True


def open_store(settings: Settings | None = None) -> Store:
    """The configured store, migrated; an empty embedded store gets the demo clients."""
    conf = settings or get_settings()
    store = Store.from_settings(conf)
    ensure_demo_store(store, conf.DEMO_STORE_CLIENTS)
    return store
