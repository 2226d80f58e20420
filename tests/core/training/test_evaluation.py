"""Evaluation figures, calibration and sensitive fields: properties and hand-computed values."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest
from catboost import CatBoostClassifier, Pool

from core.cost import CostWeights
from core.training import calibration
from core.training.evaluation import age_band, bootstrap_intervals, evaluate_scores, ks_statistic
from core.training.sensitive import carriers, parse_fields, sensitive_inputs

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[3]))
from benchmarks.baselines import corrected_ttest  # noqa: E402


def test_ks_is_the_largest_gap_between_the_score_distributions():
    y = np.array([0, 0, 0, 1, 1, 1])
    p = np.array([0.1, 0.2, 0.6, 0.3, 0.7, 0.8])
    # refusing p >= 0.3: TPR 1, FPR 1/3 -> 2/3 (hand computed)
    assert ks_statistic(y, p) == pytest.approx(2 / 3)


def test_bootstrap_intervals_hold_the_point_and_gini_is_2auc_minus_1():
    rng = np.random.default_rng(0)
    y = (rng.random(800) < 0.1).astype(int)
    p = np.clip(0.1 + 0.2 * y + rng.normal(0, 0.1, 800), 0.001, 0.999)
    ci = bootstrap_intervals(y, p, threshold=0.2, weights=CostWeights(), n_boot=100)
    for v in ci.values():
        assert v["low"] <= v["value"] <= v["high"]
    assert ci["gini"]["value"] == pytest.approx(2 * ci["roc_auc"]["value"] - 1)
    report = evaluate_scores(y, p, pd.DataFrame({"CODE_GENDER": rng.choice(["F", "M"], 800),
                                                 "DAYS_BIRTH": -365.25 * rng.uniform(20, 70, 800)}),
                             threshold=0.2, weights=CostWeights(), n_boot=30)  # fmt: skip
    assert report.at_optimum["cost_per_client"] <= report.at_threshold["cost_per_client"]
    assert {s["segment"] for s in report.segments} == {"CODE_GENDER", "AGE_BAND"}
    assert sum(s["n"] for s in report.segments if s["segment"] == "CODE_GENDER") == 800


def test_age_bands():
    bands = age_band(pd.Series([-365.25 * 25, -365.25 * 45.5, -365.25 * 61, np.nan]))
    assert list(bands) == ["< 30", "40-49", "60+", "unknown"]


def test_intercept_folded_into_catboost_equals_the_calibration_and_keeps_shap():
    rng = np.random.default_rng(1)
    x = pd.DataFrame({"a": rng.normal(size=400), "b": rng.normal(size=400)})
    y = (rng.random(400) < 1 / (1 + np.exp(-(x["a"] * 2 - 2)))).astype(int)
    model = CatBoostClassifier(
        iterations=20, depth=2, verbose=False, random_seed=0, allow_writing_files=False
    )
    model.fit(x, y)
    before = model.predict_proba(x)[:, 1]
    platt = calibration.fit_intercept(y, before)
    assert calibration.fit_platt(y, before).scale != 1.0
    assert np.mean(platt(before)) == pytest.approx(y.mean(), abs=1e-9)
    calibration.apply_platt(model, platt)
    np.testing.assert_allclose(model.predict_proba(x)[:, 1], platt(before), rtol=1e-9, atol=1e-12)
    # SHAP values still add up to the served log-odds
    shap = model.get_feature_importance(Pool(x), type="ShapValues")
    np.testing.assert_allclose(shap.sum(axis=1), calibration.logit(model.predict_proba(x)[:, 1]), atol=1e-6)


def test_calibration_is_kept_only_if_it_lowers_the_held_out_cost():
    rng = np.random.default_rng(2)
    y = (rng.random(2000) < 0.08).astype(int)
    p = np.clip(0.04 + 0.1 * y + rng.normal(0, 0.05, 2000), 1e-3, 0.999)
    _, summary = calibration.compare(y[:1000], p[:1000], y[1000:], p[1000:], CostWeights())
    rows = summary["methods"]
    kept = rows["intercept"]["test_cost_per_client"] < rows["none"]["test_cost_per_client"]
    assert summary["applied"] == ("intercept" if kept else "none")
    assert {"none", "intercept", "platt", "isotonic"} == set(rows)


def test_sensitive_fields_and_their_carriers():
    assert parse_fields("CODE_GENDER, DAYS_BIRTH") == ("CODE_GENDER", "DAYS_BIRTH")
    with pytest.raises(ValueError, match=r"'GENDER' is not a raw application field"):
        parse_fields("GENDER")
    assert "EMPLOYED_BIRTH_RATIO" in carriers(["DAYS_BIRTH"])
    used = sensitive_inputs(["EXT_SOURCE_1", "CODE_GENDER", "EMPLOYED_BIRTH_RATIO"])
    assert used == {"CODE_GENDER": ["CODE_GENDER"], "DAYS_BIRTH": ["EMPLOYED_BIRTH_RATIO"]}


def test_corrected_resampled_t_test():
    d = np.array([0.01, 0.02, 0.015, 0.012, 0.018, 0.011, 0.02, 0.016, 0.013, 0.019])
    t, p = corrected_ttest(d, 4468, 4468)
    # the correction (1/J + n_test/n_train) = 1.1 inflates the variance 11-fold against the naive 0.1
    naive = d.mean() / np.sqrt(d.var(ddof=1) / 10)
    assert t == pytest.approx(naive / np.sqrt(11)) and 0 < p < 0.05
    assert corrected_ttest(np.array([0.01, -0.01, 0.0]), 10, 10)[1] > 0.05
