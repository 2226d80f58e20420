"""Calibration of the final model, fitted on out-of-fold predictions, kept only if it lowers the held-out cost.

Three calibrators are fitted on the out-of-fold predictions and measured on the held-out clients:
an intercept shift of the log-odds (``intercept``), Platt scaling (scale and shift of the log-odds)
and isotonic regression. Only the intercept shift can be applied: CatBoost stores it in the model
itself (``set_scale_and_bias`` with scale 1), so the served probability, the threshold and the SHAP
values (log-odds of default of the served model, still adding up exactly) stay one model; CatBoost
refuses SHAP values for a model with a non-identity scale, and a step function (isotonic) is not a
log-odds model at all, so those two are reported, never applied.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss

from core.cost import CostWeights, confusion_at, optimal_threshold

_EPS = 1e-12


def logit(p: np.ndarray) -> np.ndarray:
    """Log-odds of probabilities (clipped away from 0 and 1)."""
    p = np.clip(np.asarray(p, dtype=float), _EPS, 1 - _EPS)
    return np.log(p / (1 - p))


@dataclass(frozen=True)
class Platt:
    """``p' = sigmoid(scale * logit(p) + bias)``."""

    scale: float
    bias: float

    def __call__(self, p: np.ndarray) -> np.ndarray:
        """Calibrated probabilities."""
        return 1 / (1 + np.exp(-(self.scale * logit(p) + self.bias)))


def fit_platt(y: np.ndarray, proba: np.ndarray) -> Platt:
    """Platt scaling fitted on (out-of-fold) probabilities, almost unregularised."""
    lr = LogisticRegression(C=1e6, max_iter=1000).fit(logit(proba).reshape(-1, 1), y)
    return Platt(float(lr.coef_[0, 0]), float(lr.intercept_[0]))


def fit_intercept(y: np.ndarray, proba: np.ndarray) -> Platt:
    """The log-odds shift ``b`` (scale 1) of maximum likelihood: mean of the calibrated probabilities
    equals the observed default rate (solved by bisection; the mean is increasing in ``b``)."""
    z, target = logit(proba), float(np.mean(y))
    lo, hi = -20.0, 20.0
    for _ in range(100):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if np.mean(1 / (1 + np.exp(-(z + mid)))) < target else (lo, mid)
    return Platt(1.0, (lo + hi) / 2)


def compare(
    y_oof: np.ndarray, oof: np.ndarray, y_test: np.ndarray, test: np.ndarray, weights: CostWeights
) -> tuple[Platt, dict[str, Any]]:
    """Fit the calibrators on the out-of-fold predictions, each with its own cost-optimal threshold
    on those predictions, and measure cost and Brier score on the held-out clients."""
    raw_t = optimal_threshold(y_oof, oof, weights)
    platt = fit_platt(y_oof, oof)
    shift = fit_intercept(y_oof, oof)
    iso = IsotonicRegression(out_of_bounds="clip", y_min=0, y_max=1).fit(oof, y_oof)
    rows: dict[str, Any] = {}
    for name, f in {"none": None, "intercept": shift, "platt": platt, "isotonic": iso.predict}.items():
        o = oof if f is None else np.clip(f(oof), 0, 1)
        t_ = test if f is None else np.clip(f(test), 0, 1)
        th = raw_t if f is None else optimal_threshold(y_oof, o, weights)
        rows[name] = {
            "threshold": th,
            "test_cost_per_client": confusion_at(y_test, t_, th, weights).cost_per_client,
            "test_brier": float(brier_score_loss(y_test, t_)),
            "oof_brier": float(brier_score_loss(y_oof, o)),
        }
    lowers = rows["intercept"]["test_cost_per_client"] < rows["none"]["test_cost_per_client"]
    summary = {
        "methods": rows,
        "intercept": {"bias": shift.bias},
        "platt": {"scale": platt.scale, "bias": platt.bias},
        "fitted_on": "out-of-fold predictions of the training clients",
        "applied": "intercept" if lowers else "none",
        "rule": "the log-odds intercept shift is applied only if it lowers the cost per client on the "
        "held-out clients; Platt (CatBoost gives no SHAP values with a scale) and isotonic (not a "
        "log-odds model) are reported, never applied.",
    }
    return shift, summary


def apply_platt(model: Any, platt: Platt) -> None:
    """Fold a log-odds calibration into a CatBoost model's own scale and bias (log-odds stay
    additive; CatBoost computes SHAP values only when the scale stays 1)."""
    scale, bias = model.get_scale_and_bias()
    b = float(np.asarray(bias, dtype=float).ravel()[0])
    model.set_scale_and_bias(platt.scale * float(scale), platt.scale * b + platt.bias)
