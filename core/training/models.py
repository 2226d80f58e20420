"""The benchmarked model families, each handling the class imbalance, behind one interface."""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from catboost import CatBoostClassifier
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OrdinalEncoder, StandardScaler

from core.serving.schema import MISSING_CATEGORY

#: Threads of LightGBM and XGBoost (OpenMP). A benchmark on a machine shared with other jobs may set
#: 1: with 2 threads on 2 busy cores their barriers stall (a 5-tree LightGBM on 300 rows: 5.0 s with
#: 2 threads, 1.1 s with 1, at load 12).
N_JOBS = 2


def _encoder(categorical: list[str], numeric: list[str], *, scale: bool) -> ColumnTransformer:
    num = [SimpleImputer(strategy="median", keep_empty_features=True)] + ([StandardScaler()] if scale else [])
    cat = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1, encoded_missing_value=-1)
    return ColumnTransformer([("num", make_pipeline(*num), numeric), ("cat", cat, categorical)])


def _prep(x: pd.DataFrame, categorical: list[str]) -> pd.DataFrame:
    x = x.copy()
    for c in categorical:
        x[c] = x[c].astype(object).where(x[c].notna(), MISSING_CATEGORY).astype(str)
    return x


@dataclass
class FittedModel:
    """A fitted benchmark model and the time it took."""

    predict_proba: Callable[[pd.DataFrame], np.ndarray]
    fit_seconds: float


def fit_model(
    name: str, x: pd.DataFrame, y: np.ndarray, categorical: list[str], *, seed: int, trees: int = 300
) -> FittedModel:
    """Fit model family ``name`` with class-imbalance handling; return its probability function."""
    columns = list(x.columns)
    numeric = [c for c in columns if c not in categorical]
    pos_weight = float((y == 0).sum() / max((y == 1).sum(), 1))
    x = _prep(x, categorical)

    def prepared(d: pd.DataFrame) -> pd.DataFrame:
        # by name: CatBoost reads a frame by position, so a wider frame (e.g. every engineered
        # column) would feed a text field to a numeric slot ("Cannot convert 'N' to float")
        return _prep(d[columns], categorical)

    started = time.perf_counter()
    if name == "catboost":
        cb = CatBoostClassifier(
            iterations=trees, depth=6, learning_rate=0.08, auto_class_weights="Balanced",
            random_seed=seed, verbose=False, thread_count=2, allow_writing_files=False,
        )  # fmt: skip
        cb.fit(x, y, cat_features=categorical)
        return FittedModel(lambda d: cb.predict_proba(prepared(d))[:, 1], time.perf_counter() - started)
    if name == "lightgbm":
        from lightgbm import LGBMClassifier

        est = LGBMClassifier(
            n_estimators=trees, learning_rate=0.05, num_leaves=31, scale_pos_weight=pos_weight,
            random_state=seed, n_jobs=N_JOBS, verbose=-1, deterministic=True, force_row_wise=True,
        )  # fmt: skip
        model: Pipeline = make_pipeline(_encoder(categorical, numeric, scale=False), est)
    elif name == "xgboost":
        from xgboost import XGBClassifier

        est = XGBClassifier(
            n_estimators=trees, learning_rate=0.05, max_depth=5, scale_pos_weight=pos_weight,
            random_state=seed, n_jobs=N_JOBS, tree_method="hist", eval_metric="auc",
        )  # fmt: skip
        model = make_pipeline(_encoder(categorical, numeric, scale=False), est)
    elif name == "logistic_regression":
        est = LogisticRegression(C=0.1, class_weight="balanced", max_iter=500, random_state=seed)
        model = make_pipeline(_encoder(categorical, numeric, scale=True), est)
    elif name == "random_forest":
        est = RandomForestClassifier(
            n_estimators=trees, min_samples_leaf=20, max_features="sqrt", class_weight="balanced_subsample",
            random_state=seed, n_jobs=2,
        )  # fmt: skip
        model = make_pipeline(_encoder(categorical, numeric, scale=False), est)
    elif name == "mlp":
        # no class weights in sklearn's MLP: oversample the defaulters instead
        rng = np.random.default_rng(seed)
        pos = np.flatnonzero(y == 1)
        extra = (
            rng.choice(pos, size=max(int(len(pos) * (pos_weight - 1)), 0), replace=True) if len(pos) else pos
        )
        idx = np.r_[np.arange(len(y)), extra]
        est = MLPClassifier(
            hidden_layer_sizes=(64, 32), alpha=1e-3, max_iter=60, early_stopping=True, random_state=seed
        )
        model = make_pipeline(_encoder(categorical, numeric, scale=True), est)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(x.iloc[idx], y[idx])
        return FittedModel(lambda d: model.predict_proba(prepared(d))[:, 1], time.perf_counter() - started)
    else:
        raise ValueError(f"unknown model family {name!r}")
    model.fit(x, y)
    return FittedModel(lambda d: model.predict_proba(prepared(d))[:, 1], time.perf_counter() - started)
