"""The store in the dashboard: look-up of any stored client, decisions recorded and overridden, the decision
log page, the monitoring page, and who is deciding (open mode and Streamlit authentication)."""

from __future__ import annotations

import io
import sqlite3

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import core
from dashboard import identity
from dashboard.forms import parse_amount
from dashboard.state import (
    AMOUNT_FIELDS,
    CLIENT_ID,
    FORM_GENERATION,
    LAST_DECISION,
    LAST_RESULT,
    OFFICER_NAME,
    OVERRIDE_REASON,
)
from tests.dashboard.conftest import DASHBOARD, OFFICER, load, stored_ids, submit, texts, widget


def _override_button(at: AppTest):
    return next(b for b in at.button if b.label.startswith(("Record:", "Enregistrer :")))


def _rows(path, sql: str) -> list[tuple]:
    with sqlite3.connect(path) as conn:
        return conn.execute(sql).fetchall()


# ----------------------------------------------------------------------------- look-up


def test_look_up_a_stored_client_fills_the_form_scores_and_records(page, stored, store_service, store_path):
    at = page("score.py")
    cid = stored_ids(stored)[4]
    at.text_input(key="lookup_text").input(str(cid)[:-1]).run()  # typing: suggestions follow the digits
    suggestions = at.selectbox(key="lookup_id").options
    assert str(cid) in suggestions and all(s.startswith(str(cid)[:-1]) for s in suggestions)
    load(at, cid)
    assert at.session_state[CLIENT_ID] == cid and isinstance(at.session_state[CLIENT_ID], int)
    assert widget(at, "AMT_CREDIT").value  # the stored application is in the form
    body = texts(at)
    assert f"Credit history of client {cid}" in body
    assert any("instalments" in c.value for c in at.caption)  # the charts' text alternatives
    submit(at)
    assert not at.exception and not at.error
    result, logged = at.session_state[LAST_RESULT], at.session_state[LAST_DECISION]
    expected = store_service.score(stored.clients.application(cid))
    assert result.history == "known" and result.client_id == cid
    assert result.probability == pytest.approx(expected.probability, rel=1e-12)
    assert any(logged.decision_id[:8] in c.value for c in at.caption)  # the short id under the result
    rows = _rows(
        store_path,
        "SELECT decision_id, client_id, channel, kind, officer, authenticated, decision FROM decisions",
    )
    assert rows == [(logged.decision_id, cid, "dashboard", "decision", OFFICER, 0, result.decision)]


def test_a_change_of_language_keeps_the_loaded_application(page, stored, store_service):
    """The form is drawn again in the new language (new widget keys: the browser would keep the old
    option labels) with every value as it was; the score is the stored client's."""
    at = page("score.py", "fr")
    cid = stored_ids(stored)[3]
    load(at, cid)
    prefix = f"form__{at.session_state[FORM_GENERATION]}__"
    kinds = ("text_input", "number_input", "selectbox", "segmented_control", "checkbox")
    names = [
        w.key[len(prefix) :] for kind in kinds for w in getattr(at, kind) if str(w.key).startswith(prefix)
    ]
    before = {n: widget(at, n).value for n in names}
    assert len(before) > 10 and before["AMT_CREDIT"] and before["NAME_EDUCATION_TYPE"]
    generation = at.session_state[FORM_GENERATION]
    at.radio(key="lang").set_value("en").run()
    assert not at.exception
    assert at.session_state[FORM_GENERATION] == generation + 1
    after = {n: widget(at, n).value for n in before}
    amounts = set(at.session_state[AMOUNT_FIELDS])
    assert {n: v for n, v in after.items() if n not in amounts} == {
        n: v for n, v in before.items() if n not in amounts
    }
    # the amounts are the same numbers, written the English way
    assert after["AMT_CREDIT"] != before["AMT_CREDIT"] and "," in after["AMT_CREDIT"]
    assert all(parse_amount(after[n]) == parse_amount(before[n]) for n in amounts & before.keys())
    education = widget(at, "NAME_EDUCATION_TYPE")
    assert "Higher education" in education.options and "Études supérieures" not in education.options
    submit(at)
    result = at.session_state[LAST_RESULT]
    assert result.client_id == cid
    assert result.probability == pytest.approx(
        store_service.score(stored.clients.application(cid)).probability, rel=1e-12
    )


