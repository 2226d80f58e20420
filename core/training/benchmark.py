"""Benchmark of model families by cross-validation: AUC and business cost at each one's own threshold."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

from core.cost import CostWeights, confusion_at, optimal_threshold
from core.training.models import fit_model

log = logging.getLogger(__name__)


def benchmark(
    x: pd.DataFrame,
    y: np.ndarray,
    categorical: list[str],
    models: tuple[str, ...],
    *,
    weights: CostWeights,
    folds: int,
    seed: int,
    trees: int = 300,
) -> tuple[pd.DataFrame, dict[str, list[float]]]:
    """One row per model family: roc_auc, cost_per_client, threshold, recall, precision, fit_seconds.

    Also returns each model's per-fold AUC (for tracking).
    """
    rows, per_fold = [], {}
    splits = list(StratifiedKFold(folds, shuffle=True, random_state=seed).split(x, y))
    for name in models:
        oof = np.zeros(len(y))
        fold_auc, fit_s = [], []
        for train_idx, valid_idx in splits:
            fitted = fit_model(name, x.iloc[train_idx], y[train_idx], categorical, seed=seed, trees=trees)
            oof[valid_idx] = fitted.predict_proba(x.iloc[valid_idx])
            fold_auc.append(float(roc_auc_score(y[valid_idx], oof[valid_idx])))
            fit_s.append(fitted.fit_seconds)
        threshold = optimal_threshold(y, oof, weights)
        at = confusion_at(y, oof, threshold, weights)
        rows.append(
            {
                "model": name,
                "roc_auc": float(roc_auc_score(y, oof)),
                "roc_auc_fold_std": float(np.std(fold_auc)),
                "cost_per_client": at.cost_per_client,
                "threshold": threshold,
                "recall": at.recall,
                "precision": at.precision,
                "fit_seconds": float(np.mean(fit_s)),
            }
        )
        per_fold[name] = fold_auc
        log.info(
            "benchmark %-20s AUC %.4f  cost/client %.4f  fit %.1fs",
            name,
            rows[-1]["roc_auc"],
            at.cost_per_client,
            rows[-1]["fit_seconds"],
        )
    return pd.DataFrame(rows).sort_values("cost_per_client", kind="stable").reset_index(drop=True), per_fold
