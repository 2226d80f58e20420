"""The scoring page under AppTest: a credit officer's application form, look-up, what-if, errors."""

from __future__ import annotations

import re

import pytest

import core
from dashboard import forms
from dashboard.state import CLIENT_ID, LAST_RESULT, LOOKUP_ID
from tests.dashboard.conftest import load, probability, stored_ids, submit, texts, widget

REQUIRED = {
    "AMT_INCOME_TOTAL": "36 000",
    "AMT_CREDIT": "450 000",
    "AMT_ANNUITY": "22 500",
    "DAYS_BIRTH": 41.0,
}


def _type(at, values: dict) -> None:
    for name, value in values.items():
        w = widget(at, name)
        (w.input(value) if hasattr(w, "input") and isinstance(value, str) else w.set_value(value))


def _load(at, client_id: int):
    """Feature bundles: a reference client chosen in the box."""
    at.selectbox(key=LOOKUP_ID).set_value(client_id).run()
    next(b for b in at.button if b.label in ("Load", "Charger")).click().run()
    return at


def _codes(schema: core.FeatureSchema) -> set[str]:
    return {*schema.names, *(s.name for s in schema.inputs)}


def _shown_codes(at, schema: core.FeatureSchema) -> list[str]:
    body = texts(at)
    return sorted(
        c for c in _codes(schema) if re.search(rf"(?<![A-Za-z0-9_]){re.escape(c)}(?![A-Za-z0-9_])", body)
    )


def test_a_new_application_starts_empty(page, app_bundle):
    at = page("score.py")
    assert not at.exception
    for f in forms.form_layout(app_bundle.schema, "en").fields:
        assert widget(at, f.name).value in (None, ""), f.name
    body = texts(at)
    assert "New applicant: no credit history known, the score will rest on the application alone." in body
    assert "Fields marked * are required" in body
    assert at.session_state[LAST_RESULT] is None


def test_typing_the_required_fields_gives_a_decision_without_history(page, app_bundle):
    at = page("score.py")
    _type(at, REQUIRED)
    submit(at)
    assert not at.exception and not at.error
    body = texts(at)
    assert "ACCEPTED" in body or "REFUSED" in body
    assert "No credit history known: score computed from the application alone." in body
    assert 0 < probability(at) < 1
    result = at.session_state[LAST_RESULT]
    assert result.history == "none" and result.client_id is None
    assert result.features["AMT_CREDIT"] == 450_000.0 and result.features["DAYS_BIRTH"] == -14975.0
    assert widget(at, "AMT_CREDIT").value == "450,000"  # typed "450 000", shown back the English way
    assert _shown_codes(at, app_bundle.schema) == []  # no column name reaches the officer


def test_an_empty_required_field_is_named_by_its_label(page):
    at = page("score.py", "fr")
    _type(at, {k: v for k, v in REQUIRED.items() if k != "AMT_ANNUITY"})
    submit(at, "fr")
    errors = "\n".join(e.value for e in at.error)
    assert "Montant de l'échéance" in errors and "obligatoire" in errors and "AMT_ANNUITY" not in errors
    assert not any(m.label == "Probabilité de défaut" for m in at.metric)


def test_a_bad_amount_is_a_field_error_and_nothing_typed_is_lost(page, app_bundle):
    at = page("score.py")
    _type(at, REQUIRED | {"AMT_CREDIT": "45O 000", "EXT_SOURCE_2": 0.7})
    submit(at)
    errors = "\n".join(e.value for e in at.error)
    assert "1 problem(s)" in errors and "**Credit amount**" in errors and "45O 000" in errors
    assert "AMT_CREDIT" not in errors
    assert any("unreadable amount" in m.value for m in at.markdown)  # also under the field itself
    assert widget(at, "AMT_CREDIT").value == "45O 000"
    assert widget(at, "AMT_INCOME_TOTAL").value == "36 000" and widget(at, "EXT_SOURCE_2").value == 0.7
    assert not any(m.label == "Probability of default" for m in at.metric)
    widget(at, "AMT_CREDIT").input("450 000")
    submit(at)
    assert not at.error and 0 < probability(at) < 1


def test_impossible_values_are_reported_together_with_labels(page):
    at = page("score.py")
    _type(at, REQUIRED | {"DAYS_BIRTH": 12.0, "EXT_SOURCE_2": 1.5, "AMT_CREDIT": "abc"})
    submit(at)
    errors = "\n".join(e.value for e in at.error)
    assert "3 problem(s)" in errors
    assert "**Age**" in errors and "18 to 120" in errors
    assert "**External score no. 2**" in errors and "between 0 and 1" in errors
    assert "**Credit amount**" in errors
    assert widget(at, "DAYS_BIRTH").value == 12.0


