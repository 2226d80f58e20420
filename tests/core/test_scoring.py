"""Scoring and explanations on a real (small) CatBoost bundle."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from core.errors import RecordValidationError
from core.serving.explain import Explainer, shap_values
from core.serving.schema import to_model_frame
from core.serving.scoring import predict_proba, score_record, score_records, score_table
from core.serving.validation import read_clients_csv


def test_score_record_matches_model(toy_bundle, toy_record):
    result = score_record(toy_bundle, toy_record)
    frame = pd.DataFrame([{k: v for k, v in toy_record.items() if k != "SK_ID_CURR"}])
    expected = toy_bundle.model.predict_proba(to_model_frame(frame, toy_bundle.schema))[0, 1]
    assert result.probability == pytest.approx(expected)
    assert result.decision == ("REFUSED" if expected >= toy_bundle.threshold else "ACCEPTED")
    assert result.threshold == toy_bundle.threshold and result.model_version == "0.0.1-toy"
    assert result.client_id == toy_record["SK_ID_CURR"]


def test_decision_at_threshold_is_refused(toy_bundle, toy_record):
    p = score_record(toy_bundle, toy_record).probability
    for threshold, decision in ((p, "REFUSED"), (np.nextafter(p, 1), "ACCEPTED")):
        toy_bundle.threshold, saved = threshold, toy_bundle.threshold
        try:
            assert score_record(toy_bundle, toy_record).decision == decision
        finally:
            toy_bundle.threshold = saved


def test_missing_values_are_scored(toy_bundle, toy_record):
    record = {k: None for k in toy_record}
    assert 0 < score_record(toy_bundle, record).probability < 1


def test_score_record_rejects_bad_input(toy_bundle, toy_record):
    with pytest.raises(RecordValidationError, match="EXT_SOURCE_1"):
        score_record(toy_bundle, dict(toy_record, EXT_SOURCE_1=7))


def test_score_table_scores_good_rows_and_reports_bad(toy_bundle):
    ref = toy_bundle.reference.head(20).copy()
    ref["AMT_CREDIT"] = ref["AMT_CREDIT"].astype(object)
    ref.loc[3, "AMT_CREDIT"] = "=HYPERLINK(1)"
    ref.loc[7, "CODE_GENDER"] = "unknown"
    frame = read_clients_csv(io.StringIO(ref.to_csv(index=False)))
    batch = score_table(toy_bundle, frame)
    assert batch.n_rows == 20 and batch.n_scored == 18
    assert sorted({e.row for e in batch.errors}) == [4, 8]
    expected = predict_proba(
        toy_bundle, toy_bundle.reference.head(20)[toy_bundle.schema.names].drop(index=[3, 7])
    )
    np.testing.assert_allclose(batch.results["probability"], expected)
    assert batch.results["SK_ID_CURR"].tolist() == ref["SK_ID_CURR"].drop(index=[3, 7]).tolist()
    assert set(batch.errors_frame().columns) == {"row", "field", "problem", "value"}


def test_score_records_batch(toy_bundle, toy_record):
    batch = score_records(toy_bundle, [toy_record, dict(toy_record, CODE_GENDER=3), "nope", toy_record])
    assert batch.results["row"].tolist() == [1, 4]
    assert {(e.row, e.field) for e in batch.errors} == {(2, "CODE_GENDER"), (3, "(record)")}
    single = score_record(toy_bundle, toy_record).probability
    np.testing.assert_allclose(batch.results["probability"], [single, single])


def test_shap_values_add_up_to_raw_prediction(toy_bundle):
    features = toy_bundle.reference[toy_bundle.schema.names].head(200)
    shap = shap_values(toy_bundle, features)
    raw = toy_bundle.model.predict(
        to_model_frame(features, toy_bundle.schema), prediction_type="RawFormulaVal"
    )
    np.testing.assert_allclose(shap.values.sum(axis=1) + shap.base_value, raw, atol=1e-8)
    np.testing.assert_allclose(1 / (1 + np.exp(-shap.raw)), predict_proba(toy_bundle, features), atol=1e-8)


def test_local_explanation(toy_bundle, toy_record):
    explanation = Explainer(toy_bundle).explain_record(toy_record, top_k=3)
    c = explanation.contributions
    assert c["shap"].sum() + explanation.base_value == pytest.approx(explanation.raw_prediction)
    assert explanation.score.probability == pytest.approx(score_record(toy_bundle, toy_record).probability)
    assert list(c["shap"].abs()) == sorted(c["shap"].abs(), reverse=True)
    assert 0 < len(explanation.toward_default) <= 3 and 0 < len(explanation.toward_repayment) <= 3
    assert all(r.contribution > 0 and r.direction == "default" for r in explanation.toward_default)
    assert all(r.contribution < 0 for r in explanation.toward_repayment)
    for reason in explanation.toward_default + explanation.toward_repayment:
        assert "risque" in reason.text_fr and "risk" in reason.text_en
        if reason.value is not None:
            assert reason.percentile is not None and 0 <= reason.percentile <= 100


def test_percentile_and_sentences(toy_bundle):
    explainer = Explainer(toy_bundle)
    ages = toy_bundle.reference["DAYS_BIRTH"]
    assert explainer.percentile("DAYS_BIRTH", ages.min() - 1) == 0
    assert explainer.percentile("DAYS_BIRTH", ages.max() + 1) == 100
    share_f = (toy_bundle.reference["CODE_GENDER"] == "F").mean() * 100
    assert explainer.percentile("CODE_GENDER", "F") == pytest.approx(share_f)
    assert explainer.percentile("EXT_SOURCE_1", None) is None


def test_global_importance_and_dependence(toy_bundle):
    explainer = Explainer(toy_bundle)
    imp = explainer.global_importance()
    assert imp["feature"].tolist()[0] == "EXT_SOURCE_2"  # the strongest driver of the toy target
    assert sorted(imp["feature"]) == sorted(toy_bundle.schema.names)
    assert (imp["mean_abs_shap"].diff().dropna() <= 0).all()
    dep = explainer.dependence("EXT_SOURCE_2")
    assert len(dep) == len(toy_bundle.reference)
    # higher external score -> lower risk contribution
    valid = dep.dropna()
    assert np.corrcoef(valid["value"], valid["shap"])[0, 1] < -0.5


def test_sentence_never_says_more_than_everyone(toy_bundle, toy_record):
    top = float(toy_bundle.reference["AMT_INCOME_TOTAL"].max()) * 2
    explanation = Explainer(toy_bundle).explain_record(dict(toy_record, AMT_INCOME_TOTAL=top), top_k=13)
    income = [
        r
        for r in explanation.toward_default + explanation.toward_repayment
        if r.feature == "AMT_INCOME_TOTAL"
    ]
    assert income and "99% of clients" in income[0].text_en and "100 %" not in income[0].text_fr
