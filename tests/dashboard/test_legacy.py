"""The dashboard on a legacy bundle (no reference data, no validation set, no ranges)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.core.test_bundle import _legacy_folder
from tests.dashboard.conftest import DASHBOARD


def test_legacy_bundle_pages(use_bundle, tmp_path):
    folder = _legacy_folder(
        tmp_path / "legacy", ["EXT_SOURCE_1", "DAYS_BIRTH", "CODE_GENDER", "FLAG_DOCUMENT_3"], ["CODE_GENDER"]
    )
    use_bundle(folder)
    score = AppTest.from_file(str(DASHBOARD / "views" / "score.py"), default_timeout=60)
    score.session_state["lang"] = "en"
    score.run()
    assert not score.exception
    assert "lookup by id is unavailable" in score.info[0].value
    score.number_input(key="form__EXT_SOURCE_1").set_value(0.4)
    score.number_input(key="form__DAYS_BIRTH").set_value(35.0)
    score.button(key="FormSubmitter:score_form-Score the application").click().run()
    assert any(m.label == "Probability of default" for m in score.metric)
    threshold = AppTest.from_file(str(DASHBOARD / "views" / "threshold.py"), default_timeout=60)
    threshold.session_state["lang"] = "en"
    threshold.run()
    assert "upload a labelled CSV" in threshold.info[0].value
    card = AppTest.from_file(str(DASHBOARD / "views" / "model_card.py"), default_timeout=60)
    card.session_state["lang"] = "en"
    card.run()
    assert not card.exception and "Not provided by this model" in card.warning[0].value
