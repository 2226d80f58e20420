"""A fresh start with no database gets an embedded demo store; a configured server never does."""

from __future__ import annotations

from core.config import DEMO_BUNDLE_DIR, load_settings
from core.data.tables import HOME_CREDIT_MAX_ID
from core.serving.bundle import load_bundle
from core.store import open_store
from core.store.demo import DEMO_FIRST_ID


def test_a_fresh_start_creates_the_demo_store(monkeypatch, tmp_path):
    monkeypatch.setenv("STORE_PATH", str(tmp_path / "fresh" / "store.sqlite"))
    monkeypatch.setenv("DEMO_STORE_CLIENTS", "150")
    store = open_store(load_settings())
    assert store.embedded and store.clients.count() == 150
    ids = store.clients.search("", 200)
    assert min(ids) >= DEMO_FIRST_ID > HOME_CREDIT_MAX_ID["SK_ID_CURR"]
    reference = set(load_bundle(DEMO_BUNDLE_DIR).reference["SK_ID_CURR"].astype(int))
    assert not reference & set(ids), "a demo-store id must never be a client of the demo bundle's data"
    again = open_store(load_settings())  # a second start keeps it as it is
    assert again.clients.count() == 150


def test_no_demo_store_on_a_configured_server(monkeypatch, db_url):
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("DEMO_STORE_CLIENTS", "150")
    settings = load_settings()
    store = open_store(settings)
    assert store.clients.count() == 0
