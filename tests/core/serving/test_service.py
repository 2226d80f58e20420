"""The scoring service on real (small) CatBoost bundles: a feature-level one and an application one."""

from __future__ import annotations

import io
import math

import numpy as np
import pandas as pd
import pytest

from core import ScoringService, reason_sentence
from core.errors import RecordValidationError
from core.serving.explain import Explainer, shap_values
from core.serving.schema import to_model_frame
from core.serving.validation import read_clients_csv


@pytest.fixture(scope="module")
def toy_service(toy_bundle):
    return ScoringService(toy_bundle)


@pytest.fixture(scope="module")
def app_service(app_bundle):
    return ScoringService(app_bundle)


def test_score_matches_model(toy_service, toy_bundle, toy_record):
    result = toy_service.score(toy_record)
    frame = pd.DataFrame([{k: v for k, v in toy_record.items() if k != "SK_ID_CURR"}])
    expected = toy_bundle.model.predict_proba(to_model_frame(frame, toy_bundle.schema))[0, 1]
    assert result.probability == pytest.approx(expected, abs=1e-12)
    assert result.decision == ("REFUSED" if expected >= toy_bundle.threshold else "ACCEPTED")
    assert result.threshold == toy_bundle.threshold and result.bundle_version == "0.0.1-toy"
    assert result.client_id == toy_record["SK_ID_CURR"] and result.history == "not_applicable"


def test_decision_at_threshold_is_refused(toy_bundle, toy_record):
    p = ScoringService(toy_bundle).score(toy_record).probability
    saved = toy_bundle.threshold
    try:
        for threshold, decision in ((p, "REFUSED"), (np.nextafter(p, 1), "ACCEPTED")):
            toy_bundle.threshold = threshold
            assert ScoringService(toy_bundle).score(toy_record).decision == decision
    finally:
        toy_bundle.threshold = saved


def test_bad_input_is_refused_naming_the_field(toy_service, toy_record):
    with pytest.raises(RecordValidationError, match="EXT_SOURCE_1"):
        toy_service.score(dict(toy_record, EXT_SOURCE_1=7))


def test_table_scores_good_rows_and_reports_bad(toy_service, toy_bundle):
    ref = toy_bundle.reference.head(20).copy()
    ref["AMT_CREDIT"] = ref["AMT_CREDIT"].astype(object)
    ref.loc[3, "AMT_CREDIT"] = "=HYPERLINK(1)"
    ref.loc[7, "CODE_GENDER"] = "unknown"
    batch = toy_service.score_frame(read_clients_csv(io.StringIO(ref.to_csv(index=False))))
    assert batch.n_rows == 20 and batch.n_scored == 18
    assert sorted({e.row for e in batch.errors}) == [4, 8]
    good = toy_bundle.reference.head(20)[toy_bundle.schema.names].drop(index=[3, 7])
    expected = toy_bundle.model.predict_proba(to_model_frame(good, toy_bundle.schema))[:, 1]
    np.testing.assert_allclose(batch.results["probability"], expected, atol=1e-12)
    assert batch.results["SK_ID_CURR"].tolist() == ref["SK_ID_CURR"].drop(index=[3, 7]).tolist()
    assert set(batch.errors_frame().columns) == {"row", "field", "problem", "value"}


def test_records_batch_equals_one_by_one(toy_service, toy_record):
    batch = toy_service.score_records([toy_record, dict(toy_record, CODE_GENDER=3), "nope", toy_record])
    assert batch.results["row"].tolist() == [1, 4]
    assert {(e.row, e.field) for e in batch.errors} == {(2, "CODE_GENDER"), (3, "(record)")}
    single = toy_service.score(toy_record).probability
    assert batch.results["probability"].tolist() == [single, single]  # the same double, not approximately


