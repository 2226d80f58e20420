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
import os
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import RepeatedStratifiedKFold, StratifiedKFold, train_test_split

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


def categorical_columns(frame: pd.DataFrame, cols: list[str]) -> list[str]:
    """Columns of ``cols`` every model must treat as categories: the application's categorical
    fields, and any other column holding text (object, string or category dtype) — a Y/N flag
    read as text must never reach a model as a number."""
    return [
        c
        for c in cols
        if c in APP_CATEGORICAL
        or not (pd.api.types.is_numeric_dtype(frame[c]) or pd.api.types.is_bool_dtype(frame[c]))
    ]


def _inner_threshold(fit, x: pd.DataFrame, y: np.ndarray, seed: int, folds: int = 3) -> float:
    """Cost-optimal threshold from out-of-fold predictions of an inner CV of the training fold."""
    oof = np.zeros(len(y))
    for tr, va in StratifiedKFold(folds, shuffle=True, random_state=seed).split(x, y):
        oof[va] = fit(x.iloc[tr], y[tr])(x.iloc[va])
    return optimal_threshold(y, oof, W)


def baseline_fit(name: str, cols: list[str], cat: list[str], seed: int, trees: int):
    """Fit function of an untuned baseline on ``cols``; its predictor reads only ``cols``, by name."""

    def fit(x: pd.DataFrame, y: np.ndarray):
        predict = fit_model(name, x[cols], y, cat, seed=seed, trees=trees).predict_proba
        return lambda d: predict(d[cols])

    return fit


def _catboost_fit(
    cols: list[str],
    cat: list[str],
    params: dict[str, Any],
    iterations: int,
    seed: int,
    *,
    monotone: bool = False,
    seeds: int = 1,
):
    """Fit function of the production CatBoost on ``cols`` (``seeds`` > 1: average of that many seeds)."""
    cat = [c for c in cols if c in cat]

    def fit(x: pd.DataFrame, y: np.ndarray):
        sch = infer_schema(x[cols], categorical=cat)
        extra = dict(params)
        if monotone:
            extra["monotone_constraints"] = {c: MONOTONE[c] for c in cols if c in MONOTONE}
        fitted = []
        for s in range(seeds):
            model = make_catboost(extra, iterations=iterations, seed=seed + 1000 * s)
            model.fit(to_model_frame(x, sch), y, cat_features=cat)
            fitted.append(model)
        return lambda d: np.mean([m.predict_proba(to_model_frame(d, sch))[:, 1] for m in fitted], axis=0)

    return fit


def _selection(
    x: pd.DataFrame, y: np.ndarray, feats: list[str], cat: list[str], seed: int, *, n: int, iterations: int
) -> list[str]:
    """The project's feature selection on one training fold (importance, then decorrelation)."""
    fcat = [c for c in feats if c in cat]
    imp = catboost_importance(x[feats], y, fcat, iterations=iterations, seed=seed)
    return select_features(x[feats], imp, fcat, n_features=n)


def _pipeline(
    x: pd.DataFrame,
    y: np.ndarray,
    selected: list[str],
    cat: list[str],
    seed: int,
    args: argparse.Namespace,
    *,
    monotone: bool = False,
    seeds: int = 1,
    trials: int = 1,
    balanced: bool = False,
    iterations: int | None = None,
):
    """The project's pipeline inside one training fold, after selection: tuning, then the fit function."""
    sel_cat = [c for c in selected if c in cat]
    params: dict[str, Any] = {"depth": 6, "learning_rate": 0.05, "l2_leaf_reg": 3.0, "random_strength": 1.0}
    if trials > 1:  # Optuna on the inner 3-fold CV cost of this training fold only
        sch = infer_schema(x[selected], categorical=sel_cat)
        params, _ = tune(to_model_frame(x, sch), y, sel_cat, weights=W, trials=trials, timeout=args.tune_timeout,
                         iterations=args.iterations, folds=3, seed=seed)  # fmt: skip
    if balanced:  # class weights instead of (on top of) the cost-optimal threshold
        params = {**params, "auto_class_weights": "Balanced"}
    return _catboost_fit(
        selected, sel_cat, params, iterations or args.iterations, seed, monotone=monotone, seeds=seeds
    )


