"""API keys: stored as hashes, shown once, from the database or the environment."""

from __future__ import annotations

import pytest

from core.store import ApiKeyError, KeyRing, Store
from core.store.keys import key_hash, parse_env_keys


def test_create_authenticate_revoke(tmp_path):
    store = Store.open(f"sqlite:///{tmp_path / 's.sqlite'}")
    assert not store.keys.enabled
    key = store.keys.create("guichet-12", "officer")
    assert key.startswith("pad_") and len(key) > 40
    with store.engine.connect() as conn:
        stored = conn.exec_driver_sql("SELECT key_sha256 FROM api_keys").scalar()
    assert stored == key_hash(key) and key not in stored
    ring = KeyRing(store.engine)
    assert ring.enabled
    assert ring.authenticate(key).name == "guichet-12"
    assert ring.authenticate(key + "x") is None and ring.authenticate("") is None
    with pytest.raises(ApiKeyError, match="already exists"):
        store.keys.create("guichet-12")
    with pytest.raises(ApiKeyError, match="role"):
        store.keys.create("x", "boss")
    with pytest.raises(ApiKeyError, match="not valid"):
        store.keys.create("bad name!")
    assert store.keys.revoke("guichet-12") and not store.keys.revoke("guichet-12")
    ring = KeyRing(store.engine)
    assert ring.authenticate(key) is None
    assert ring.enabled, "revoking the last key must not reopen the API to everyone"


def test_keys_from_the_environment():
    key = "pad_secret"
    ring = KeyRing(None, f"audit:auditor:{key_hash(key)}")
    assert ring.enabled and ring.authenticate(key).role == "auditor"
    with pytest.raises(ApiKeyError, match="entry 2"):
        parse_env_keys(f"a:officer:{key_hash('x')}, b:officer:nothex")