def test_a_client_id_given_twice_is_scored_with_a_warning_across_chunks(toy_service, toy_bundle, toy_record):
    from core.serving.validation import DuplicateIds

    ref = toy_bundle.reference.head(4).copy()
    ref["SK_ID_CURR"] = [11, 12, 11, 13]
    frame = read_clients_csv(io.StringIO(ref.to_csv(index=False)))
    seen = DuplicateIds()
    first = toy_service.score_frame(frame.iloc[:2], seen_ids=seen)
    second = toy_service.score_frame(frame.iloc[2:], first_row=3, seen_ids=seen)
    assert first.warnings == [] and second.n_scored == 2
    assert [(w.row, w.field, w.value) for w in second.warnings] == [(3, "SK_ID_CURR", 11)]
    assert "already on row 1" in second.warnings[0].problem
    batch = toy_service.score_records([dict(toy_record, SK_ID_CURR=5), dict(toy_record, SK_ID_CURR=5)])
    assert [(w.row, w.field) for w in batch.warnings if w.field == "SK_ID_CURR"] == [(2, "SK_ID_CURR")]


def test_shap_values_add_up_to_raw_prediction(toy_bundle):
    features = toy_bundle.reference[toy_bundle.schema.names].head(200)
    shap = shap_values(toy_bundle, features)
    raw = toy_bundle.model.predict(
        to_model_frame(features, toy_bundle.schema), prediction_type="RawFormulaVal"
    )
    np.testing.assert_allclose(shap.values.sum(axis=1) + shap.base_value, raw, atol=1e-8)


def test_one_computation_gives_score_and_explanation(app_service, application):
    result = app_service.score(application, top_k=3)
    c = result.contributions
    assert c["shap"].sum() + result.base_value == pytest.approx(result.raw_score)
    assert 1 / (1 + math.exp(-result.raw_score)) == pytest.approx(result.probability, abs=1e-9)
    assert list(c["shap"].abs()) == sorted(c["shap"].abs(), reverse=True)
    assert all(r.contribution > 0 and r.direction == "default" for r in result.toward_default)
    assert all(r.contribution < 0 for r in result.toward_repayment)
    for reason in result.toward_default + result.toward_repayment:
        assert "risque" in reason_sentence(reason, "fr") and "risk" in reason_sentence(reason, "en")


def test_application_features_follow_the_raw_fields(app_service, application):
    """What-if: changing the credit amount changes the derived ratio and the probability."""
    before = app_service.score(application)
    after = app_service.score(dict(application, AMT_CREDIT=application["AMT_CREDIT"] * 2))
    assert after.features["AMT_CREDIT"] == application["AMT_CREDIT"] * 2
    assert after.features["CREDIT_TERM_RATIO"] == pytest.approx(before.features["CREDIT_TERM_RATIO"] / 2)
    others = [
        app_service.score(dict(application, AMT_CREDIT=application["AMT_CREDIT"] * m)) for m in (0.1, 10)
    ]
    assert any(o.probability != before.probability for o in [after, *others])


def test_known_client_gets_its_history_new_applicant_none(app_service, app_bundle, application):
    known = app_service.score(application)
    assert known.history == "known"
    ref = app_bundle.reference.set_index("SK_ID_CURR").loc[application["SK_ID_CURR"]]
    for name in app_bundle.schema.history_features:
        value = known.features[name]
        assert (value is None and pd.isna(ref[name])) or value == ref[name]
    new = app_service.score(dict(application, SK_ID_CURR=123))  # an id the bank does not hold
    assert new.history == "none"
    assert all(new.features[n] is None for n in app_bundle.schema.history_features)
    # an unknown history is one reason, not one per history feature
    names = [r.feature for r in new.toward_default + new.toward_repayment]
    assert not set(names) & set(app_bundle.schema.history_features)


def test_application_contract_fields_are_optional_but_required_ones(app_service, application):
    required = {"AMT_CREDIT", "AMT_ANNUITY", "AMT_INCOME_TOTAL", "DAYS_BIRTH"}
    result = app_service.score({k: application[k] for k in required})
    assert 0 < result.probability < 1 and "EXT_SOURCE_1" in result.missing_fields
    with pytest.raises(RecordValidationError) as info:
        app_service.score({"EXT_SOURCE_2": 0.5})
    assert {e.field for e in info.value.errors} == required
    assert all(e.problem.startswith("insufficient data") for e in info.value.errors)