def test_a_negative_number_of_years_is_a_field_error_in_years(page):
    """The widget accepts what is typed (no silent browser-side refusal): a negative age or job tenure
    is an error at its field, said in years as typed, and nothing typed is lost."""
    at = page("score.py", "fr")
    _type(at, REQUIRED | {"DAYS_BIRTH": -30.0, "DAYS_EMPLOYED": -2.5, "EXT_SOURCE_2": 0.7})
    submit(at, "fr")
    errors = "\n".join(e.value for e in at.error)
    assert "2 problème(s)" in errors and "**Âge**" in errors
    assert "nombre d'années négatif (-30)" in errors and "nombre d'années négatif (-2,5)" in errors
    assert "jours" not in errors  # the officer typed years, not Kaggle's days
    assert widget(at, "DAYS_BIRTH").value == -30.0 and widget(at, "DAYS_EMPLOYED").value == -2.5
    assert not any(m.label == "Probabilité de défaut" for m in at.metric)


def test_an_impossible_age_or_tenure_is_said_in_years_as_typed(page):
    at = page("score.py", "fr")
    _type(at, REQUIRED | {"DAYS_BIRTH": 150.0, "DAYS_EMPLOYED": 120.0})
    submit(at, "fr")
    errors = "\n".join(e.value for e in at.error)
    assert "âge impossible : 150,0 ans ; le client doit avoir entre 18 et 120 ans" in errors
    assert "nombre d'années impossible : 120,0 ; doit être entre 0 et 100" in errors
    assert "54788" not in errors and "jours" not in errors  # no Kaggle days shown to the officer
    at.sidebar.radio[0].set_value("en").run()  # the same problems, said again in English
    errors = "\n".join(e.value for e in at.error)
    assert "impossible age 150.0 years: the client must be 18 to 120 years old" in errors


def test_problems_are_said_in_french_on_the_french_page(page):
    at = page("score.py", "fr")
    _type(at, REQUIRED | {"DAYS_BIRTH": 12.0, "EXT_SOURCE_2": 1.5})
    submit(at, "fr")
    errors = "\n".join(e.value for e in at.error)
    assert "**Âge**" in errors and "âge impossible" in errors and "entre 18 et 120 ans" in errors
    assert "**Score externe n° 2**" in errors and "valeur impossible 1.5 : doit être entre 0 et 1" in errors
    assert "must be" not in errors and "impossible age" not in errors


def test_look_up_fills_the_form_and_shows_the_history(page, app_bundle, stored):
    at = page("score.py")
    cid = stored_ids(stored)[7]
    load(at, cid)
    record = stored.clients.application(cid)
    expected = forms.widget_values(forms.form_layout(app_bundle.schema, "en").fields, record, "en")
    for name, value in expected.items():
        if name.endswith(forms.SENTINEL_SUFFIX):
            assert widget(at, name.removesuffix(forms.SENTINEL_SUFFIX), forms.SENTINEL_SUFFIX).value == value
        else:
            assert widget(at, name).value == value, name
    assert any(v not in (None, "") for v in expected.values())
    body = texts(at)
    assert f"Credit history of client {cid}" in body and f"Application of client **{cid}**" in body
    summary = {n: v for n, v in (stored.clients.history_summary(cid) or {}).items() if v is not None}
    assert summary
    for name, value in summary.items():
        assert core.label(name, "en", app_bundle.schema) in body
        assert core.format_value(name, value, "en", app_bundle.schema) in body
    assert "No credit history known" not in body


def test_a_looked_up_client_is_scored_as_core_scores_it(page, stored, store_service):
    at = page("score.py")
    cid = stored_ids(stored)[3]
    load(at, cid)
    submit(at)
    assert not at.exception and not at.error
    result = at.session_state[LAST_RESULT]
    expected = store_service.score(stored.clients.application(cid))
    assert result.history == "known" and result.client_id == cid
    assert result.probability == pytest.approx(expected.probability, rel=1e-12)
    body = texts(at)
    assert "The client's credit history is taken into account." in body
    assert "What raises the risk" in body and "risk of default" in body


def test_what_if_the_credit_amount_changes_the_probability_and_keeps_the_client(page, stored, store_service):
    at = page("score.py")
    cid = stored_ids(stored)[1]
    load(at, cid)
    submit(at)
    before = at.session_state[LAST_RESULT]
    record = stored.clients.application(cid)
    bigger = forms.format_amount(record["AMT_CREDIT"] * 6, "en")
    widget(at, "AMT_CREDIT").input(bigger)
    submit(at)
    after = at.session_state[LAST_RESULT]
    assert after.features["AMT_CREDIT"] == pytest.approx(record["AMT_CREDIT"] * 6, abs=0.01)
    assert after.probability != pytest.approx(before.probability, abs=1e-9)
    assert after.client_id == cid and after.history == "known" and at.session_state[CLIENT_ID] == cid
    # derived features follow the raw fields: core recomputed the credit's ratios
    changed = {k for k in after.features if after.features[k] != before.features[k]}
    assert "AMT_CREDIT" in changed and len(changed) > 1
    delta = next(m for m in at.metric if m.label == "Probability of default").delta
    assert delta is not None and "pts" in delta


