"""The project's pipeline against strong untuned baselines on the real Home Credit sample.

Repeated stratified cross-validation (default 5 x 2 folds). Everything that learns from data —
feature selection, tuning, the cost-optimal threshold — happens inside each training fold: the
threshold of every model comes from out-of-fold predictions of an inner CV of that training fold.
All models see the same (paired) folds. Each difference to the project's pipeline is tested with
the corrected resampled t-test (Nadeau & Bengio 2003): t = mean(d) / sqrt((1/J + n_test/n_train) var(d)),
J - 1 degrees of freedom; p >= 0.05 is reported as "not shown".

Models: untuned LightGBM, XGBoost (xgboost-cpu), CatBoost and logistic regression on the raw
application table; the demo bundle's pipeline (its features and CatBoost parameters, retrained in
each fold) as the champion; the project's pipeline (all engineered features, selection and a small
tuning inside the fold) and its levers.

Usage: nice -n 10 python benchmarks/baselines.py [--repeats 5] [--folds 2] [--models a,b] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import RepeatedStratifiedKFold, StratifiedKFold

from core.cost import CostWeights, confusion_at, optimal_threshold
from core.features.application import APPLICATION_FIELDS
from core.features.build import APP_CATEGORICAL, build_features
from core.serving.bundle import load_bundle
from core.serving.schema import infer_schema, to_model_frame
from core.training import models as families
from core.training.models import fit_model
from core.training.selection import catboost_importance, select_features
from core.training.tuning import make_catboost, tune

REPO = Path(__file__).resolve().parent.parent
DATA = REPO.parent / "shared" / "data" / "homecredit"
log = logging.getLogger("baselines")
W = CostWeights()
BASELINES = ("lightgbm", "xgboost", "catboost", "logistic_regression")
MONOTONE = {"EXT_SOURCE_1": -1, "EXT_SOURCE_2": -1, "EXT_SOURCE_3": -1, "EXT_SOURCES_MEAN": -1,
            "EXT_SOURCES_MIN": -1, "EXT_SOURCES_MAX": -1, "EXT_SOURCES_PROD": -1}  # fmt: skip


def _inner_threshold(fit, x: pd.DataFrame, y: np.ndarray, seed: int, folds: int = 3) -> float:
    """Cost-optimal threshold from out-of-fold predictions of an inner CV of the training fold."""
    oof = np.zeros(len(y))
    for tr, va in StratifiedKFold(folds, shuffle=True, random_state=seed).split(x, y):
        oof[va] = fit(x.iloc[tr], y[tr])(x.iloc[va])
    return optimal_threshold(y, oof, W)


def _baseline(name: str, cols: list[str], seed: int, trees: int):
    cat = [c for c in cols if c in APP_CATEGORICAL]

    def fit(x: pd.DataFrame, y: np.ndarray):
        return fit_model(name, x[cols], y, cat, seed=seed, trees=trees).predict_proba

    return fit


def _catboost_fit(
    cols: list[str], params: dict[str, Any], iterations: int, seed: int, monotone: bool = False
):
    cat = [c for c in cols if c in APP_CATEGORICAL]

    def fit(x: pd.DataFrame, y: np.ndarray):
        sch = infer_schema(x[cols], categorical=cat)
        extra = dict(params)
        if monotone:
            extra["monotone_constraints"] = {c: MONOTONE[c] for c in cols if c in MONOTONE}
        model = make_catboost(extra, iterations=iterations, seed=seed)
        model.fit(to_model_frame(x, sch), y, cat_features=cat)
        return lambda d: model.predict_proba(to_model_frame(d, sch))[:, 1]

    return fit


def _pipeline(
    x: pd.DataFrame, y: np.ndarray, feats: list[str], seed: int, args: argparse.Namespace, *, monotone: bool
):
    """The project's pipeline inside one training fold: selection, tuning, then the fit function."""
    cat = [c for c in feats if c in APP_CATEGORICAL]
    imp = catboost_importance(x[feats], y, cat, iterations=args.selection_iterations, seed=seed)
    selected = select_features(x[feats], imp, cat, n_features=args.n_features)
    sel_cat = [c for c in selected if c in cat]
    params: dict[str, Any] = {"depth": 6, "learning_rate": 0.05, "l2_leaf_reg": 3.0, "random_strength": 1.0}
    if args.trials > 1:
        sch = infer_schema(x[selected], categorical=sel_cat)
        params, _ = tune(to_model_frame(x, sch), y, sel_cat, weights=W, trials=args.trials, timeout=args.tune_timeout,
                         iterations=args.iterations, folds=3, seed=seed)  # fmt: skip
    return _catboost_fit(selected, params, args.iterations, seed, monotone=monotone)


