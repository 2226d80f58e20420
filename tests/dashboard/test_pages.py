"""Every page under AppTest: renders on both contracts, batch scoring, threshold, insights, model card."""

from __future__ import annotations

import io
import json
import shutil

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import core
from dashboard import forms
from dashboard.state import BATCH_RESULT
from tests.dashboard.conftest import DASHBOARD, OFFICER, stored_ids, texts

PAGES = [
    "score.py",
    "batch.py",
    "decisions.py",
    "monitoring.py",
    "threshold.py",
    "insights.py",
    "model_card.py",
    "reviews.py",
    "fairness.py",
]


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_page_renders_on_an_application_bundle(page, name, lang):
    at = page(name, lang)
    assert not at.exception, at.exception
    assert at.title[0].value


@pytest.mark.parametrize("name", PAGES)
def test_page_renders_on_a_feature_bundle(feature_page, name):
    at = feature_page(name, "fr")
    assert not at.exception, at.exception
    assert at.title[0].value


def _applications(service: core.ScoringService, n: int) -> pd.DataFrame:
    """Known clients' applications as a CSV would hold them (contract fields, text cells)."""
    rows = [service.record_of(i) for i in service.known_ids()[:n]]
    return pd.DataFrame(rows).astype(object)


def _stored_applications(store: core.Store, n: int) -> pd.DataFrame:
    """Stored clients' applications as a CSV would hold them (Kaggle columns, text cells)."""
    return pd.DataFrame([store.clients.application(i) for i in stored_ids(store, n)]).astype(object)


def _csv(frame: pd.DataFrame) -> bytes:
    buf = io.StringIO()
    frame.to_csv(buf, index=False)
    return buf.getvalue().encode()


def test_batch_scores_good_rows_and_reports_bad_ones_by_label(page, stored):
    at = page("batch.py")
    frame = _stored_applications(stored, 12)
    frame.loc[2, "AMT_CREDIT"] = "abc"
    frame.loc[5, "EXT_SOURCE_2"] = 2.0
    frame.loc[7, "AMT_INCOME_TOTAL"] = None
    at.file_uploader[0].upload("applications.csv", _csv(frame), "text/csv").run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Rows"] == "12" and metrics["Scored"] == "9" and metrics["Rejected"] == "3"
    report = at.dataframe[0].value
    assert set(report["Row"]) == {3, 6, 8}
    assert set(report["Field"]) == {"Credit amount", "External score no. 2", "Total income"}
    assert "expected a number" in " ".join(report["Problem"])
    assert "required: the application cannot be scored without this field" in set(report["Problem"])
    shown = at.dataframe[1].value
    assert len(shown) == 9 and set(shown["decision"]) <= {"ACCEPTED", "REFUSED"}
    assert set(shown["history"]) == {"known"}
    assert "threshold" not in shown.columns and "bundle_version" not in shown.columns
    assert any("9 decisions recorded" in m.value for m in at.success)
    # each chunk went through the desk: 9 decisions and 3 refused rows in the log, under the officer's name
    assert stored.log.count(kind="decision", channel="dashboard", officer=OFFICER) == 9
    assert stored.log.count(kind="refused_input", channel="dashboard") == 3
    logged = stored.log.table(kind="decision")
    assert set(logged["client_id"].dropna().astype(int)) <= set(stored_ids(stored, 12))
    assert not logged["authenticated"].any()
    at.sidebar.radio[0].set_value("fr").run()  # a language switch re-writes the reasons, records nothing
    assert stored.log.count(kind="decision") == 9


def test_the_same_file_uploaded_again_is_not_recorded_twice_unless_asked(page, stored):
    """An officer who uploads a file already scored in the session is told so; its decisions are not
    logged again unless the officer asks; the last results stay on the page when the box is empty."""
    at = page("batch.py")
    first, other = _csv(_stored_applications(stored, 4)), _csv(_stored_applications(stored, 6))
    at.file_uploader[0].upload("march.csv", first, "text/csv").run()
    assert stored.log.count(kind="decision") == 4
    at.file_uploader[0].upload("april.csv", other, "text/csv").run()
    assert stored.log.count(kind="decision") == 10
    at.file_uploader[0].upload("march (1).csv", first, "text/csv").run()
    assert not at.exception
    assert stored.log.count(kind="decision") == 10  # nothing recorded again
    assert any("This file (march.csv) was already scored at" in w.value and "its 4 decisions" in w.value
               for w in at.warning)  # fmt: skip
    assert not any("decisions recorded" in m.value for m in at.success)
    again = next(b for b in at.button if b.label == "Score and record again")
    again.click().run()
    assert stored.log.count(kind="decision") == 14  # the officer asked: recorded once more
    assert any("4 decisions recorded" in m.value for m in at.success)
    at.file_uploader[0].clear().run()  # the box emptied (as after a visit to another page)
    assert any("Results of the last file scored in this session: march (1).csv" in i.value for i in at.info)
    assert len(at.dataframe[-1].value) == 4 and stored.log.count(kind="decision") == 14


