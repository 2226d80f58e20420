"""POST /recourse and GET /decisions/{id}/letter on the real server (uvicorn, demo bundle, fresh store)."""

from __future__ import annotations

import io
import os
import sys

import httpx
import pytest

from core import DEMO_BUNDLE_DIR, ScoringService, load_bundle
from core.serving.recourse import RecourseFinder
from tests.api.test_server import free_port, start


@pytest.fixture(scope="module")
def demo_service():
    return ScoringService(load_bundle(DEMO_BUNDLE_DIR))


def _new(service: ScoringService, client_id: int) -> dict:
    """A reference client's application sent as a new applicant's (the server's fresh store holds no
    history: without an id, both sides score it without one)."""
    return {k: v for k, v in service.record_of(client_id).items() if k != "SK_ID_CURR"}


def _refused_with_recourse(service: ScoringService) -> dict:
    finder = RecourseFinder(service)
    for client_id in service.known_ids()[:60]:
        record = _new(service, client_id)
        if finder.find(record).status == "found":
            return record
    raise AssertionError("no refused reference client with recourse")


def test_recourse_over_http_flips_the_decision_and_is_logged(tmp_path, demo_service):
    record = _refused_with_recourse(demo_service)
    accepted = next(
        r for i in demo_service.known_ids()[:40]
        if demo_service.score(r := _new(demo_service, i), explain=False).decision == "ACCEPTED"
    )  # fmt: skip
    port = free_port()
    env = {
        **os.environ, "BUNDLE_DIR": str(DEMO_BUNDLE_DIR), "STORE_PATH": str(tmp_path / "store.db"),
        "DEMO_STORE_CLIENTS": "0",
    }  # fmt: skip
    proc = start([sys.executable, "-m", "uvicorn", "api.main:app", "--port", str(port)], port, env)
    try:
        base = f"http://127.0.0.1:{port}"
        res = httpx.post(f"{base}/recourse", json=record, timeout=30)
        assert res.status_code == 200, res.text
        body = res.json()
        assert body["decision"] == "REFUSED" and 1 <= len(body["recourse"]) <= 3
        assert len({tuple(c["field"] for c in o["changes"]) for o in body["recourse"]}) == len(
            body["recourse"]
        )
        for option in body["recourse"]:
            changed = {**record, **{c["field"]: c["proposed"] for c in option["changes"]}}
            again = httpx.post(f"{base}/predict", json=changed, timeout=30).json()
            assert again["decision"] == "ACCEPTED" and again["probability"] == option["probability"]
            assert option["text_fr"].startswith("Avec ") and option["text_en"].startswith("With ")
        logged = httpx.get(f"{base}/decisions/{body['decision_id']}", timeout=30).json()
        assert [o["changes"] for o in logged["recourse"]] == [o["changes"] for o in body["recourse"]]
        assert all("recourse" not in r for r in logged["reasons"])
        assert httpx.post(f"{base}/predict", json=record, timeout=30).json()["recourse"] is None
        ok = httpx.post(f"{base}/recourse", json=accepted, timeout=30).json()
        assert ok["decision"] == "ACCEPTED" and ok["recourse"] == []
        bad = httpx.post(f"{base}/recourse", json={**record, "AMT_CREDIT": -5}, timeout=30)
        assert bad.status_code == 422 and "AMT_CREDIT" in bad.text
        letter = httpx.get(
            f"{base}/decisions/{body['decision_id']}/letter", params={"lang": "en"}, timeout=30
        )
        assert letter.status_code == 200 and letter.headers["content-type"] == "application/pdf"
        assert body["decision_id"][:8] in letter.headers["content-disposition"]
        from pypdf import PdfReader

        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(letter.content)).pages)
        assert body["decision_id"] in text and "human review" in text
        missing = httpx.get(f"{base}/decisions/{'0' * 32}/letter", timeout=30)
        assert missing.status_code == 404
    finally:
        proc.terminate()
        proc.communicate(timeout=30)