def corrected_ttest(d: np.ndarray, n_train: int, n_test: int) -> tuple[float, float]:
    """Nadeau-Bengio corrected resampled t-test of the mean of paired differences ``d``."""
    j = len(d)
    var = float(np.var(d, ddof=1))
    if var == 0:
        return (math.inf if np.mean(d) else 0.0), (0.0 if np.mean(d) else 1.0)
    t = float(np.mean(d)) / math.sqrt((1 / j + n_test / n_train) * var)
    return t, float(2 * stats.t.sf(abs(t), j - 1))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--folds", type=int, default=2)
    parser.add_argument("--trees", type=int, default=300, help="trees of the untuned baselines")
    parser.add_argument(
        "--iterations", type=int, default=300, help="CatBoost trees of the pipeline and champion"
    )
    parser.add_argument("--n-features", type=int, default=60)
    parser.add_argument("--selection-iterations", type=int, default=150)
    parser.add_argument(
        "--trials", type=int, default=1, help="Optuna trials inside each fold (1: default params)"
    )
    parser.add_argument("--tune-timeout", type=float, default=300)
    parser.add_argument("--models", default="pipeline,pipeline_monotone,champion," + ",".join(BASELINES))
    parser.add_argument("--bundle", type=Path, default=REPO / "assets" / "demo_bundle")
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "baselines_results.json")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--threads", type=int, default=1, help="LightGBM/XGBoost threads (1 on a shared machine)"
    )
    args = parser.parse_args()
    families.N_JOBS = args.threads
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    started = time.perf_counter()
    frame = build_features(args.data)
    frame = frame[frame["TARGET"].notna()].reset_index(drop=True)
    y = frame["TARGET"].astype(int).to_numpy()
    engineered = [c for c in frame.columns if c not in ("SK_ID_CURR", "TARGET")]
    app_cols = [c for c in APPLICATION_FIELDS if c in frame.columns]
    champion = load_bundle(args.bundle)
    champ_params = {k: v for k, v in champion.metrics["catboost_params"].items() if k != "iterations"}
    champ_iter = int(champion.metrics["catboost_params"].get("iterations", args.iterations))
    models = args.models.split(",")
    splits = list(
        RepeatedStratifiedKFold(n_splits=args.folds, n_repeats=args.repeats, random_state=args.seed).split(
            frame, y
        )
    )
    per_fold: dict[str, list[dict[str, float]]] = {m: [] for m in models}
    for k, (tr, te) in enumerate(splits):
        xtr, xte, ytr, yte = frame.iloc[tr], frame.iloc[te], y[tr], y[te]
        for m in models:
            t0 = time.perf_counter()
            seed = args.seed + k
            if m in BASELINES:
                fit = _baseline(m, app_cols, seed, args.trees)
            elif m == "champion":
                fit = _catboost_fit(
                    [c for c in champion.schema.names if c in frame.columns], champ_params, champ_iter, seed
                )
            else:
                fit = _pipeline(xtr, ytr, engineered, seed, args, monotone=m == "pipeline_monotone")
            threshold = _inner_threshold(fit, xtr, ytr, seed)
            p = fit(xtr, ytr)(xte)
            row = {
                "roc_auc": float(roc_auc_score(yte, p)),
                "cost_per_client": confusion_at(yte, p, threshold, W).cost_per_client,
                "threshold": threshold,
                "seconds": time.perf_counter() - t0,
            }
            per_fold[m].append(row)
            log.info(
                "fold %d %-20s AUC %.4f cost %.4f (%.0fs)",
                k,
                m,
                row["roc_auc"],
                row["cost_per_client"],
                row["seconds"],
            )
        args.out.write_text(
            json.dumps(summary(per_fold, len(tr), len(te), args, time.perf_counter() - started), indent=1)
        )
    print(
        json.dumps(
            summary(per_fold, len(splits[0][0]), len(splits[0][1]), args, time.perf_counter() - started)[
                "table"
            ],
            indent=1,
        )
    )


def summary(
    per_fold: dict[str, list[dict[str, float]]],
    n_train: int,
    n_test: int,
    args: argparse.Namespace,
    seconds: float,
) -> dict[str, Any]:
    """Mean, sd and corrected t-test against the pipeline, on the folds every model completed."""
    j = min(len(v) for v in per_fold.values())
    ref = "pipeline" if "pipeline" in per_fold else next(iter(per_fold))
    table = []
    for m, rows in per_fold.items():
        out: dict[str, Any] = {"model": m, "folds": j}
        for metric in ("roc_auc", "cost_per_client", "seconds"):
            v = np.array([r[metric] for r in rows[:j]])
            out[metric] = float(v.mean()) if j else None
            out[f"{metric}_sd"] = float(v.std(ddof=1)) if j > 1 else None
        if m != ref and j > 1:
            for metric in ("roc_auc", "cost_per_client"):
                d = np.array(
                    [a[metric] - b[metric] for a, b in zip(per_fold[ref][:j], rows[:j], strict=True)]
                )
                t, p = corrected_ttest(d, n_train, n_test)
                out[f"{ref}_minus_this_{metric}"] = float(d.mean())
                out[f"p_{metric}"] = p
                out[f"verdict_{metric}"] = (
                    ("pipeline better" if (d.mean() > 0) == (metric == "roc_auc") else "pipeline worse")
                    if p < 0.05
                    else "not shown"
                )
        table.append(out)
    return {"design": f"{args.repeats}x{args.folds} repeated stratified CV, paired folds, thresholds from inner 3-fold OOF",
            "args": {k: str(v) for k, v in vars(args).items()}, "seconds": seconds, "table": table,
            "per_fold": per_fold}  # fmt: skip


if __name__ == "__main__":
    main()