def test_choosing_a_suggestion_loads_the_client(page, stored):
    at = page("score.py", "fr")
    cid = stored_ids(stored)[2]
    at.text_input(key="lookup_text").input(str(cid)[:4]).run()
    at.selectbox(key="lookup_id").set_value(cid).run()
    assert at.session_state[CLIENT_ID] == cid
    assert f"Historique de crédit du client {cid}" in texts(at)


def test_an_unknown_id_is_named_in_a_message(page):
    at = page("score.py")
    load(at, 123)
    assert any("No client with id 123 in the store" in e.value for e in at.error)
    assert at.session_state[CLIENT_ID] is None


def test_a_new_applicant_is_still_scored_and_recorded_without_history(page, stored):
    at = page("score.py")
    for name, value in {
        "AMT_INCOME_TOTAL": "36 000",
        "AMT_CREDIT": "450 000",
        "AMT_ANNUITY": "22 500",
    }.items():
        widget(at, name).input(value)
    widget(at, "DAYS_BIRTH").set_value(41.0)
    submit(at)
    assert not at.error and at.session_state[LAST_RESULT].history == "none"
    assert stored.log.count(kind="decision") == 1


def test_a_refused_input_is_logged_and_shown_as_field_errors(page, stored):
    at = page("score.py")
    widget(at, "AMT_CREDIT").input("450 000")
    submit(at)
    assert "problem(s)" in "\n".join(e.value for e in at.error)
    assert stored.log.count(kind="refused_input") == 1 and stored.log.count(kind="decision") == 0


def test_no_decision_without_a_name_in_open_mode(page, stored):
    at = page("score.py")
    at.session_state[OFFICER_NAME] = ""
    load(at, stored_ids(stored)[0])
    submit(at)
    assert any("Enter your name in the sidebar" in e.value for e in at.error)
    assert stored.log.count() == 0
    assert any("Open mode, without authentication" in w.value for w in at.sidebar.warning)


# ----------------------------------------------------------------------------- override


def test_an_override_needs_a_reason_then_is_recorded_with_who_and_why(page, stored, store_path):
    at = page("score.py")
    load(at, stored_ids(stored)[1])
    submit(at)
    logged = at.session_state[LAST_DECISION]
    _override_button(at).click().run()  # no reason
    assert any("A reason is required" in e.value for e in at.error)
    assert stored.log.count(kind="override") == 0
    at.text_area(key=OVERRIDE_REASON).input("Guarantor documents received")  # in the form: sent on submit
    _override_button(at).click().run()
    assert not at.error, [e.value for e in at.error]
    other = "REFUSED" if logged.decision == "ACCEPTED" else "ACCEPTED"
    rows = _rows(
        store_path,
        "SELECT overrides, decision, override_reason, officer FROM decisions WHERE kind='override'",
    )
    assert rows == [(logged.decision_id, other, "Guarantor documents received", OFFICER)]
    done = "\n".join(s.value for s in at.success)
    assert f"Decision changed to **{other}**" in done and OFFICER in done and "UTC" in done
    assert any("Guarantor documents received" in m.value for m in at.markdown)


# ----------------------------------------------------------------------------- decisions page


@pytest.fixture()
def logged_decisions(stored, store_service):
    """Five dashboard decisions and one API decision overridden, in the test's store (no grey zone: the
    rows counted here are decisions and overrides; review rows are tested in test_fair_pages)."""
    service = core.ScoringService(store_service.bundle, history=stored.history, grey_zone=None)
    desk = core.DecisionDesk(service, stored)
    officer = core.Actor("Claire", authenticated=False, role="analyst")
    ids = stored_ids(stored, 6)
    made = [desk.decide_client(i, channel="dashboard", actor=officer) for i in ids[:5]]
    api = desk.decide_client(
        ids[5], channel="api", actor=core.Actor("svc", authenticated=True, role="officer")
    )
    other = "REFUSED" if made[0].result.decision == "ACCEPTED" else "ACCEPTED"
    stored.log.override(made[0].logged.decision_id, decision=other, reason="=HYPERLINK(1)", actor=officer,
                        channel="dashboard")  # fmt: skip
    return made, api


