"""Model card: how the model was evaluated, calibration, the gap to other families, sensitive inputs."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.dashboard.conftest import texts
from tests.dashboard.test_pages import DASHBOARD, TEST, _card_bundle

METRICS = {
    "test": TEST,
    "calibration_test": [{"predicted": 0.02 * i, "observed": 0.021 * i, "n": 60} for i in range(1, 11)],
    "calibration": {
        "applied": "none",
        "methods": {
            "none": {"threshold": 0.08, "test_cost_per_client": 0.52, "test_brier": 0.07, "oof_brier": 0.07},
            "intercept": {"threshold": 0.08, "test_cost_per_client": 0.53, "test_brier": 0.071, "oof_brier": 0.07},
            "platt": {"threshold": 0.08, "test_cost_per_client": 0.525, "test_brier": 0.069, "oof_brier": 0.07},
            "isotonic": {"threshold": 0.08, "test_cost_per_client": 0.54, "test_brier": 0.072, "oof_brier": 0.068},
        },
    },
    "evaluation": {
        "split": "stratified hold-out of 20% of the labelled clients (seed 0)",
        "threshold_from": "out-of-fold predictions of the training clients (4-fold CV)",
        "benchmark": "4-fold stratified CV on 7148 training clients",
        "tuning": "Optuna TPE, 40 trials on 5-fold CV (28 stopped early by the median pruner)",
        "cv_folds": 4,
        "intervals": {"method": "percentile bootstrap", "level": 0.95,
                      "test": {"roc_auc": {"value": 0.71, "low": 0.68, "high": 0.7437}}},
    },
    "family_gap": {"best_other_by_cost": "random_forest", "cost_difference": 0.0123,
                   "best_other_by_auc": "lightgbm", "auc_difference": -0.004, "statement": "x"},
    "sensitive": {"excluded_fields": [], "compared_fields": ["CODE_GENDER", "DAYS_BIRTH"],
                  "used_as_inputs": {"CODE_GENDER": ["CODE_GENDER"], "DAYS_BIRTH": ["DAYS_BIRTH", "EMPLOYED_BIRTH_RATIO"]},
                  "comparison": {"with": {}, "without": {}, "auc_lost_by_excluding": 0.006,
                                 "cost_added_by_excluding": 0.011, "served": "with"}, "audit": None},
}  # fmt: skip


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", ["How it was evaluated", "isotonic (reported, never applied)", "Training without the sensitive attributes",
                "Random forest", "+0.0123", "changes the held-out ROC AUC by −0.0060", "Sensitive attributes and fairness",
                "Parameters chosen by Optuna TPE, 40 trials"]),
        ("fr", ["Comment il a été évalué", "isotonique (mesurée, jamais appliquée)", "Entraînement sans les attributs sensibles",
                "+0,0123", "de −0,0060", "Paramètres choisis par Optuna TPE"]),
    ],
)  # fmt: skip
def test_model_card_shows_evaluation_calibration_family_gap_and_sensitive_inputs(
    use_bundle, app_bundle_dir, tmp_path, lang, words
):
    use_bundle(_card_bundle(app_bundle_dir, tmp_path, METRICS))
    at = AppTest.from_file(str(DASHBOARD / "views" / "model_card.py"), default_timeout=60)
    at.session_state["lang"] = lang
    at.run()
    assert not at.exception
    body = texts(at) + "\n" + "\n".join(str(d.value.to_string()) for d in at.dataframe)
    missing = [w for w in words if w not in body]
    assert not missing, missing
    assert "0.7437" in body or "0,7437" in body  # the interval's high end, in the evaluation table