def corrected_ttest(d: np.ndarray, n_train: int, n_test: int) -> tuple[float, float]:
    """Nadeau-Bengio corrected resampled t-test of the mean of paired differences ``d``."""
    j = len(d)
    var = float(np.var(d, ddof=1))
    if var == 0:
        return (math.inf if np.mean(d) else 0.0), (0.0 if np.mean(d) else 1.0)
    t = float(np.mean(d)) / math.sqrt((1 / j + n_test / n_train) * var)
    return t, float(2 * stats.t.sf(abs(t), j - 1))


#: the project's pipeline and its levers: every variant shares the fold's feature selection
VARIANTS: dict[str, dict[str, Any]] = {
    "pipeline": {},
    "pipeline_monotone": {"monotone": True},  # EXT_SOURCE* never raise the risk
    "pipeline_seeds3": {"seeds": 3},  # average of 3 CatBoost seeds
    "pipeline_monotone_seeds3": {"monotone": True, "seeds": 3},
    "pipeline_tuned": {"tuned": True},  # --lever-trials Optuna trials inside the fold
    "pipeline_balanced": {"balanced": True},  # auto_class_weights=Balanced, threshold still from OOF
    # the demo profile's selection and tree budget (125 features, 400 selection iterations, 400 trees)
    "pipeline_125": {"n_features": 125, "selection_iterations": 400, "iterations": 400},
    "pipeline_125_monotone": {
        "n_features": 125,
        "selection_iterations": 400,
        "iterations": 400,
        "monotone": True,
    },  # fmt: skip
}
MODELS = (*VARIANTS, "champion", *BASELINES)


