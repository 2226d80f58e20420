"""Where officers and analysts meet the points score, the grey zone and the fairness audit."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

import core
import core.config
from core.monitoring import fairness as audit
from core.serving.review import GreyZone
from dashboard.state import LAST_DECISION, LAST_RESULT, REVIEW_REASON
from tests.dashboard.conftest import OFFICER, load, stored_ids, submit, texts

LABELLED = Path(__file__).resolve().parents[2] / "examples" / "labelled_sample.csv"


@pytest.fixture()
def everything_reviewed(monkeypatch):
    """A grey zone covering every probability (REVIEW_BAND=0,1): every decision goes to review."""
    monkeypatch.setenv("REVIEW_BAND", "0,1")
    core.config.get_settings.cache_clear()


def _review_button(at):
    return next(
        b for b in at.button if b.label in ("Record the final decision", "Enregistrer la décision finale")
    )


def test_the_score_page_shows_points_and_closes_a_grey_zone_case(everything_reviewed, page, stored):
    at = page("score.py")
    load(at, stored_ids(stored)[3])
    submit(at)
    result, logged = at.session_state[LAST_RESULT], at.session_state[LAST_DECISION]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Points score"] == f"{result.points_score:,}" and result.points_band in "ABCDE"
    assert result.review_status == "to_review"
    body = texts(at)
    assert "Human review required" in body and "grey zone" in body
    assert stored.log.get(logged.decision_id).review_status == "to_review"
    _review_button(at).click().run()  # no reason: nothing recorded, the officer is told why
    assert any("Give the reason" in e.value for e in at.error)
    at.text_area(key=REVIEW_REASON).input("bank statements checked")  # in the form: sent on submit
    _review_button(at).click().run()
    assert not at.exception
    assert any("Final decision recorded" in s.value for s in at.success)
    closed = stored.log.review_queue(status="closed")
    assert closed["decision_id"].tolist() == [logged.decision_id]
    assert closed["review_note"].tolist() == ["bank statements checked"] and closed["reviewer"].tolist() == [
        OFFICER
    ]
    assert closed["closed_kind"].tolist() == ["review"]  # the model's decision confirmed (the default choice)


def test_the_review_queue_lists_open_cases_and_closes_one(
    page, stored, app_bundle, use_bundle, app_bundle_dir
):
    use_bundle(app_bundle_dir)
    desk = core.DecisionDesk(
        core.ScoringService(
            app_bundle, history=stored.history, grey_zone=GreyZone(0.0, 1.0, "configured", 0.9)
        ),
        stored,
    )
    ids = [
        desk.decide(
            stored.clients.application(i), channel="api", actor=core.Actor(OFFICER, False)
        ).logged.decision_id
        for i in stored_ids(stored)[:3]
    ]
    at = page("reviews.py", "fr")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Dossiers ouverts"] == "3" and metrics["Dossiers clos"] == "0"
    table = at.dataframe[0].value
    assert len(table) == 3 and set(table["id"]) == {i[:8] for i in ids}
    at.text_area(key=REVIEW_REASON).input("revenus vérifiés")
    other = "REFUSED"
    at.segmented_control(key="review_choice_queue_fr").set_value(other)
    _review_button(at).click().run()
    assert not at.exception
    assert any("Décision finale enregistrée" in s.value for s in at.success)
    assert len(stored.log.review_queue()) == 2
    done = stored.log.review_queue(status="closed").iloc[0]
    assert done["final_decision"] == other and done["review_note"] == "revenus vérifiés"
    assert {m.label: m.value for m in at.metric}["Dossiers ouverts"] == "2"


def test_the_fairness_page_shows_the_audit_of_the_validation_set(page, app_bundle):
    at = page("fairness.py")
    assert not at.exception
    expected = audit.fairness_audit(
        audit.validation_population(app_bundle), "CODE_GENDER", threshold=app_bundle.threshold
    )
    ratios = [m.value for m in at.metric if m.label == "Lowest approval-rate ratio"]
    assert ratios[0] == f"{expected.min_ratio:.2f}" and len(ratios) == 2  # gender and age band
    body = texts(at)
    assert "Acceptance rate by group" in body and "four-fifths" in body
    table = at.dataframe[0].value
    assert list(table["Clients"]) == expected.table["count"].tolist()


def test_the_fairness_page_audits_an_uploaded_labelled_file_in_french(page):
    at = page("fairness.py", "fr")
    at.radio(key="fair_source__fr").set_value("upload").run()
    at.file_uploader[0].upload("labelled.csv", LABELLED.read_bytes(), "text/csv").run()
    assert not at.exception, at.exception
    body = texts(at)
    assert "Taux d'acceptation par groupe" in body and "demandes du fichier" in body
    table = at.dataframe[0].value
    assert "TVP (défaillants refusés)" in table.columns and table["Clients"].sum() <= 549
    at.selectbox(key="fair_other__fr").set_value("NAME_EDUCATION_TYPE").run()
    assert len([m for m in at.metric if m.label.startswith("Plus petit rapport")]) == 3


def test_a_file_without_outcomes_is_refused_by_name(page):
    at = page("fairness.py")
    at.radio(key="fair_source__en").set_value("upload").run()
    frame = pd.read_csv(LABELLED).drop(columns=["TARGET"])
    buf = io.StringIO()
    frame.to_csv(buf, index=False)
    at.file_uploader[0].upload("nolabel.csv", buf.getvalue().encode(), "text/csv").run()
    assert any("no TARGET column" in e.value for e in at.error)


def test_the_model_card_states_the_sensitive_inputs_and_the_audit(page):
    at = page("model_card.py")
    body = texts(at)
    assert "Sensitive attributes and fairness" in body
    assert "The model reads these sensitive attributes as inputs" in body
    assert "lowest approval-rate ratio" in body


def test_the_batch_page_shows_points_bands_and_review_status(everything_reviewed, page, stored):
    at = page("batch.py")
    frame = pd.DataFrame([stored.clients.application(i) for i in stored_ids(stored, 6)]).astype(object)
    buf = io.StringIO()
    frame.to_csv(buf, index=False)
    at.file_uploader[0].upload("applications.csv", buf.getvalue().encode(), "text/csv").run()
    assert not at.exception
    assert any("6 application(s)" in w.value and "grey zone" in w.value for w in at.warning)
    table = at.dataframe[0].value
    assert set(table["review_status"]) == {"To review"}
    assert (
        table["points_band"].str.match(r"^[A-E] — ").all() and table["points_score"].between(300, 850).all()
    )
    assert len(stored.log.review_queue()) == 6