def test_new_application_resets_form_history_and_result(page, stored, store_service):
    at = page("score.py")
    load(at, stored_ids(stored)[2])
    submit(at)
    assert at.session_state[LAST_RESULT] is not None
    next(b for b in at.button if b.label == "New application").click().run()
    assert at.session_state[LAST_RESULT] is None and at.session_state[CLIENT_ID] is None
    assert widget(at, "AMT_CREDIT").value in (None, "") and widget(at, "DAYS_BIRTH").value is None
    assert not any(m.label == "Probability of default" for m in at.metric)
    assert "Credit history of client" not in texts(at)


def test_not_employed_is_scored_with_home_credits_code(page):
    at = page("score.py")
    _type(at, REQUIRED)
    widget(at, "DAYS_EMPLOYED", forms.SENTINEL_SUFFIX).check()
    submit(at)
    assert not at.error
    assert at.session_state[LAST_RESULT].features["DAYS_EMPLOYED"] == 365243.0


def test_french_by_default_and_english_toggle(page, app_service):
    at = page("score.py", "fr")
    assert at.title[0].value == "Évaluer un client"
    body = texts(at)
    assert "Identité et foyer" in body and "Le crédit demandé" in body and "Montant du crédit (€) *" in body
    gender = widget(at, "CODE_GENDER")
    assert gender.format_func("F") == "Femme"
    at.sidebar.radio[0].set_value("en").run()
    assert at.title[0].value == "Score a client"
    body = texts(at)
    assert (
        "Identity and household" in body and "The loan applied for" in body and "Credit amount (€) *" in body
    )
    assert widget(at, "CODE_GENDER").format_func("F") == "Female"


def test_the_application_and_its_result_survive_the_language_switch(page):
    at = page("score.py", "fr")
    _type(at, REQUIRED)
    submit(at, "fr")
    first = probability(at, "fr")
    assert "Ce qui augmente le risque" in texts(at)
    at.sidebar.radio[0].set_value("en").run()
    # the same amount, written the English way; the age unchanged
    assert widget(at, "AMT_CREDIT").value == "450,000" and widget(at, "DAYS_BIRTH").value == 41.0
    body = texts(at)
    assert "What raises the risk" in body and "raises the risk of default" in body  # reasons re-written
    assert probability(at) == pytest.approx(first, abs=0.0005)
    submit(at)
    assert not at.error and at.session_state[LAST_RESULT].features["AMT_CREDIT"] == 450_000.0
    at.sidebar.radio[0].set_value("fr").run()  # and back
    assert widget(at, "AMT_CREDIT").value == "450 000"


def test_a_result_shows_no_column_name(page, app_bundle, stored):
    at = page("score.py", "fr")
    load(at, stored_ids(stored)[5])
    submit(at, "fr")
    assert not at.error
    assert _shown_codes(at, app_bundle.schema) == []


def test_feature_bundle_form_scores_a_looked_up_client(feature_page, toy_bundle):
    at = feature_page("score.py")
    assert not at.exception
    layout = forms.form_layout(toy_bundle.schema, "en")
    assert all(widget(at, f.name).value in (None, "") for f in layout.fields)
    cid = int(toy_bundle.reference["SK_ID_CURR"].iloc[4])
    _load(at, cid)
    assert widget(at, "EXT_SOURCE_2").value == pytest.approx(
        float(toy_bundle.reference.set_index("SK_ID_CURR").loc[cid, "EXT_SOURCE_2"])
    )
    submit(at)
    assert not at.exception and not at.error
    result = at.session_state[LAST_RESULT]
    assert result.history == "not_applicable"
    expected = core.ScoringService(toy_bundle).score(core.ScoringService(toy_bundle).record_of(cid))
    assert result.probability == pytest.approx(expected.probability, rel=1e-12)
    body = texts(at)
    for statement in (
        "No credit history known",
        "credit history is taken into account",
        "Credit history of client",
    ):
        assert statement not in body  # a feature record says nothing of a history it does not look up
    assert _shown_codes(at, toy_bundle.schema) == []


def test_amounts_typed_are_rewritten_for_the_new_language_and_a_wrong_one_kept_as_typed(page):
    at = page("score.py", "fr")
    _type(at, {**REQUIRED, "AMT_CREDIT": "1 250 000,50", "AMT_ANNUITY": "vingt mille"})
    submit(at, "fr")  # refused: the annuity is not an amount
    at.sidebar.radio[0].set_value("en").run()
    assert widget(at, "AMT_CREDIT").value == "1,250,000.50"
    assert widget(at, "AMT_ANNUITY").value == "vingt mille"  # not an amount: the officer corrects it
    assert widget(at, "AMT_INCOME_TOTAL").value == "36,000"
