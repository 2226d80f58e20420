"""The grey zone over real HTTP: a case scored into the band is listed by GET /reviews and closed by POST."""

from __future__ import annotations

import os
import sys

import httpx
import pytest

import core
from core import ScoringService
from tests.api.test_server import free_port, start


@pytest.fixture()
def server(toy_bundle_dir, tmp_path):
    """uvicorn on the toy bundle, every probability in the grey zone (REVIEW_BAND=0,1)."""
    port = free_port()
    env = {
        **os.environ, "BUNDLE_DIR": str(toy_bundle_dir), "REVIEW_BAND": "0,1",
        "STORE_PATH": str(tmp_path / "store.sqlite"), "DEMO_STORE_CLIENTS": "0",
    }  # fmt: skip
    cmd = [sys.executable, "-m", "uvicorn", "api.main:app", "--host", "127.0.0.1", "--port", str(port)]
    proc = start(cmd, port, env)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.communicate(timeout=30)


def test_a_case_in_the_grey_zone_is_listed_then_closed(server, toy_bundle):
    record = ScoringService(toy_bundle).example_record()
    scored = httpx.post(f"{server}/predict", json=record).json()
    assert scored["review_status"] == "to_review" and scored["decision"] in ("ACCEPTED", "REFUSED")
    assert isinstance(scored["points_score"], int) and scored["points_band"] in list("ABCDE")
    batch = httpx.post(f"{server}/predict/batch", json=[record]).json()
    assert batch["results"][0]["review_status"] == "to_review"
    assert batch["results"][0]["points_score"] == scored["points_score"]
    queue = httpx.get(f"{server}/reviews").json()
    assert {i["decision_id"] for i in queue["items"]} == {
        scored["decision_id"],
        batch["results"][0]["decision_id"],
    }
    did = scored["decision_id"]
    no_reason = httpx.post(f"{server}/reviews/{did}", json={"decision": "ACCEPTED", "reason": ""})
    assert no_reason.status_code == 422 and "reason" in no_reason.text
    other = "REFUSED" if scored["decision"] == "ACCEPTED" else "ACCEPTED"
    closed = httpx.post(f"{server}/reviews/{did}", json={"decision": other, "reason": "income proof checked"})
    assert closed.status_code == 200, closed.text
    body = closed.json()
    assert body["overrides"] == did and body["decision"] == other and body["kind"] == "override"
    again = httpx.post(f"{server}/reviews/{did}", json={"decision": other, "reason": "twice"})
    assert again.status_code == 409 and "already closed" in again.text
    assert httpx.get(f"{server}/decisions/{did}").json()["review_status"] == "reviewed"
    left = httpx.get(f"{server}/reviews").json()["items"]
    assert [i["decision_id"] for i in left] == [batch["results"][0]["decision_id"]]
    closed_items = httpx.get(f"{server}/reviews", params={"status": "closed"}).json()["items"]
    assert closed_items[0]["review_note"] == "income proof checked" and closed_items[0]["reviewer"]
    assert httpx.post(f"{server}/reviews/0123", json={"decision": other, "reason": "x"}).status_code == 404
    assert httpx.get(f"{server}/decisions/verify").json()["ok"]


def test_a_band_that_misses_the_threshold_is_a_configuration_error(toy_bundle, monkeypatch):
    monkeypatch.setenv("REVIEW_BAND", "0.99,1")
    core.config.get_settings.cache_clear()
    with pytest.raises(core.ConfigError, match="REVIEW_BAND"):
        ScoringService(toy_bundle)
    core.config.get_settings.cache_clear()
