"""Cross-validated CatBoost on the business cost, and its Optuna tuning."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import optuna
import pandas as pd
from catboost import CatBoostClassifier
from sklearn.model_selection import StratifiedKFold

from core.cost import CostWeights, confusion_at, optimal_threshold

log = logging.getLogger(__name__)


def make_catboost(params: dict[str, Any], *, iterations: int, seed: int) -> CatBoostClassifier:
    """The production CatBoost: unweighted, so its probabilities stay calibrated."""
    return CatBoostClassifier(
        iterations=iterations, random_seed=seed, verbose=False, thread_count=2,
        allow_writing_files=False, eval_metric="AUC", **params,
    )  # fmt: skip


def cv_predictions(
    x: pd.DataFrame,
    y: np.ndarray,
    categorical: list[str],
    params: dict[str, Any],
    *,
    iterations: int,
    folds: int,
    seed: int,
) -> np.ndarray:
    """Out-of-fold probabilities of a CatBoost with ``params`` (``x`` already model-ready)."""
    oof = np.zeros(len(y))
    for train_idx, valid_idx in StratifiedKFold(folds, shuffle=True, random_state=seed).split(x, y):
        model = make_catboost(params, iterations=iterations, seed=seed)
        model.fit(x.iloc[train_idx], y[train_idx], cat_features=categorical)
        oof[valid_idx] = model.predict_proba(x.iloc[valid_idx])[:, 1]
    return oof


def business_cost(y: np.ndarray, proba: np.ndarray, weights: CostWeights) -> float:
    """Cost per client at the cost-optimal threshold."""
    return confusion_at(y, proba, optimal_threshold(y, proba, weights), weights).cost_per_client


def tune(
    x: pd.DataFrame,
    y: np.ndarray,
    categorical: list[str],
    *,
    weights: CostWeights,
    trials: int,
    timeout: float,
    iterations: int,
    folds: int,
    seed: int,
) -> tuple[dict[str, Any], pd.DataFrame]:
    """Optuna search minimising the cross-validated cost per client; returns best params and the trials."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)

    def objective(trial: optuna.Trial) -> float:
        params = {
            "depth": trial.suggest_int("depth", 4, 8),
            "learning_rate": trial.suggest_float("learning_rate", 0.02, 0.15, log=True),
            "l2_leaf_reg": trial.suggest_float("l2_leaf_reg", 1.0, 20.0, log=True),
            "random_strength": trial.suggest_float("random_strength", 0.1, 5.0, log=True),
        }
        oof = cv_predictions(x, y, categorical, params, iterations=iterations, folds=folds, seed=seed)
        cost = business_cost(y, oof, weights)
        log.info("trial %d: cost/client %.4f with %s", trial.number, cost, params)
        return cost

    study = optuna.create_study(direction="minimize", sampler=optuna.samplers.TPESampler(seed=seed))
    study.enqueue_trial({"depth": 6, "learning_rate": 0.05, "l2_leaf_reg": 3.0, "random_strength": 1.0})
    study.optimize(objective, n_trials=trials, timeout=timeout)
    return dict(study.best_params), study.trials_dataframe()