def test_valid_unseen_category_is_scored_with_a_warning(app_service, app_bundle, application):
    seen = app_bundle.schema.get("NAME_INCOME_TYPE").seen_categories
    unseen = next(v for v in app_bundle.schema.get("NAME_INCOME_TYPE").categories if v not in seen)
    result = app_service.score(dict(application, NAME_INCOME_TYPE=unseen))
    assert [w.field for w in result.warnings] == ["NAME_INCOME_TYPE"]
    assert "never seen in training" in result.warnings[0].message
    with pytest.raises(RecordValidationError, match="expected one of 'Working'"):
        app_service.score(dict(application, NAME_INCOME_TYPE="Astronaut"))


def test_integers_are_enforced(app_service, application):
    with pytest.raises(RecordValidationError, match="DEF_30_CNT_SOCIAL_CIRCLE: must be a whole number"):
        app_service.score(dict(application, DEF_30_CNT_SOCIAL_CIRCLE=0.25))


def test_application_table_and_records_agree(app_service, app_bundle):
    apps = [app_service.record_of(i) for i in app_service.known_ids()[:30]]
    frame = pd.DataFrame(apps)
    text = read_clients_csv(io.StringIO(frame.to_csv(index=False)))
    from_csv = app_service.score_frame(text)
    from_json = app_service.score_records(apps)
    one_by_one = [app_service.score(a, explain=False).probability for a in apps]
    assert from_csv.results["probability"].tolist() == from_json.results["probability"].tolist() == one_by_one
    assert from_csv.results["SK_ID_CURR"].tolist() == [a["SK_ID_CURR"] for a in apps]


def test_percentile_and_population(toy_bundle):
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
    dep = explainer.dependence("EXT_SOURCE_2").dropna()
    assert np.corrcoef(dep["value"], dep["shap"])[0, 1] < -0.5  # higher external score, lower risk


def test_sentence_never_says_more_than_everyone(toy_service, toy_bundle, toy_record):
    top = float(toy_bundle.reference["AMT_INCOME_TOTAL"].max()) * 2
    result = toy_service.score(dict(toy_record, AMT_INCOME_TOTAL=top), top_k=13)
    income = [r for r in result.toward_default + result.toward_repayment if r.feature == "AMT_INCOME_TOTAL"]
    assert income
    assert "99% of clients" in reason_sentence(income[0], "en") and "100 %" not in reason_sentence(
        income[0], "fr"
    )


@pytest.fixture()
def application(app_service):
    """A known client's application (the first reference client), JSON-like."""
    return app_service.example_record()


def test_batch_reasons_equal_one_by_one_reasons():
    """The batch ranks the reasons on the whole SHAP matrix; each row gets exactly what scoring it
    alone gives (same features, contributions, percentiles, order), history known or not."""
    from core import DEMO_BUNDLE_DIR, load_bundle

    service = ScoringService(load_bundle(DEMO_BUNDLE_DIR))
    known = [service.record_of(i) for i in service.known_ids()[:150]]
    new = [{**r, "SK_ID_CURR": 990_000_000 + i} for i, r in enumerate(known[:100])]  # no history known
    bare = [
        {k: (v if k in ("SK_ID_CURR", "AMT_CREDIT", "AMT_INCOME_TOTAL") else None) for k, v in r.items()}
        for r in new[:20]
    ]
    records = known + new + bare
    batch = service.score_records(records, explain=True, top_k=4)
    assert batch.n_scored == len(records) - len(batch.errors and {e.row for e in batch.errors})
    scored = [records[r - 1] for r in batch.results["row"]]
    assert {"known", "none"} <= set(batch.results["history"])
    for record, (default, repay) in zip(scored, batch.reasons, strict=True):
        one = service.score(record, top_k=4)
        assert default == one.toward_default and repay == one.toward_repayment
