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


def test_two_processes_starting_together_fill_the_demo_store_once(monkeypatch, tmp_path):
    import multiprocessing

    monkeypatch.setenv("STORE_PATH", str(tmp_path / "store.sqlite"))
    monkeypatch.setenv("DEMO_STORE_CLIENTS", "120")
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_start) for _ in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    store = open_store(load_settings())
    assert store.clients.count() == 120
    from core.store import last_load

    assert last_load(store.engine)["id"] == 1  # one load, not two


def _start() -> None:
    open_store(load_settings()).close()
