"""The shipped demo bundle (whichever contract it holds) under AppTest: every page, a look-up, a new application."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

import core
from dashboard import forms
from dashboard.state import LAST_RESULT, LOOKUP_ID, OFFICER_NAME
from tests.dashboard.conftest import DASHBOARD, OFFICER, load, stored_ids, submit, texts, widget


@pytest.fixture()
def demo_page(use_bundle):
    """Open a page on the shipped demo bundle (whatever it holds: any bundle core loads)."""

    def open_page(name: str, lang: str = "fr") -> AppTest:
        use_bundle(core.DEMO_BUNDLE_DIR)
        at = AppTest.from_file(str(DASHBOARD / "views" / name), default_timeout=120)
        at.session_state["lang"] = lang
        at.session_state[OFFICER_NAME] = OFFICER
        return at.run()

    return open_page


@pytest.fixture(scope="module")
def demo_service():
    return core.ScoringService(core.load_bundle(core.DEMO_BUNDLE_DIR))


@pytest.mark.parametrize(
    "name",
    ["score.py", "batch.py", "decisions.py", "monitoring.py", "threshold.py", "insights.py", "model_card.py"],
)
def test_demo_bundle_pages_render(demo_page, name):
    at = demo_page(name)
    assert not at.exception, at.exception
    assert not at.error or name == "model_card.py"  # the card states synthetic data in an error box


def test_demo_bundle_scores_a_looked_up_client(demo_page, demo_service, stored):
    ids = stored_ids(stored) if demo_service.schema.contract == "application" else demo_service.known_ids()
    if not ids:
        pytest.skip("the demo bundle has no reference clients")
    at = demo_page("score.py")
    if demo_service.schema.contract == "application":
        load(at, ids[0])
        service = core.ScoringService(demo_service.bundle, history=stored.history)
        record = stored.clients.application(ids[0])
    else:
        at.selectbox(key=LOOKUP_ID).set_value(ids[0]).run()
        next(b for b in at.button if b.label == "Charger").click().run()
        service, record = demo_service, demo_service.record_of(ids[0])
    submit(at, "fr")
    assert not at.exception and not at.error
    assert "ACCORDÉ" in texts(at) or "REFUSÉ" in texts(at)
    expected = service.score(record)
    assert at.session_state[LAST_RESULT].probability == pytest.approx(expected.probability, rel=1e-12)


def test_demo_bundle_scores_a_typed_application(demo_page, demo_service):
    """Whatever the contract, the fields of the example record typed in the form give core's score of them."""
    at = demo_page("score.py", "en")
    example = demo_service.example_record()
    layout = forms.form_layout(demo_service.schema, "en")
    values = forms.widget_values(layout.fields, example, "en")
    for name, value in values.items():
        suffix = forms.SENTINEL_SUFFIX if name.endswith(forms.SENTINEL_SUFFIX) else ""
        w = widget(at, name.removesuffix(suffix), suffix)
        w.input(value) if w.type == "text_input" else w.set_value(value)
    submit(at)
    assert not at.exception and not at.error
    result = at.session_state[LAST_RESULT]
    typed, _ = forms.read_record(layout.fields, values, client_id=None)
    assert result.probability == pytest.approx(demo_service.score(typed).probability, rel=1e-12)
    if demo_service.schema.contract == "application":
        assert result.history == "none"


def test_the_model_card_says_the_bundles_texts_in_french(demo_page):
    """Intended use, data and limitations are written in English in the bundle by the pipeline: the
    French card says them in French, and its fairness item points at the audit it shows."""
    at = demo_page("model_card.py", "fr")
    body = texts(at)
    app_bundle = core.load_bundle(core.DEMO_BUNDLE_DIR)
    assert app_bundle.limitations and app_bundle.provenance is not None
    for english in [app_bundle.intended_use, app_bundle.provenance.description, *app_bundle.limitations]:
        assert english not in body, f"left in English: {english}"
    assert "Le seuil de décision minimise 10·FN + 1·FP" in body
    assert "L'équité entre groupes (genre, tranche d'âge) est auditée" in body
    assert "has not been audited" not in body and "n'a pas été auditée" not in body
    english = texts(demo_page("model_card.py", "en"))
    assert "The decision threshold minimises 10·FN + 1·FP on past data" in english