def _fit_for(
    m: str,
    xtr: pd.DataFrame,
    ytr: np.ndarray,
    k: int,
    ctx: dict[str, Any],
    args: argparse.Namespace,
):
    """The fit function of model ``m`` on training fold ``k`` (selection shared by the pipeline's variants)."""
    seed = args.seed + k
    cat = ctx["categorical"]
    if m in BASELINES:
        return baseline_fit(m, ctx["app_cols"], [c for c in ctx["app_cols"] if c in cat], seed, args.trees)
    if m == "champion":
        return _catboost_fit(ctx["champion_cols"], cat, ctx["champ_params"], ctx["champ_iter"], seed)
    if m not in MODELS:
        raise SystemExit(f"unknown model {m!r}: choose among {', '.join(MODELS)}")
    opts = dict(VARIANTS[m])
    n, sel_iter = (
        opts.pop("n_features", args.n_features),
        opts.pop("selection_iterations", args.selection_iterations),
    )
    key = (k, n, sel_iter)
    if key not in ctx["selections"]:
        kept = {q: v for q, v in ctx["selections"].items() if q[0] == k}  # this fold's only
        kept[key] = _selection(xtr, ytr, ctx["engineered"], cat, seed, n=n, iterations=sel_iter)
        ctx["selections"] = kept
    trials = args.lever_trials if opts.pop("tuned", False) else args.trials
    return _pipeline(xtr, ytr, ctx["selections"][key], cat, seed, args, trials=trials, **opts)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--folds", type=int, default=2)
    parser.add_argument(
        "--subsample", type=int, default=0, help="stratified sample of N clients (smoke runs)"
    )
    parser.add_argument("--trees", type=int, default=300, help="trees of the untuned baselines")
    parser.add_argument(
        "--iterations", type=int, default=300, help="CatBoost trees of the pipeline and champion"
    )
    parser.add_argument("--n-features", type=int, default=60)
    parser.add_argument("--selection-iterations", type=int, default=150)
    parser.add_argument(
        "--trials", type=int, default=1, help="Optuna trials inside each fold (1: default params)"
    )
    parser.add_argument(
        "--lever-trials", type=int, default=8, help="Optuna trials of the pipeline_tuned lever"
    )
    parser.add_argument("--tune-timeout", type=float, default=300)
    parser.add_argument(
        "--models", default="pipeline,champion," + ",".join(BASELINES) + ",pipeline_monotone,pipeline_seeds3"
    )
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
    if args.subsample:
        frame, _ = train_test_split(
            frame, train_size=args.subsample, stratify=frame["TARGET"], random_state=args.seed
        )
        frame = frame.reset_index(drop=True)
    y = frame["TARGET"].astype(int).to_numpy()
    engineered = [c for c in frame.columns if c not in ("SK_ID_CURR", "TARGET")]
    champion = load_bundle(args.bundle)
    ctx: dict[str, Any] = {
        "selections": {},
        "engineered": engineered,
        "categorical": categorical_columns(frame, engineered),
        "app_cols": [c for c in APPLICATION_FIELDS if c in frame.columns],
        "champion_cols": [c for c in champion.schema.names if c in frame.columns],
        "champ_params": {k: v for k, v in champion.metrics["catboost_params"].items() if k != "iterations"},
        "champ_iter": int(champion.metrics["catboost_params"].get("iterations", args.iterations)),
    }
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
            t0, c0, load0 = time.perf_counter(), time.process_time(), os.getloadavg()[0]
            fit = _fit_for(m, xtr, ytr, k, ctx, args)
            threshold = _inner_threshold(fit, xtr, ytr, args.seed + k)
            p = fit(xtr, ytr)(xte)
            row = {
                "roc_auc": float(roc_auc_score(yte, p)),
                "cost_per_client": confusion_at(yte, p, threshold, W).cost_per_client,
                "threshold": threshold,
                "seconds": time.perf_counter() - t0,
                "cpu_seconds": time.process_time() - c0,
                "load": (load0 + os.getloadavg()[0]) / 2,
            }
            per_fold[m].append(row)
            log.info(
                "fold %d %-20s AUC %.4f cost %.4f (%.0fs wall, %.0fs CPU, load %.1f)",
                k,
                m,
                row["roc_auc"],
                row["cost_per_client"],
                row["seconds"],
                row["cpu_seconds"],
                row["load"],
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
        for metric in ("roc_auc", "cost_per_client", "seconds", "cpu_seconds", "load"):
            v = np.array([r.get(metric, np.nan) for r in rows[:j]])
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


def markdown(paths: list[Path]) -> str:
    """The results table of one or more result files (same folds) as Markdown rows."""
    lines = [
        "| model | folds | ROC AUC mean ± sd | cost / client mean ± sd | Δ AUC (pipeline − model), p | "
        "AUC: pipeline is | Δ cost (pipeline − model), p | cost: pipeline is | wall s / fold | "
        "CPU s / fold | load |",
        "|---|---:|---:|---:|---:|---|---:|---|---:|---:|---:|",
    ]
    seen: set[str] = set()
    for path in paths:
        for r in json.loads(path.read_text())["table"]:
            if r["model"] in seen:
                continue
            seen.add(r["model"])
            cells = [r["model"], str(r["folds"]),
                     f"{r['roc_auc']:.4f} ± {r['roc_auc_sd']:.4f}",
                     f"{r['cost_per_client']:.4f} ± {r['cost_per_client_sd']:.4f}"]  # fmt: skip
            for metric in ("roc_auc", "cost_per_client"):
                if f"p_{metric}" in r:
                    d = r[f"pipeline_minus_this_{metric}"]
                    cells += [
                        f"{d:+.4f}, p = {r[f'p_{metric}']:.3g}",
                        r[f"verdict_{metric}"].replace("pipeline ", ""),
                    ]
                else:
                    cells += ["(reference)", ""]
            cells += [f"{r['seconds']:.0f}", f"{r['cpu_seconds']:.0f}", f"{r['load']:.1f}"]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    import sys

    if sys.argv[1:2] == ["--markdown"]:
        print(markdown([Path(a) for a in sys.argv[2:]]))
    else:
        main()
