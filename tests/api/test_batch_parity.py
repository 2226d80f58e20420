"""``/predict/batch`` (column-wise checks, one compact log write) answers and records what ``/predict``
does row by row."""

from __future__ import annotations

from core import ScoringService


def test_batch_equals_one_by_one_and_reads_back(app_client, app_bundle):
    service = ScoringService(app_bundle)
    apps = [service.record_of(i) for i in service.known_ids()[:12]]
    apps[3] = {**apps[3], "AMT_INCOME_TOTAL": "lots"}  # refused, reported, logged
    apps[7] = {**apps[7], "NAME_INCOME_TYPE": "Astronaut"}
    body = app_client.post("/predict/batch", json=apps).json()
    singles = [app_client.post("/predict", json=a) for a in apps]
    scored = [(i + 1, r.json()) for i, r in enumerate(singles) if r.status_code == 200]
    assert [r["row"] for r in body["results"]] == [row for row, _ in scored]
    for item, (_, one) in zip(body["results"], scored, strict=True):
        assert (item["probability"], item["decision"], item["SK_ID_CURR"]) == (
            one["probability"],
            one["decision"],
            one["client_id"],
        )
    refused = {e["row"]: e for e in body["errors"]}
    assert set(refused) == {4, 8} and refused[4]["field"] == "AMT_INCOME_TOTAL"
    assert [(e["field"], e["problem"]) for e in body["errors"] if e["row"] == 4] == [
        (p["field"], p["problem"]) for p in singles[3].json()["detail"]
    ]
    first = body["results"][0]
    logged = app_client.get(f"/decisions/{first['decision_id']}").json()
    one = app_client.get(f"/decisions/{scored[0][1]['decision_id']}").json()
    assert logged["application"] == one["application"] and logged["features"] == one["features"]
    assert logged["probability"] == one["probability"] and logged["kind"] == "decision"
