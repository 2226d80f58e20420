"""The original project's interface: a legacy bundle with its 125 features accepts its real payload."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from core import load_legacy_bundle, load_settings
from core.serving.bundle import LEGACY_FILES
from tests.core.test_bundle import _legacy_folder


@pytest.fixture(scope="module")
def legacy_client(tmp_path_factory):
    from tests.conftest import SEED_REFERENCE

    if not SEED_REFERENCE.is_dir():
        pytest.skip(f"seed reference not found at {SEED_REFERENCE}")
    names = (SEED_REFERENCE / LEGACY_FILES["kept"]).read_text().split("\n")
    cats = (SEED_REFERENCE / LEGACY_FILES["cat"]).read_text().split()
    folder = _legacy_folder(tmp_path_factory.mktemp("legacy"), names, cats)
    bundle = load_legacy_bundle(*(folder / f for f in LEGACY_FILES.values()))
    with TestClient(create_app(bundle=bundle, settings=load_settings())) as c:
        yield c, json.loads((SEED_REFERENCE / "examples" / "input_example.json").read_text())


def test_real_payload_is_accepted(legacy_client):
    client, payload = legacy_client
    res = client.post("/predict", json=payload)
    assert res.status_code == 200, res.json()
    assert res.json()["client_id"] == 100001 and res.json()["threshold"] == 0.5


def test_original_guarantees(legacy_client):
    client, payload = legacy_client
    bad = dict(payload, EXT_SOURCE_3=1.2, FLAG_DOCUMENT_3=3, AMT_CREDIT="568800", NEW_FIELD=1)
    del bad["DAYS_BIRTH"]
    res = client.post("/predict", json=bad)
    assert res.status_code == 422
    assert {d["field"] for d in res.json()["detail"]} == {
        "EXT_SOURCE_3",
        "FLAG_DOCUMENT_3",
        "AMT_CREDIT",
        "NEW_FIELD",
        "DAYS_BIRTH",
    }
    # 0/1 flags are accepted like the original API did
    assert (
        client.post("/predict", json=dict(payload, FLAG_DOCUMENT_3=1, REG_CITY_NOT_LIVE_CITY=0)).status_code
        == 200
    )


def test_model_card_says_what_is_unavailable(legacy_client):
    client, _ = legacy_client
    card = client.get("/model").json()
    assert card["format"] == "legacy" and "reference data" in card["unavailable"]
