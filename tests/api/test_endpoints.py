"""Every endpoint through HTTP, and every kind of bad input."""

from __future__ import annotations

import json

import pytest

from api.main import create_app
from core import load_settings


def test_health(client, toy_bundle):
    body = client.get("/health").json()
    store = body.pop("store")
    assert body.pop("auth") == "open"
    assert store["ok"] and store["engine"] == "sqlite" and store["embedded"]
    assert body == {
        "status": "ok",
        "model_loaded": True,
        "bundle": {
            "name": "toy",
            "version": "0.0.1-toy",
            "format": "v1",
            "source": toy_bundle.source,
            "contract": "features",
        },
        "n_features": 13,
    }


def test_model_card(client, toy_bundle):
    card = client.get("/model").json()
    assert card["threshold"] == toy_bundle.threshold
    assert card["cost_weights"] == {"fn": 10.0, "fp": 1.0}
    assert [f["name"] for f in card["features"]][0] == toy_bundle.schema.by_importance()[0].name
    gender = next(f for f in card["features"] if f["name"] == "CODE_GENDER")
    assert gender["categories"] == ["F", "M", "XNA"] and gender["seen_categories"] == ["F", "M"]
    assert gender["kind"] == "categorical" and gender["info"]["label_en"]
    assert card["provenance"]["synthetic"] is True


def test_predict(client, record, toy_bundle):
    from core import CONTRACT_VERSION, ScoringService

    body = client.post("/predict", json=record).json()
    expected = ScoringService(toy_bundle).score(record)
    assert body["contract_version"] == CONTRACT_VERSION and body["shap_scale"] == "log-odds of default"
    assert body["probability"] == expected.probability
    assert body["decision"] == expected.decision and body["threshold"] == toy_bundle.threshold
    assert body["client_id"] == record["SK_ID_CURR"] and body["bundle"]["version"] == "0.0.1-toy"
    assert body["history"] == "not_applicable" and body["recourse"] is None
    assert (body["points_score"], body["points_band"]) == (expected.points_score, expected.points_band)
    assert body["review_status"] == expected.review_status
    assert "proba_default" not in body  # the original API's names are for legacy bundles only
    reasons = body["reasons"]["toward_default"] + body["reasons"]["toward_repayment"]
    assert reasons and all(r["text_fr"] and r["text_en"] for r in reasons)


def test_explain_adds_up(client, record):
    body = client.post("/explain", json=record).json()
    total = body["base_value"] + sum(c["shap"] for c in body["contributions"])
    assert total == pytest.approx(body["raw_prediction"])
    assert len(body["contributions"]) == 13


@pytest.mark.parametrize(
    ("change", "field", "problem"),
    [
        ({"AMT_CREDIT": "100000"}, "AMT_CREDIT", "expected a number, got the text '100000'"),
        ({"AMT_CREDIT": True}, "AMT_CREDIT", "expected a number, got the boolean true"),
        ({"AMT_CREDIT": -1}, "AMT_CREDIT", "impossible value -1"),
        ({"EXT_SOURCE_1": 1.5}, "EXT_SOURCE_1", "between 0 and 1"),
        ({"DAYS_BIRTH": -1000}, "DAYS_BIRTH", "impossible age"),
        ({"DAYS_EMPLOYED": 12}, "DAYS_EMPLOYED", "counted back from the application"),
        ({"CODE_GENDER": "X"}, "CODE_GENDER", "unknown category 'X'"),
        ({"FLAG_DOCUMENT_3": "yes"}, "FLAG_DOCUMENT_3", "expected true/false"),
        ({"SURPRISE": 1}, "SURPRISE", "unknown field"),
        ({"SK_ID_CURR": 0}, "SK_ID_CURR", "positive integer"),
    ],
)
def test_bad_values_are_422_naming_the_field(client, record, change, field, problem):
    res = client.post("/predict", json={**record, **change})
    assert res.status_code == 422
    assert any(d["field"] == field and problem in d["problem"] for d in res.json()["detail"]), res.json()


