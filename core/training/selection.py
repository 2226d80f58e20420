"""Feature selection: CatBoost importance order, skipping features highly correlated with a kept one."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from catboost import CatBoostClassifier

from core.serving.schema import MISSING_CATEGORY

log = logging.getLogger(__name__)


def catboost_importance(
    x: pd.DataFrame, y: np.ndarray, categorical: list[str], *, iterations: int, seed: int
) -> pd.Series:
    """PredictionValuesChange importance of every column, from one CatBoost fit."""
    x = x.copy()
    for c in categorical:
        x[c] = x[c].astype(object).where(x[c].notna(), MISSING_CATEGORY).astype(str)
    model = CatBoostClassifier(
        iterations=iterations, depth=6, learning_rate=0.08, random_seed=seed, verbose=False,
        thread_count=2, allow_writing_files=False,
    )  # fmt: skip
    model.fit(x, y, cat_features=categorical)
    return pd.Series(model.get_feature_importance(), index=x.columns).sort_values(
        ascending=False, kind="stable"
    )


def select_features(
    x: pd.DataFrame,
    importance: pd.Series,
    categorical: list[str],
    *,
    n_features: int,
    max_corr: float = 0.9,
) -> list[str]:
    """Walk features by importance; keep one unless |Spearman corr| > ``max_corr`` with a kept one.

    Features of zero importance are never kept. Returns at most ``n_features`` names, most important first.
    """
    numeric = [c for c in importance.index if c not in categorical]
    ranks = x[numeric].rank().astype(np.float32)  # Spearman = Pearson on ranks
    kept: list[str] = []
    kept_numeric: list[str] = []
    for name in importance.index:
        if len(kept) >= n_features or importance[name] <= 0:
            break
        if name in categorical:
            kept.append(name)
            continue
        col = ranks[name]
        if col.notna().sum() < 10 or col.nunique() < 2:
            continue
        if kept_numeric:
            corr = ranks[kept_numeric].corrwith(col).abs()
            if (corr > max_corr).any():
                continue
        kept.append(name)
        kept_numeric.append(name)
    log.info("selected %d of %d features (max |corr| %.2f)", len(kept), len(importance), max_corr)
    return kept
