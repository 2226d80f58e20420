"""The API on a real store: stored clients, recorded decisions, overrides, keys and roles."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from core import DEMO_BUNDLE_DIR, Store, load_bundle, load_settings
from core.store.keys import key_hash


@pytest.fixture(scope="module")
def demo_bundle():
    return load_bundle(DEMO_BUNDLE_DIR)


def make_client(bundle, url: str, monkeypatch=None, api_keys: str | None = None) -> TestClient:
    if api_keys is not None:
        monkeypatch.setenv("API_KEYS", api_keys)
    return TestClient(
        create_app(bundle=bundle, settings=load_settings(), store=Store.open(url, env_keys=api_keys))
    )


@pytest.fixture()
def api(demo_bundle, demo_store_url):
    with make_client(demo_bundle, demo_store_url) as client:
        yield client


def first_id(client: TestClient) -> int:
    return client.get("/clients", params={"prefix": "91"}).json()["ids"][0]


def test_a_stored_client_is_scored_and_recorded(api):
    cid = first_id(api)
    got = api.get(f"/clients/{cid}").json()
    assert got["client_id"] == cid and got["application"]["SK_ID_CURR"] == cid
    assert got["history_summary"]["PREV_COUNT"] == len(got["previous_applications"])
    by_id = api.post("/predict", json={"SK_ID_CURR": cid}).json()
    by_route = api.post(f"/clients/{cid}/score").json()
    assert by_id["history"] == "known" and by_id["probability"] == by_route["probability"]
    assert by_id["decision_id"] != by_route["decision_id"]
    store: Store = api.app.state.store
    logged = store.log.get(by_route["decision_id"])
    assert (
        logged.client_id == cid and logged.channel == "api" and logged.probability == by_route["probability"]
    )
    assert logged.application["SK_ID_CURR"] == cid and len(logged.features) == 125
    assert logged.officer == "api (open mode)" and not logged.authenticated
    assert [r["feature"] for r in logged.reasons][:1] == [by_route["reasons"]["toward_default"][0]["feature"]]


def test_unknown_ids_are_named(api):
    for res in (
        api.post("/predict", json={"SK_ID_CURR": 123}),
        api.post("/clients/123/score"),
        api.get("/clients/123"),
    ):
        assert res.status_code == 404 and "123" in res.json()["detail"][0]["problem"]
    assert api.post("/clients/123/score").json()["detail"][0]["field"] == "client_id"
    for text in ("abc", "1.0", "-5", "1e3", str(2**63)):  # never converted: 422 naming the parameter
        bad = api.get(f"/clients/{text}")
        assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "path.client_id", text
        assert api.post(f"/clients/{text}/score").status_code == 422
    assert api.get("/decisions", params={"client_id": "910000001.0"}).status_code == 422
    assert api.get("/decisions", params={"client_id": 10**20}).status_code == 422
    huge = api.post("/predict", json={"SK_ID_CURR": 10**20})  # no database integer holds it: unknown
    assert huge.status_code == 404 and str(10**20) in huge.json()["detail"][0]["problem"]
    assert api.get("/clients", params={"prefix": "9x"}).status_code == 422


def test_explain_by_id_records_the_exact_features(api):
    cid = first_id(api)
    got = api.post("/explain", json={"SK_ID_CURR": cid})
    assert got.status_code == 200
    body = got.json()
    assert body["prediction"]["client_id"] == cid and body["prediction"]["history"] == "known"
    store: Store = api.app.state.store
    logged = store.log.get(body["prediction"]["decision_id"])
    assert logged.kind == "decision" and logged.channel == "api" and logged.client_id == cid
    assert logged.application == api.get(f"/clients/{cid}").json()["application"]
    scored = {c["feature"]: c["value"] for c in body["contributions"]}  # the vector the model scored
    assert logged.features == scored and logged.probability == body["prediction"]["probability"]


def test_refused_inputs_and_batches_are_logged(api):
    store: Store = api.app.state.store
    app = api.get(f"/clients/{first_id(api)}").json()["application"]
    bad = api.post("/predict", json={**app, "AMT_CREDIT": "lots"})
    assert bad.status_code == 422
    refused = store.log.records(kind="refused_input", limit=1)[0]
    assert refused.errors[0]["field"] == "AMT_CREDIT" and refused.decision is None
    before = store.log.count()
    batch = api.post("/predict/batch", json={"clients": [app, {**app, "DAYS_BIRTH": "x"}, app]}).json()
    assert batch["n_scored"] == 2 and all(r["decision_id"] for r in batch["results"])
    assert store.log.count() == before + 3 and store.log.verify().ok


def test_override_is_a_new_row(api):
    decided = api.post(f"/clients/{first_id(api)}/score").json()
    other = "ACCEPTED" if decided["decision"] == "REFUSED" else "REFUSED"
    url = f"/decisions/{decided['decision_id']}/override"
    empty = api.post(url, json={"decision": other, "reason": ""})
    assert empty.status_code == 422 and empty.json()["detail"][0]["field"].endswith("reason")
    same = api.post(url, json={"decision": decided["decision"], "reason": "x"})
    assert same.status_code == 422 and "already decided" in same.json()["detail"][0]["problem"]
    done = api.post(url, json={"decision": other, "reason": "payslip checked"}).json()
    assert done["kind"] == "override" and done["overrides"] == decided["decision_id"]
    original = api.get(f"/decisions/{decided['decision_id']}").json()
    assert original["decision"] == decided["decision"] and original["overridden_by"] == [done["decision_id"]]
    listed = api.get("/decisions", params={"overridden": True}).json()
    assert listed["total"] == 1 and listed["items"][0]["decision_id"] == decided["decision_id"]
    assert api.get("/decisions/verify").json()["ok"]


def test_keys_roles_and_no_secret_in_logs(demo_bundle, demo_store_url, monkeypatch, caplog):
    officer_key, analyst_key = "pad_officer_key_123", "pad_analyst_key_456"
    keys = f"guichet:officer:{key_hash(officer_key)},audit:auditor:{key_hash(analyst_key)}"
    caplog.set_level(logging.DEBUG)
    with make_client(demo_bundle, demo_store_url, monkeypatch, api_keys=keys) as api:
        assert api.get("/health").json()["auth"] == "api-keys"
        cid = first_id_with(api, analyst_key)
        missing = api.post(f"/clients/{cid}/score")
        assert missing.status_code == 401 and missing.headers["www-authenticate"] == "Bearer"
        wrong = api.post(f"/clients/{cid}/score", headers={"X-API-Key": "nope"})
        assert wrong.status_code == 401 and "nope" not in wrong.text
        mine = api.post(f"/clients/{cid}/score", headers={"X-API-Key": officer_key}).json()
        api.post(f"/clients/{cid}/score", headers={"Authorization": f"Bearer {analyst_key}"})
        seen = api.get("/decisions", headers={"X-API-Key": officer_key}).json()
        assert (
            seen["total"] == 1
            and seen["items"][0]["officer"] == "guichet"
            and seen["items"][0]["authenticated"]
        )
        assert api.get("/decisions", headers={"X-API-Key": analyst_key}).json()["total"] == 2
        assert api.get("/decisions/verify", headers={"X-API-Key": officer_key}).status_code == 403
        theirs = api.get("/decisions", headers={"X-API-Key": analyst_key}).json()["items"][0]["decision_id"]
        assert api.get(f"/decisions/{theirs}", headers={"X-API-Key": officer_key}).status_code == 404
        assert (
            api.get(f"/decisions/{mine['decision_id']}", headers={"X-API-Key": officer_key}).status_code
            == 200
        )
    text = caplog.text
    assert officer_key not in text and analyst_key not in text


def first_id_with(api: TestClient, key: str) -> int:
    return api.get("/clients", params={"prefix": "91"}, headers={"X-API-Key": key}).json()["ids"][0]


def test_routes_on_both_engines(demo_bundle, db_url):
    from core.store import load_store
    from core.store.demo import demo_tables

    store = Store.open(db_url)
    load_store(store.engine, demo_tables(60), progress=False)
    with TestClient(create_app(bundle=demo_bundle, settings=load_settings(), store=store)) as api:
        cid = first_id(api)
        decided = api.post(f"/clients/{cid}/score").json()
        assert decided["history"] == "known" and decided["client_id"] == cid
        listed = api.get("/decisions", params={"client_id": cid}).json()
        assert (
            listed["total"] == 1
            and listed["items"][0]["features"] == store.log.get(decided["decision_id"]).features
        )
        assert api.get("/health").json()["store"]["engine"] == store.engine.dialect.name
        other = "ACCEPTED" if decided["decision"] == "REFUSED" else "REFUSED"
        url = f"/decisions/{decided['decision_id']}/override"
        assert (
            api.post(url, json={"decision": other, "reason": "  "}).json()["detail"][0]["field"] == "reason"
        )
        done = api.post(url, json={"decision": other, "reason": "guarantor added"}).json()
        assert done["overrides"] == decided["decision_id"] and done["override_reason"] == "guarantor added"
        assert api.get(f"/decisions/{decided['decision_id']}").json()["decision"] == decided["decision"]
        assert api.get("/decisions/verify").json() == {
            "ok": True,
            "rows": 2,
            "first_bad_seq": None,
            "problem": None,
        }
        # keys created in the database switch the API to api-keys mode at once
        officer = store.keys.create("guichet-7", "officer")
        store.keys.create("audit-1", "auditor")  # revoking the only key would reopen the API (open mode)
        assert api.get("/health").json()["auth"] == "api-keys"
        assert api.get("/decisions").status_code == 401
        bearer = {"Authorization": f"Bearer {officer}"}
        mine = api.post("/predict", json={"SK_ID_CURR": cid}, headers=bearer).json()
        assert store.log.get(mine["decision_id"]).officer == "guichet-7"
        seen = api.get("/decisions", headers=bearer).json()
        assert [i["decision_id"] for i in seen["items"]] == [mine["decision_id"]] and seen["total"] == 1
        assert api.get("/decisions/verify", headers=bearer).status_code == 403
        store.keys.revoke("guichet-7")
        assert api.get("/decisions", headers=bearer).status_code == 401


def test_a_password_in_the_database_url_is_never_shown(demo_bundle, monkeypatch, caplog):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://bob:pw-hunter2@127.0.0.1:1/x")
    caplog.set_level(logging.DEBUG)
    from core import StoreError

    with (
        pytest.raises(StoreError) as err,
        TestClient(create_app(bundle=demo_bundle, settings=load_settings())),
    ):
        pass
    assert "pw-hunter2" not in str(err.value) and "pw-hunter2" not in caplog.text


def test_openapi_declares_the_key_schemes(api):
    schemes = api.get("/openapi.json").json()["components"]["securitySchemes"]
    assert {s["type"] for s in schemes.values()} == {"apiKey", "http"}
    assert any(s.get("name") == "X-API-Key" for s in schemes.values())
