"""The dashboard on a legacy bundle (no reference data, no validation set, no ranges)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from dashboard.state import LAST_RESULT, OFFICER_NAME
from tests.core.test_bundle import _legacy_folder
from tests.dashboard.conftest import DASHBOARD, OFFICER, submit, widget


def _open(name: str) -> AppTest:
    at = AppTest.from_file(str(DASHBOARD / "views" / name), default_timeout=60)
    at.session_state["lang"] = "en"
    at.session_state[OFFICER_NAME] = OFFICER
    return at.run()


def test_legacy_bundle_pages(use_bundle, tmp_path):
    folder = _legacy_folder(
        tmp_path / "legacy", ["EXT_SOURCE_1", "DAYS_BIRTH", "CODE_GENDER", "FLAG_DOCUMENT_3"], ["CODE_GENDER"]
    )
    use_bundle(folder)
    score = _open("score.py")
    assert not score.exception
    assert "lookup by id is unavailable" in score.info[0].value
    widget(score, "EXT_SOURCE_1").set_value(0.4)
    widget(score, "DAYS_BIRTH").set_value(35.0)  # typed in years
    widget(score, "FLAG_DOCUMENT_3").set_value("1")
    submit(score)
    assert not score.exception and not score.error
    assert any(m.label == "Probability of default" for m in score.metric)
    result = score.session_state[LAST_RESULT]
    assert result.features["DAYS_BIRTH"] == -12784.0 and result.features["FLAG_DOCUMENT_3"] == 1.0
    threshold = _open("threshold.py")
    assert "upload a labelled CSV" in threshold.info[0].value
    card = _open("model_card.py")
    assert not card.exception and "Not provided by this model" in card.warning[0].value
    for name in ("batch.py", "insights.py"):
        assert not _open(name).exception


def test_legacy_insights_explain_an_uploaded_population(use_bundle, tmp_path):
    """No reference data: global SHAP over clients the analyst uploads."""
    import numpy as np
    import pandas as pd

    names = ["EXT_SOURCE_1", "DAYS_BIRTH", "CODE_GENDER", "FLAG_DOCUMENT_3"]
    use_bundle(_legacy_folder(tmp_path / "legacy", names, ["CODE_GENDER"]))
    at = _open("insights.py")
    assert "upload a file of clients" in at.info[0].value
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "SK_ID_CURR": np.arange(1, 41),
            "EXT_SOURCE_1": rng.uniform(0, 1, 40).round(3),
            "DAYS_BIRTH": -rng.integers(7000, 25000, 40),
            "CODE_GENDER": rng.choice(["F", "M"], 40),
            "FLAG_DOCUMENT_3": rng.integers(0, 2, 40),
        }
    )
    frame.loc[3, "EXT_SOURCE_1"] = 7  # refused: impossible score
    at.file_uploader[0].upload("clients.csv", frame.to_csv(index=False).encode(), "text/csv").run()
    assert not at.exception and not at.error
    assert any("39 clients of the file (1 rows refused)" in c.value for c in at.caption)