def test_nan_and_infinity_literals_rejected(client, record):
    text = json.dumps(record).replace(
        '"AMT_CREDIT": ' + json.dumps(record["AMT_CREDIT"]), '"AMT_CREDIT": NaN'
    )
    text = text.replace('"AMT_ANNUITY": ' + json.dumps(record["AMT_ANNUITY"]), '"AMT_ANNUITY": Infinity')
    res = client.post("/predict", content=text, headers={"content-type": "application/json"})
    assert res.status_code == 422
    assert {d["field"] for d in res.json()["detail"]} == {"AMT_CREDIT", "AMT_ANNUITY"}


def test_missing_fields_all_reported(client, record):
    partial = {k: v for k, v in record.items() if k not in ("AMT_CREDIT", "EXT_SOURCE_3")}
    res = client.post("/predict", json=partial)
    assert res.status_code == 422
    assert sorted(d["field"] for d in res.json()["detail"]) == ["AMT_CREDIT", "EXT_SOURCE_3"]


def test_nulls_accepted_except_required(client, record):
    required = {"SK_ID_CURR", "AMT_CREDIT", "AMT_ANNUITY", "AMT_INCOME_TOTAL", "DAYS_BIRTH"}
    res = client.post("/predict", json={k: (v if k in required else None) for k, v in record.items()})
    assert res.status_code == 200
    res = client.post("/predict", json={k: (v if k == "SK_ID_CURR" else None) for k, v in record.items()})
    assert res.status_code == 422
    assert {d["field"] for d in res.json()["detail"]} == required - {"SK_ID_CURR"}
    assert all(d["problem"].startswith("insufficient data") for d in res.json()["detail"])


@pytest.mark.parametrize(
    ("content", "status", "problem"),
    [
        (b"{not json", 400, "invalid JSON"),
        (b"", 422, "empty body"),
        (b"[1, 2]", 422, "expected an object"),
        (b'"text"', 422, "expected an object"),
        (b"\xff\xfe", 400, "invalid JSON"),
    ],
)
def test_malformed_bodies(client, content, status, problem):
    res = client.post("/predict", content=content, headers={"content-type": "application/json"})
    assert res.status_code == status
    assert problem in res.json()["detail"][0]["problem"]
    assert "Traceback" not in res.text


def test_batch_scores_valid_and_reports_invalid(client, record):
    clients = [record, {**record, "CODE_GENDER": "?"}, {**record, "SK_ID_CURR": 7}]
    body = client.post("/predict/batch", json={"clients": clients}).json()
    assert body["n"] == 3 and body["n_scored"] == 2
    assert [r["row"] for r in body["results"]] == [1, 3] and body["results"][1]["SK_ID_CURR"] == 7
    assert {(e["row"], e["field"]) for e in body["errors"]} == {(2, "CODE_GENDER")}
    assert client.post("/predict/batch", json=[record]).json()["n_scored"] == 1


def test_batch_items_that_are_not_objects_are_a_422_naming_their_rows(client, record):
    res = client.post("/predict/batch", json={"clients": [record, "oops", None, 3]})
    assert res.status_code == 422
    assert [(d["row"], d["field"]) for d in res.json()["detail"]] == [
        (2, "(record)"),
        (3, "(record)"),
        (4, "(record)"),
    ]
    assert "got a text" in res.json()["detail"][0]["problem"]


def test_batch_bounds_and_shape(toy_bundle, record, monkeypatch):
    monkeypatch.setenv("MAX_BATCH_ROWS", "3")
    from fastapi.testclient import TestClient

    with TestClient(create_app(bundle=toy_bundle, settings=load_settings())) as small:
        res = small.post("/predict/batch", json={"clients": [record] * 4})
        assert res.status_code == 413 and "at most 3" in res.json()["detail"][0]["problem"]
        res = small.post("/predict/batch", json={"clients": "all"})
        assert res.status_code == 422
        big = json.dumps({"clients": [record] * 2, "pad": "x" * 2_000_000})
        res = small.post("/predict/batch", content=big, headers={"content-type": "application/json"})
        assert res.status_code == 413


