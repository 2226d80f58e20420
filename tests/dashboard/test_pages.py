"""Every page under AppTest: renders, scores, shows errors, reacts to the slider, uploads."""

from __future__ import annotations

import io

import pytest

from dashboard.state import FORM_PREFIX, LOOKUP_ID

PAGES = ["score.py", "batch.py", "threshold.py", "insights.py", "model_card.py"]


def texts(at) -> str:
    parts = [m.value for m in at.markdown] + [e.value for e in at.error] + [c.value for c in at.caption]
    parts += (
        [str(m.value) for m in at.metric]
        + [m.label for m in at.metric]
        + [w.value for w in at.warning]
        + [i.value for i in at.info]
    )
    return "\n".join(str(p) for p in parts)


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_page_renders_without_exception(page, name, lang):
    at = page(name, lang)
    assert not at.exception, at.exception
    assert at.title[0].value


def test_language_toggle_switches_texts(page):
    at = page("score.py", "fr")
    assert at.title[0].value == "Évaluer un client"
    at.sidebar.radio[0].set_value("en").run()
    assert at.title[0].value == "Score a client"


def test_lookup_then_score_shows_decision(page, toy_bundle):
    at = page("score.py")
    client = int(toy_bundle.reference["SK_ID_CURR"].iloc[3])
    at.selectbox(key=LOOKUP_ID).set_value(client).run()
    at.button[0].click().run()  # load the application
    assert f"Application of client **{client}**" in texts(at)
    at.button(key="FormSubmitter:score_form-Score the application").click().run()
    assert not at.exception
    body = texts(at)
    assert "ACCEPTED" in body or "REFUSED" in body
    assert any(m.label == "Probability of default" for m in at.metric)
    assert "What raises the risk" in body and "risk of default" in body


def test_form_converts_years_and_what_if(page):
    at = page("score.py")
    age = at.number_input(key=FORM_PREFIX + "DAYS_BIRTH")
    assert 18 <= age.value <= 120  # entered in years
    submit = at.button(key="FormSubmitter:score_form-Score the application")
    submit.click().run()
    first = next(m.value for m in at.metric if m.label == "Probability of default")
    at.number_input(key=FORM_PREFIX + "EXT_SOURCE_2").set_value(0.01)
    at.button(key="FormSubmitter:score_form-Score the application").click().run()
    second = next(m.value for m in at.metric if m.label == "Probability of default")
    assert float(second.rstrip("%")) > float(first.rstrip("%"))


def test_invalid_input_shows_field_errors_and_keeps_values(page):
    at = page("score.py")
    at.number_input(key=FORM_PREFIX + "EXT_SOURCE_2").set_value(1.5)
    at.number_input(key=FORM_PREFIX + "AMT_CREDIT").set_value(-100.0)
    at.button(key="FormSubmitter:score_form-Score the application").click().run()
    errors = "\n".join(e.value for e in at.error)
    assert "2 error(s)" in errors
    assert "External score 2" in errors and "between 0 and 1" in errors
    assert "Credit amount" in errors and "must be >= 0" in errors
    assert at.number_input(key=FORM_PREFIX + "EXT_SOURCE_2").value == 1.5  # nothing typed is lost
    assert not at.exception


def test_threshold_slider_changes_cost(page):
    at = page("threshold.py")
    cost = lambda: next(m.value for m in at.metric if m.label == "Cost per client")  # noqa: E731
    before = cost()
    at.slider(key="threshold_value").set_value(0.0).run()
    assert cost() != before
    at.number_input(key="cost_fn").set_value(20.0).run()
    assert "Cost = 20 ×" in texts(at)
    assert not at.exception


def _csv(toy_bundle, bad: bool = True) -> bytes:
    frame = toy_bundle.reference.head(12).copy()
    if bad:
        frame["AMT_CREDIT"] = frame["AMT_CREDIT"].astype(object)
        frame.loc[2, "AMT_CREDIT"] = "abc"
        frame.loc[5, "EXT_SOURCE_2"] = 2.0
    buf = io.StringIO()
    frame.to_csv(buf, index=False)
    return buf.getvalue().encode()


def test_batch_scores_good_rows_and_reports_bad(page, toy_bundle):
    at = page("batch.py")
    at.file_uploader[0].upload("clients.csv", _csv(toy_bundle), "text/csv").run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Rows"] == "12" and metrics["Scored"] == "10" and metrics["Rejected"] == "2"
    report = at.dataframe[0].value
    assert set(report["Row"]) == {3, 6} and "expected a number" in " ".join(report["Problem"])
    assert len(at.dataframe[1].value) == 10


def test_batch_rejects_file_without_feature_columns(page):
    at = page("batch.py")
    at.file_uploader[0].upload("x.csv", b"SK_ID_CURR,foo\n1,2\n", "text/csv").run()
    assert "File rejected" in at.error[0].value and "lacks 13 feature column" in at.error[0].value


def test_threshold_with_uploaded_labelled_csv(page, toy_bundle):
    at = page("threshold.py")
    frame = toy_bundle.reference.head(60).copy()
    frame["TARGET"] = [0, 1] * 30
    at.file_uploader[0].upload("labelled.csv", frame.to_csv(index=False).encode(), "text/csv").run()
    assert "uploaded file (60 clients)" in texts(at)
    assert not at.exception


def test_model_card_states_provenance(page, toy_bundle):
    at = page("model_card.py")
    body = texts(at)
    assert "SYNTHETIC training data" in body and toy_bundle.version in body


def test_app_navigation_runs(use_bundle, toy_bundle_dir):
    from streamlit.testing.v1 import AppTest

    from tests.dashboard.conftest import DASHBOARD

    use_bundle(toy_bundle_dir)
    at = AppTest.from_file(str(DASHBOARD / "app.py"), default_timeout=60).run()
    assert not at.exception and at.title[0].value == "Évaluer un client"
    at.switch_page("views/threshold.py").run()
    assert at.title[0].value == "Seuil de décision et coût métier"


def test_bad_bundle_is_a_message_not_a_trace(use_bundle, tmp_path):
    from streamlit.testing.v1 import AppTest

    from tests.dashboard.conftest import DASHBOARD

    use_bundle(tmp_path / "missing")
    at = AppTest.from_file(str(DASHBOARD / "views" / "score.py"), default_timeout=60).run()
    assert not at.exception
    assert "could not be loaded" in at.error[0].value and "does not exist" in at.error[0].value