def test_decisions_page_counts_filters_and_details(page, logged_decisions):
    made, api = logged_decisions
    at = page("decisions.py")
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Decisions"] == "6" and metrics["Overrides"] == "1"
    rate = next(
        m for m in at.metric if m.label == "Acceptance rate"
    )  # the model's, and the final one beside it
    assert rate.delta is not None and rate.delta.startswith("after overrides: ") and rate.delta != rate.value
    table = at.dataframe[0].value
    assert len(table) == 7 and set(table["kind"]) == {"Decision", "Override"}
    assert "ACCEPTED" in set(table["decision"]) | set(table["final"])  # words, not codes only
    override = table[table["kind"] == "Override"].iloc[0]
    model = made[0].result.decision  # the Model column of an override row: the decision it overrode
    assert override["decision"] == model and override["final"] != model
    at.selectbox(key="dec_channel__en").select_index(2).run()  # API (options: all, dashboard, api, cli)
    assert len(at.dataframe[0].value) == 1
    assert at.dataframe[0].value["client"].iloc[0] == str(api.result.client_id)
    at.selectbox(key="dec_channel__en").select_index(0).run()
    at.selectbox(key="dec_overridden__en").select_index(1).run()  # yes
    assert at.dataframe[0].value["id"].tolist() == [made[0].logged.decision_id[:8]]
    at.text_input(key="dec_client").input(str(made[2].result.client_id)).run()
    assert not at.dataframe and any("No row of the log" in i.value for i in at.info)
    at.selectbox(key="dec_overridden__en").select_index(0).run()
    assert len(at.dataframe[0].value) == 1
    at.text_input(key="dec_client").input("").run()
    at.text_input(key="decision_detail_id").input(made[0].logged.decision_id[:8]).run()
    body = texts(at)
    assert f"Decision no. {made[0].logged.decision_id[:8]}" in body
    assert "Overridden by row no." in "\n".join(w.value for w in at.warning) and "=HYPERLINK(1)" in body
    assert [t.label for t in at.tabs] == [
        "Top reasons",
        "Application as received",
        "Features scored",
        "Model and hashes",
    ]
    assert "Decision letter (PDF)" in [b.label for b in at.get("download_button")]


def test_a_filter_chosen_in_french_is_kept_in_english(page, logged_decisions):
    """The filters' option labels are words of the interface: a change of language draws them again in
    the new language (the browser would keep the old labels) and keeps what the officer chose."""
    made, api = logged_decisions
    at = page("decisions.py", "fr")
    at.selectbox(key="dec_channel__fr").set_value("api").run()
    assert len(at.dataframe[0].value) == 1
    at.radio(key="lang").set_value("en").run()
    assert not at.exception
    chosen = at.selectbox(key="dec_channel__en")
    assert chosen.value == "api" and chosen.options[chosen.index] == "API"
    assert "Tous" not in at.selectbox(key="dec_decision__en").options  # English words only
    assert len(at.dataframe[0].value) == 1 and at.dataframe[0].value["client"].iloc[0] == str(
        api.result.client_id
    )
    at.selectbox(key="dec_channel__en").set_value("dashboard").run()
    at.radio(key="lang").set_value("fr").run()
    assert at.selectbox(key="dec_channel__fr").value == "dashboard"


def test_decisions_export_is_formula_neutralised(logged_decisions, stored):
    table = stored.log.table()
    csv = pd.read_csv(io.BytesIO(core.to_safe_csv(table)), dtype=str)
    assert len(csv) == 7 and "'=HYPERLINK(1)" in set(csv["override_reason"].dropna())


def test_a_long_log_shows_the_newest_rows_and_counts_every_one(page, stored):
    """More rows than the page draws: counts by SQL over all, the newest 5,000 drawn, an older row still
    found by its short id."""
    entries = [
        core.store.NewDecision(channel="api", kind="decision", officer="Claire", authenticated=False,
                         client_id=910_000_001 + i % 40, probability=i / 6000, threshold=0.5,
                         decision="REFUSED" if i % 4 == 0 else "ACCEPTED")
        for i in range(5_010)
    ]  # fmt: skip
    ids = stored.log.append_batch(entries)
    at = page("decisions.py")
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Decisions"] == "5,010" and metrics["Acceptance rate"] == "75.0%"
    table = at.dataframe[0].value
    assert len(table) == 5_000 and table["id"].iloc[0] == ids[-1][:8]
    assert any("The 5,000 newest rows are shown of 5,010" in c.value for c in at.caption)
    at.text_input(key="decision_detail_id").input(ids[0][:10]).run()  # the oldest row: not drawn
    assert f"Decision no. {ids[0][:8]}" in texts(at)
    at.selectbox(key="dec_decision__en").select_index(2).run()  # refused only
    assert {m.label: m.value for m in at.metric}["Decisions"] == "1,253"


