"""The grey zone in the decision log: a case is marked with its decision, listed, then closed by a new row."""

from __future__ import annotations

import pytest

import core
from core.serving.review import GreyZone
from core.store import Actor, DecisionDesk, Store

OFFICER = Actor("officer-1", authenticated=True)


def _desk(app_bundle, url: str) -> DecisionDesk:
    """A desk whose grey zone is every probability (0 to 1): every decision goes to review."""
    store = Store.open(url)
    zone = GreyZone(0.0, 1.0, "configured", 0.9)
    service = core.ScoringService(app_bundle, history=store.history, grey_zone=zone)
    return DecisionDesk(service, store)


def _record(service: core.ScoringService) -> dict:
    return service.example_record()


def test_a_grey_zone_case_is_marked_then_closed_by_a_review_row(app_bundle, db_url):
    desk = _desk(app_bundle, db_url)  # a band covering every probability: every case goes to review
    log = desk.store.log
    decided = desk.decide(_record(desk.service), channel="api", actor=OFFICER)
    assert decided.result.review_status == "to_review"
    assert log.get(decided.logged.decision_id).review_status == "to_review"
    queue = log.review_queue()
    assert queue["decision_id"].tolist() == [decided.logged.decision_id]
    assert queue["status"].tolist() == ["open"] and "review band" in queue["review_reason"].iloc[0]
    with pytest.raises(core.DecisionLogError, match="needs a reason"):
        log.close_review(
            decided.logged.decision_id, decision="ACCEPTED", reason="  ", actor=OFFICER, channel="api"
        )
    model = decided.result.decision
    other = "REFUSED" if model == "ACCEPTED" else "ACCEPTED"
    closed = log.close_review(
        decided.logged.decision_id,
        decision=other,
        reason="payslips checked",
        actor=OFFICER,
        channel="dashboard",
    )
    assert closed.kind == "override" and closed.overrides == decided.logged.decision_id
    assert closed.override_reason == "payslips checked" and closed.decision == other
    assert log.review_queue().empty
    done = log.review_queue(status="closed")
    assert done["final_decision"].tolist() == [other] and done["reviewer"].tolist() == ["officer-1"]
    assert log.get(decided.logged.decision_id).review_status == "reviewed"
    assert log.get(decided.logged.decision_id).overridden_by == [closed.decision_id]
    with pytest.raises(core.DecisionLogError, match="already closed"):
        log.close_review(
            decided.logged.decision_id, decision=model, reason="again", actor=OFFICER, channel="api"
        )
    counts = log.summary()
    assert (counts["decisions"], counts["sent_to_review"], counts["overrides"], counts["overridden"]) == (
        1,
        1,
        1,
        1,
    )
    assert log.verify().ok  # the chain holds the marks and the closing row
    rows = log.records(limit=10)
    assert [r.kind for r in rows] == ["override", "review_open", "decision"]


def test_confirming_the_model_is_a_review_row_not_an_override(app_bundle, tmp_path):
    desk = _desk(app_bundle, f"sqlite:///{tmp_path / 's.sqlite'}")
    log = desk.store.log
    decided = desk.decide(_record(desk.service), channel="api", actor=OFFICER)
    closed = log.close_review(
        decided.logged.decision_id, decision=decided.result.decision, reason="as the model says",
        actor=OFFICER, channel="api",
    )  # fmt: skip
    assert closed.kind == "review"
    table = log.table()
    row = table[table["decision_id"] == decided.logged.decision_id].iloc[0]
    assert not row["overridden"] and row["final_decision"] == decided.result.decision
    assert log.summary()["reviews"] == 1 and log.summary()["overridden"] == 0


def test_outside_the_band_nothing_is_marked(app_bundle, tmp_path):
    store = Store.open(f"sqlite:///{tmp_path / 's.sqlite'}")
    t = app_bundle.threshold
    zone = GreyZone(t, t, "configured", 0.9)  # an empty band
    desk = DecisionDesk(core.ScoringService(app_bundle, history=store.history, grey_zone=zone), store)
    decided = desk.decide(_record(desk.service), channel="cli", actor=OFFICER)
    assert decided.result.review_status == "not_required"
    assert store.log.review_queue().empty and store.log.count() == 1
    with pytest.raises(core.DecisionLogError, match="not sent to review"):
        store.log.close_review(decided.logged.decision_id, decision="ACCEPTED", reason="x", actor=OFFICER,
                               channel="api")  # fmt: skip
    # an override on a decision that was never in review still works as before
    other = "REFUSED" if decided.result.decision == "ACCEPTED" else "ACCEPTED"
    store.log.override(
        decided.logged.decision_id, decision=other, reason="known client", actor=OFFICER, channel="api"
    )


def test_a_batch_marks_its_grey_zone_rows_in_the_same_transaction(app_bundle, tmp_path):
    desk = _desk(app_bundle, f"sqlite:///{tmp_path / 's.sqlite'}")
    records = [_record(desk.service), _record(desk.service), {"SK_ID_CURR": 5}]
    decided = desk.decide_records(records, channel="api", actor=OFFICER)
    assert decided.to_review == 2 and decided.logged == 3  # two decisions, one refused input
    assert decided.batch.results["review_status"].tolist() == ["to_review", "to_review"]
    assert sorted(desk.store.log.review_queue()["decision_id"]) == sorted(decided.decision_ids)
    assert desk.store.log.verify().ok
