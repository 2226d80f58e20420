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
    body = res.json()
    assert body["client_id"] == 100001 and body["threshold"] == 0.5
    # the original API's field names, for its existing callers
    assert body["SK_ID_CURR"] == 100001 and body["proba_default"] == body["probability"]
    assert body["score"] == int(body["decision"] == "REFUSED") and body["latency_ms"] >= 0


@pytest.fixture(scope="module")
def missing_token_client(tmp_path_factory):
    """A legacy model trained as the original project did: a null category sent as "__MISSING__"."""
    import numpy as np
    import pandas as pd
    from catboost import CatBoostClassifier

    from tests.conftest import SEED_REFERENCE

    if not SEED_REFERENCE.is_dir():
        pytest.skip(f"seed reference not found at {SEED_REFERENCE}")
    names = (SEED_REFERENCE / LEGACY_FILES["kept"]).read_text().split("\n")
    cats = (SEED_REFERENCE / LEGACY_FILES["cat"]).read_text().split()
    rng = np.random.default_rng(1)
    n = 400
    frame = pd.DataFrame({c: rng.normal(size=n) for c in names if c not in cats})
    for c in cats:
        frame[c] = rng.choice(["Laborers", "Managers"], n)
    missing = rng.random(n) < 0.5
    frame.loc[missing, "OCCUPATION_TYPE"] = "__MISSING__"
    frame.loc[~missing, "OCCUPATION_TYPE"] = "Missing"  # the token the project used: must mean "a value"
    folder = _legacy_folder(tmp_path_factory.mktemp("legacy-token"), names, cats)
    model = CatBoostClassifier(
        iterations=30, depth=2, verbose=False, thread_count=1, allow_writing_files=False
    )
    model.fit(frame[names], missing.astype(int), cat_features=cats)
    model.save_model(str(folder / LEGACY_FILES["model"]))
    bundle = load_legacy_bundle(*(folder / f for f in LEGACY_FILES.values()))
    with TestClient(create_app(bundle=bundle, settings=load_settings())) as c:
        yield c, json.loads((SEED_REFERENCE / "examples" / "input_example.json").read_text())


def test_null_category_is_sent_as_the_original_token(missing_token_client):
    client, payload = missing_token_client
    assert payload["OCCUPATION_TYPE"] is None
    body = client.post("/predict", json=payload).json()
    # fed "__MISSING__" as the original API did: the model recognises a missing occupation
    assert body["proba_default"] > 0.9 and body["decision"] == "REFUSED" and body["score"] == 1
    body = client.post("/predict", json=dict(payload, OCCUPATION_TYPE="Laborers")).json()
    assert body["proba_default"] < 0.1


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
