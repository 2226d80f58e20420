"""The scoring page shows a refused client's recourse options and offers the decision letter (AppTest,
demo bundle, demo store copy)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

import core
from dashboard.state import LAST_DECISION, LAST_RECOURSE, OFFICER_NAME
from tests.dashboard.conftest import DASHBOARD, OFFICER, load, stored_ids, submit, texts

pytestmark = pytest.mark.skipif(not (core.DEMO_BUNDLE_DIR / "model.cbm").exists(), reason="no demo bundle")


@pytest.fixture()
def demo_page(use_bundle):
    def open_page(lang: str) -> AppTest:
        use_bundle(core.DEMO_BUNDLE_DIR)
        at = AppTest.from_file(str(DASHBOARD / "views" / "score.py"), default_timeout=90)
        at.session_state["lang"] = lang
        at.session_state[OFFICER_NAME] = OFFICER
        return at.run()

    return open_page


@pytest.fixture()
def cases(stored):
    """A stored client refused with recourse, and one refused with none (as the page's service sees them)."""
    service = core.ScoringService(core.load_bundle(core.DEMO_BUNDLE_DIR), history=stored.history)
    finder = core.RecourseFinder(service)
    found = none = None
    for client_id in stored_ids(stored, 60):
        status = finder.find(stored.clients.application(client_id)).status
        if status == "found" and found is None:
            found = client_id
        if status == "none" and none is None:
            none = client_id
        if found and none:
            return found, none
    pytest.fail("no refused client with and without recourse among the first 60 stored clients")


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_refused_client_sees_options_recorded_with_the_decision(demo_page, cases, stored, lang):
    found, none = cases
    at = demo_page(lang)
    load(at, found)
    submit(at, lang)
    assert not at.exception
    recourse = at.session_state[LAST_RECOURSE]
    assert recourse.status == "found" and recourse.options
    body = texts(at)
    assert ("Ce qui changerait la décision" if lang == "fr" else "What would change the decision") in body
    for option in recourse.options:
        assert core.option_sentence(option.changes, lang, None) in body
    logged = stored.log.get(at.session_state[LAST_DECISION].decision_id)
    assert [o["changes"] for o in logged.recourse] == [o.record()["changes"] for o in recourse.options]
    labels = [b.label for b in at.get("download_button")]
    assert ("Lettre de décision (PDF)" if lang == "fr" else "Decision letter (PDF)") in labels
    # a client nothing within the bounds can turn: said plainly, and logged as such
    load(at, none)
    submit(at, lang)
    assert core.none_sentence(lang) in texts(at)
    logged = stored.log.get(at.session_state[LAST_DECISION].decision_id)
    assert logged.recourse == [{"recourse": 0, "status": "none", "changes": []}]