def test_the_french_batch_page_gives_its_results_for_french_excel(page, stored):
    at = page("batch.py", "fr")
    at.file_uploader[0].upload("demandes.csv", _csv(_stored_applications(stored, 3)), "text/csv").run()
    button = next(b for b in at.get("download_button") if b.proto.label == "Télécharger les résultats (CSV)")
    assert "Excel en français" in button.proto.help and "virgule décimale" in button.proto.help


def test_batch_download_is_the_contracts_table(page, app_bundle, stored, store_service):
    at = page("batch.py", "fr")
    frame = _stored_applications(stored, 8)
    frame.loc[1, "SK_ID_CURR"] = None  # a new applicant: scored without history
    content = _csv(frame)
    at.file_uploader[0].upload("applications.csv", content, "text/csv").run()
    assert not at.exception and not at.error
    expected = core.results_table(
        store_service.score_frame(core.read_clients_csv(io.BytesIO(content)), explain=True),
        app_bundle.schema, bundle_version=app_bundle.version, lang="fr",
    )  # fmt: skip
    out = at.session_state[BATCH_RESULT]
    got = pd.concat(
        [
            core.results_table(b, app_bundle.schema, bundle_version=app_bundle.version, lang="fr")
            for b in out["batches"]
        ],
        ignore_index=True,
    )
    assert core.to_safe_csv(got) == core.to_safe_csv(expected)  # what the download button serves
    table = pd.read_csv(io.BytesIO(core.to_safe_csv(got)))
    assert list(table.columns) == [*core.TABLE_COLUMNS, "reasons_toward_default", "reasons_toward_repayment"]
    assert table["history"].tolist().count("none") == 1
    shown = at.dataframe[0].value
    assert set(shown["decision"]) <= {"ACCORDÉ", "REFUSÉ"} and set(shown["history"]) == {"connu", "aucun"}
    assert any("Seuil appliqué" in c.value for c in at.caption)


def test_batch_template_is_the_contract_header_and_one_real_row(page, app_bundle, app_service):
    content = forms.template(app_service)
    template = pd.read_csv(io.BytesIO(content), dtype=str)
    assert list(template.columns) == ["SK_ID_CURR", *(s.name for s in app_bundle.schema.fields)]
    assert len(template) == 1 and int(template["SK_ID_CURR"].iloc[0]) in app_service.known_ids()
    at = page("batch.py")
    assert any(b.label == "Download the CSV template" for b in at.get("download_button"))
    at.file_uploader[0].upload("template.csv", content, "text/csv").run()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Scored"] == "1" and metrics["Rejected"] == "0" and not at.error


def test_batch_rejects_a_file_without_the_required_columns_naming_them(page):
    at = page("batch.py", "fr")
    at.file_uploader[0].upload("x.csv", b"SK_ID_CURR,AMT_CREDIT\n1,2\n", "text/csv").run()
    message = at.error[0].value
    assert "il manque 3 colonne(s) obligatoire(s)" in message
    assert "Revenu total — colonne AMT_INCOME_TOTAL" in message and "Âge — colonne DAYS_BIRTH" in message


def test_batch_on_a_feature_bundle(feature_page, toy_bundle):
    at = feature_page("batch.py")
    at.file_uploader[0].upload("clients.csv", _csv(toy_bundle.reference.head(10)), "text/csv").run()
    assert not at.exception and not at.error
    assert {m.label: m.value for m in at.metric}["Scored"] == "10"
    assert "history" not in at.dataframe[0].value.columns  # a feature bundle looks up no history


def test_threshold_slider_changes_cost(page):
    at = page("threshold.py")
    cost = lambda: next(m.value for m in at.metric if m.label == "Cost per client")  # noqa: E731
    before = cost()
    at.slider(key="threshold_value").set_value(0.0).run()
    assert cost() != before
    at.number_input(key="cost_fn").set_value(20.0).run()
    assert "Cost = 20 ×" in texts(at)
    assert not at.exception


def test_threshold_weights_change_the_optimum(page):
    at = page("threshold.py")
    caption = lambda: next(c.value for c in at.caption if "cost per client is lowest" in c.value)  # noqa: E731
    before = caption()
    at.number_input(key="cost_fn").set_value(50.0).run()
    assert not at.exception and caption() != before


def test_threshold_with_an_uploaded_labelled_applications_csv(page, app_service):
    at = page("threshold.py")
    frame = _applications(app_service, 60)
    frame.insert(1, "TARGET", [0, 1] * 30)
    frame.loc[4, "AMT_CREDIT"] = "abc"
    at.file_uploader[0].upload("labelled.csv", _csv(frame), "text/csv").run()
    assert not at.exception
    body = texts(at)
    assert "uploaded file (59 clients)" in body and "1 invalid row(s) ignored" in body