def test_openapi_shows_a_real_example(client, toy_bundle):
    spec = client.get("/openapi.json").json()
    body = spec["paths"]["/predict"]["post"]["requestBody"]["content"]["application/json"]
    assert set(body["example"]) == {"SK_ID_CURR", *toy_bundle.schema.names}
    record_schema = spec["components"]["schemas"]["Application"]
    assert record_schema["additionalProperties"] is False
    assert client.get("/docs").status_code == 200
    # the example in the docs is accepted as is
    assert client.post("/predict", json=body["example"]).status_code == 200


def test_unknown_route_and_method(client):
    assert client.get("/nope").status_code == 404
    assert client.get("/predict").status_code == 405


def test_application_bundle_takes_raw_applications(app_client, app_bundle, application):
    body = app_client.post("/predict", json=application).json()
    # the credit history comes from the client store, which does not hold the bundle's reference clients
    assert body["history"] == "none" and body["client_id"] == application["SK_ID_CURR"]
    stored = app_client.app.state.store.clients.search("", 1)[0]
    known = app_client.post("/predict", json={"SK_ID_CURR": stored}).json()
    assert known["history"] == "known" and known["client_id"] == stored and known["decision_id"]
    assert body["missing_fields"] == [n for n, v in application.items() if v is None and n != "SK_ID_CURR"]
    new = app_client.post("/predict", json={**application, "SK_ID_CURR": 424242}).json()
    assert new["history"] == "none"
    assert any(
        r["feature"] == "CREDIT_HISTORY"
        for r in new["reasons"]["toward_default"] + new["reasons"]["toward_repayment"]
    )
    res = app_client.post("/predict", json={**application, "CREDIT_TERM_RATIO": 0.1})
    assert (
        res.status_code == 422 and res.json()["detail"][0]["field"] == "CREDIT_TERM_RATIO"
    )  # derived: computed
    spec = app_client.get("/openapi.json").json()
    props = spec["components"]["schemas"]["Application"]["properties"]
    assert set(props) == {"SK_ID_CURR", *(s.name for s in app_bundle.schema.inputs)}


def test_openapi_declares_what_the_api_accepts(app_client, application):
    spec = app_client.get("/openapi.json").json()
    record = spec["components"]["schemas"]["Application"]
    flag = next(n for n, v in application.items() if isinstance(v, bool))
    assert {"type": "integer", "enum": [0, 1], "description": "1 for true, 0 for false"} in record[
        "properties"
    ][flag]["anyOf"]
    assert app_client.post("/predict", json={**application, flag: 1}).status_code == 200
    assert {"AMT_CREDIT", "AMT_ANNUITY", "AMT_INCOME_TOTAL", "DAYS_BIRTH"} <= set(record["required"])
    batch = spec["paths"]["/predict/batch"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert batch["oneOf"][1]["required"] == ["clients"] and batch["oneOf"][0]["items"]["type"] == "object"
    assert app_client.post("/predict/batch", json={}).status_code == 422
    responses = spec["paths"]["/predict"]["post"]["responses"]
    assert {"413", "415", "422"} <= set(responses)
    assert responses["422"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorResponse"
    }
    assert "HTTPValidationError" not in spec["components"]["schemas"]


def test_an_integral_float_id_is_read_exactly_from_the_json_text(app_client, application):
    text = json.dumps({**application, "SK_ID_CURR": 1}).replace(
        '"SK_ID_CURR": 1', '"SK_ID_CURR": 9007199254740993.0'
    )
    res = app_client.post("/predict", content=text, headers={"content-type": "application/json"})
    assert res.status_code == 200 and res.json()["client_id"] == 9007199254740993  # not ...992
    res = app_client.post("/predict", json={**application, "SK_ID_CURR": 22400.5})
    assert res.status_code == 422 and res.json()["detail"][0]["field"] == "SK_ID_CURR"


def test_per_route_body_limits(app_client, application):
    big = json.dumps({**application, "pad": "x" * 150_000})
    res = app_client.post("/predict", content=big, headers={"content-type": "application/json"})
    assert res.status_code == 413 and "the limit of /predict" in res.json()["detail"][0]["problem"]
    res = app_client.post("/predict/batch", content=f"[{big}]", headers={"content-type": "application/json"})
    assert res.status_code == 200 and res.json()["errors"][0]["field"] == "pad"  # a batch may be larger