def test_an_officer_sees_only_their_rows(page, logged_decisions, monkeypatch):
    monkeypatch.setattr(identity, "auth_configured", lambda: True)
    monkeypatch.setattr(identity, "signed_in_user", lambda: "svc")
    at = page("decisions.py")
    assert not at.exception
    assert len(at.dataframe[0].value) == 1 and set(at.dataframe[0].value["officer"]) == {"svc"}


# ----------------------------------------------------------------------------- monitoring page


def test_monitoring_from_the_log(page, logged_decisions):
    at = page("monitoring.py")
    assert not at.exception
    assert [w.value for w in at.main.warning] == [
        "Only 6 row(s) compared: below 100, a PSI mostly says chance. Widen the period."
    ]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Population compared"] == "6" and "Score PSI" in metrics
    psi = at.dataframe[0].value
    assert {"Feature", "PSI", "Reading"} <= set(psi.columns)
    assert set(psi["Reading"]) <= {"Stable (< 0.1)", "Watch (0.1–0.25)", "Shift (> 0.25)"}
    assert "Decisions per day" in texts(at) and "Response time per channel" in texts(at)
    n_all = len(psi)
    at.toggle(key="mon_app_only").set_value(True).run()
    assert len(at.dataframe[0].value) < n_all  # the history features are left out


def test_monitoring_from_an_uploaded_csv(page, stored):
    at = page("monitoring.py", "fr")
    at.segmented_control(key="mon_source__fr").set_value("file").run()
    frame = pd.DataFrame([stored.clients.application(i) for i in stored_ids(stored, 40)])
    buf = io.StringIO()
    frame.to_csv(buf, index=False)
    at.file_uploader[0].upload("apps.csv", buf.getvalue().encode(), "text/csv").run()
    assert not at.exception and not any("Rien à comparer" in w.value for w in at.main.warning)
    assert {m.label: m.value for m in at.metric}["Population comparée"] == "40"
    assert stored.log.count() == 0  # a comparison records nothing


def test_monitoring_with_an_empty_log_says_so(page):
    at = page("monitoring.py")
    assert any("Nothing to compare" in w.value for w in at.warning)


# ----------------------------------------------------------------------------- authentication


def test_auth_mode_requires_login(page, monkeypatch):
    monkeypatch.setattr(identity, "auth_configured", lambda: True)
    monkeypatch.setattr(identity, "signed_in_user", lambda: None)
    at = page("score.py")
    assert not at.exception
    assert any("Sign in to use the dashboard" in i.value for i in at.info)
    assert not at.get("form")  # nothing else of the page


def test_auth_mode_records_the_authenticated_user_and_role(page, stored, monkeypatch):
    monkeypatch.setattr(identity, "auth_configured", lambda: True)
    monkeypatch.setattr(identity, "signed_in_user", lambda: "Ana@Bank.example")
    monkeypatch.setenv("DASHBOARD_ANALYSTS", "ana@bank.example")
    at = page("score.py")
    at.session_state[OFFICER_NAME] = ""  # no name needed: the login says who
    assert any("Ana@Bank.example" in m.value and "analyst" in m.value for m in at.sidebar.markdown)
    load(at, stored_ids(stored)[0])
    submit(at)
    assert not at.error
    row = stored.log.get(at.session_state[LAST_DECISION].decision_id)
    assert row.officer == "Ana@Bank.example" and row.authenticated is True


def test_open_mode_when_secrets_have_no_auth_section():
    at = AppTest.from_file(str(DASHBOARD / "views" / "score.py"))
    at.secrets["other"] = "x"
    assert identity.auth_configured() is False