def test_threshold_upload_without_target_is_refused(page, app_service):
    at = page("threshold.py")
    at.file_uploader[0].upload("x.csv", _csv(_applications(app_service, 5)), "text/csv").run()
    assert any("TARGET" in e.value for e in at.error)


def test_insights_use_labels_everywhere(page, app_bundle):
    at = page("insights.py", "fr")
    assert not at.exception
    options = at.selectbox[0].options
    assert options and not set(options) & set(app_bundle.schema.names)
    labels = {core.label(n, "fr", app_bundle.schema) for n in app_bundle.schema.names}
    assert set(options) <= labels


def _card_bundle(app_bundle_dir, tmp_path, metrics: dict):
    folder = tmp_path / "card"
    shutil.copytree(app_bundle_dir, folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["metrics"] = metrics
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


TEST = {"roc_auc": 0.71, "cost_per_client": 0.52, "recall": 0.6, "precision": 0.2, "brier": 0.07,
        "n": 600, "tp": 28, "fp": 139, "tn": 412, "fn": 21}  # fmt: skip


@pytest.mark.parametrize(
    ("lang", "no_history", "real", "auc"),
    [
        ("fr", "Qualité sans historique de crédit", "Sur de vrais demandeurs Home Credit", "0,655"),
        ("en", "Quality without credit history", "On real Home Credit applicants", "0.655"),
    ],
)
def test_model_card_shows_quality_without_history_and_on_real_applicants(
    use_bundle, app_bundle_dir, tmp_path, lang, no_history, real, auc
):
    metrics = {
        "test": TEST,
        "test_no_history": {
            "roc_auc": 0.655,
            "cost_per_client": 0.6,
            "tp": 29,
            "fp": 176,
            "tn": 375,
            "fn": 20,
        },
        "real_sample": {  # as scripts/evaluate_real.py records it
            "data": "homecredit/application_train.csv (real Home Credit sample)",
            "with_history": {
                "n": 5000,
                "n_rejected": 0,
                "default_rate": 0.0808,
                "roc_auc": 0.731,
                "cost_per_client": 0.61,
                "history_known": 4700,
            },
            "without_history": {
                "n": 5000,
                "n_rejected": 0,
                "default_rate": 0.0808,
                "roc_auc": 0.702,
                "cost_per_client": 0.66,
                "history_known": 0,
            },
        },
    }
    use_bundle(_card_bundle(app_bundle_dir, tmp_path, metrics))
    at = AppTest.from_file(str(DASHBOARD / "views" / "model_card.py"), default_timeout=60)
    at.session_state["lang"] = lang
    at.run()
    assert not at.exception
    body = texts(at)
    assert no_history in body and real in body
    shown = [m.value for m in at.metric]
    assert auc in shown and ("0,731" if lang == "fr" else "0.731") in shown
    assert ("0,702" if lang == "fr" else "0.702") in shown
    assert ("0,660" if lang == "fr" else "0.660") in shown  # cost per client without history
    assert ("5\u202f000 demandeurs réels" if lang == "fr" else "5,000 real applicants") in body


def test_model_card_without_the_new_metrics_shows_the_test_only(use_bundle, app_bundle_dir, tmp_path):
    use_bundle(_card_bundle(app_bundle_dir, tmp_path, {"test": TEST}))
    at = AppTest.from_file(str(DASHBOARD / "views" / "model_card.py"), default_timeout=60)
    at.session_state["lang"] = "en"
    at.run()
    body = texts(at)
    assert not at.exception and "0.710" in [m.value for m in at.metric]
    assert "Quality without credit history" not in body and "On real Home Credit applicants" not in body


def test_model_card_states_provenance(page, app_bundle):
    at = page("model_card.py")
    body = texts(at)
    assert "SYNTHETIC training data" in body and app_bundle.version in "\n".join(
        str(d.value.to_string()) for d in at.dataframe
    )


def test_app_navigation_runs(use_bundle, app_bundle_dir):
    use_bundle(app_bundle_dir)
    at = AppTest.from_file(str(DASHBOARD / "app.py"), default_timeout=60).run()
    assert not at.exception and at.title[0].value == "Évaluer un client"
    at.switch_page("views/threshold.py").run()
    assert at.title[0].value == "Seuil de décision et coût métier"


def test_bad_bundle_is_a_message_not_a_trace(use_bundle, tmp_path):
    use_bundle(tmp_path / "missing")
    at = AppTest.from_file(str(DASHBOARD / "views" / "score.py"), default_timeout=60).run()
    assert not at.exception
    assert "could not be loaded" in at.error[0].value and "does not exist" in at.error[0].value
