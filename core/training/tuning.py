"""Cross-validated CatBoost on the business cost, and its Optuna tuning."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import optuna
import pandas as pd
from catboost import CatBoostClassifier
from sklearn.model_selection import StratifiedKFold, train_test_split

from core.cost import CostWeights, confusion_at, optimal_threshold

log = logging.getLogger(__name__)


def make_catboost(params: dict[str, Any], *, iterations: int, seed: int) -> CatBoostClassifier:
    """The production CatBoost: unweighted, so its probabilities stay calibrated."""
    return CatBoostClassifier(
        iterations=iterations, random_seed=seed, verbose=False, thread_count=2,
        allow_writing_files=False, eval_metric="AUC", **params,
    )  # fmt: skip


#: share of a training fold kept aside to stop the boosting early (never the evaluation fold)
EARLY_STOPPING_SHARE = 0.1


@dataclass(frozen=True)
class CvFit:
    """Out-of-fold probabilities and, with early stopping, the trees each fold kept."""

    oof: np.ndarray
    best_iterations: tuple[int, ...]  # empty without early stopping
    fit_rows: float  # mean number of rows a fold's model was fitted on


def fit_catboost(
    x: pd.DataFrame,
    y: np.ndarray,
    categorical: list[str],
    params: dict[str, Any],
    *,
    iterations: int,
    seed: int,
    early_stopping: int = 0,
) -> tuple[CatBoostClassifier, int]:
    """A CatBoost fitted on ``x``; with ``early_stopping`` rounds, a stratified share of ``x`` itself
    (:data:`EARLY_STOPPING_SHARE`) decides when to stop. Returns the model and its rows fitted on."""
    model = make_catboost(params, iterations=iterations, seed=seed)
    if not early_stopping:
        model.fit(x, y, cat_features=categorical)
        return model, len(y)
    fit_idx, stop_idx = train_test_split(
        np.arange(len(y)), test_size=EARLY_STOPPING_SHARE, stratify=y, random_state=seed
    )
    model.fit(
        x.iloc[fit_idx], y[fit_idx], cat_features=categorical,
        eval_set=(x.iloc[stop_idx], y[stop_idx]), early_stopping_rounds=early_stopping, use_best_model=True,
    )  # fmt: skip
    return model, len(fit_idx)


def cv_fit(
    x: pd.DataFrame,
    y: np.ndarray,
    categorical: list[str],
    params: dict[str, Any],
    *,
    iterations: int,
    folds: int,
    seed: int,
    early_stopping: int = 0,
    on_fold: Callable[[int, np.ndarray, np.ndarray], None] | None = None,
) -> CvFit:
    """Out-of-fold probabilities of a CatBoost with ``params`` (``x`` already model-ready);
    ``on_fold(k, valid_idx, oof)`` after each fold (Optuna's pruning hook)."""
    oof = np.zeros(len(y))
    best: list[int] = []
    rows: list[int] = []
    splits = StratifiedKFold(folds, shuffle=True, random_state=seed).split(x, y)
    for k, (train_idx, valid_idx) in enumerate(splits):
        model, n_fit = fit_catboost(
            x.iloc[train_idx], y[train_idx], categorical, params,
            iterations=iterations, seed=seed, early_stopping=early_stopping,
        )  # fmt: skip
        oof[valid_idx] = model.predict_proba(x.iloc[valid_idx])[:, 1]
        rows.append(n_fit)
        if early_stopping:
            best.append(int(model.get_best_iteration()) + 1)
        if on_fold is not None:
            on_fold(k, valid_idx, oof)
    return CvFit(oof=oof, best_iterations=tuple(best), fit_rows=float(np.mean(rows)))


def final_iterations(cv: CvFit, *, n_rows: int, cap: int) -> int:
    """Trees of a model fitted on all ``n_rows`` after an early-stopped CV: the folds' median,
    scaled by the data it will see (more rows carry more trees before overfitting), at most ``cap``."""
    if not cv.best_iterations:
        return cap
    return int(min(cap, max(1, round(float(np.median(cv.best_iterations)) * n_rows / cv.fit_rows))))


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
    return cv_fit(x, y, categorical, params, iterations=iterations, folds=folds, seed=seed).oof


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
    early_stopping: int = 0,
    prune_after: int = 0,
) -> tuple[dict[str, Any], pd.DataFrame]:
    """Optuna search minimising the cross-validated cost per client; returns best params and the trials.

    ``early_stopping``: rounds without progress on a share of each training fold before a fold's
    boosting stops (0: always ``iterations`` trees). ``prune_after``: with that many complete trials,
    a trial whose mean cost over its first folds is worse than the median of earlier trials at the
    same fold stops there (Optuna's median pruner; 0: every trial runs all its folds).
    """
    optuna.logging.set_verbosity(optuna.logging.WARNING)

    def objective(trial: optuna.Trial) -> float:
        params = {
            "depth": trial.suggest_int("depth", 4, 8),
            "learning_rate": trial.suggest_float("learning_rate", 0.02, 0.15, log=True),
            "l2_leaf_reg": trial.suggest_float("l2_leaf_reg", 1.0, 20.0, log=True),
            "random_strength": trial.suggest_float("random_strength", 0.1, 5.0, log=True),
        }
        fold_costs: list[float] = []

        def report(k: int, valid_idx: np.ndarray, oof: np.ndarray) -> None:
            fold_costs.append(business_cost(y[valid_idx], oof[valid_idx], weights))
            trial.report(float(np.mean(fold_costs)), step=k)
            if trial.should_prune():
                log.info("trial %d pruned after fold %d (mean fold cost %.4f)", trial.number, k + 1,
                         np.mean(fold_costs))  # fmt: skip
                raise optuna.TrialPruned()

        cv = cv_fit(
            x, y, categorical, params, iterations=iterations, folds=folds, seed=seed,
            early_stopping=early_stopping, on_fold=report if prune_after else None,
        )  # fmt: skip
        cost = business_cost(y, cv.oof, weights)
        if cv.best_iterations:
            trial.set_user_attr("best_iterations", list(cv.best_iterations))
        log.info("trial %d: cost/client %.4f with %s", trial.number, cost, params)
        return cost

    pruner: optuna.pruners.BasePruner = (
        optuna.pruners.MedianPruner(n_startup_trials=prune_after, n_warmup_steps=0)
        if prune_after
        else optuna.pruners.NopPruner()
    )
    study = optuna.create_study(
        direction="minimize", sampler=optuna.samplers.TPESampler(seed=seed), pruner=pruner
    )
    study.enqueue_trial({"depth": 6, "learning_rate": 0.05, "l2_leaf_reg": 3.0, "random_strength": 1.0})
    study.optimize(objective, n_trials=trials, timeout=timeout)
    return dict(study.best_params), study.trials_dataframe()
