"""``pad train``: features -> split -> benchmark -> selection -> tuning -> threshold -> evaluation -> bundle.

Every run is tracked in MLflow (params, per-model and per-fold metrics, the benchmark table,
plots and the bundle itself).
"""

from __future__ import annotations

import json
import logging
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mlflow
import numpy as np
import pandas as pd
from catboost import Pool
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.model_selection import train_test_split

from core.cost import CostWeights, confusion_at, cost_curve, optimal_threshold
from core.data import generate, load_tables
from core.features.application import APPLICATION_FIELDS
from core.features.build import APP_CATEGORICAL, build_features
from core.features.registry import history_names
from core.serving.bundle import Provenance, save_bundle
from core.serving.schema import ID_COLUMN, TARGET_COLUMN, infer_schema, to_model_frame
from core.training import plots
from core.training.benchmark import benchmark
from core.training.profiles import PROFILES, Profile
from core.training.selection import catboost_importance, select_features
from core.training.tuning import cv_predictions, make_catboost, tune

log = logging.getLogger(__name__)
EXPERIMENT = "pret-a-depenser"
PROVENANCE_FILE = "provenance.json"  # written by ``pad data synthetic`` next to the tables


@dataclass
class TrainResult:
    """What a training run produced."""

    bundle_dir: Path
    run_id: str
    metrics: dict[str, Any]
    benchmark: pd.DataFrame
    features: list[str]


def _code_version() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            cwd=Path(__file__).parent,
        )
        return out.stdout.strip() or None
    except OSError:
        return None


def _load(data: Path | None, profile: Profile, seed: int) -> tuple[pd.DataFrame, Provenance]:
    if data is None:
        tables = generate(profile.synthetic_clients, seed)
        prov = Provenance(
            synthetic=True,
            description=f"SYNTHETIC data from the project's generator ({profile.synthetic_clients} clients, seed {seed}); "
            "for demonstration only, not real clients.",
            data_source="pad data synthetic",
            seed=seed,
        )
    else:
        tables = load_tables(data)
        marker = data / PROVENANCE_FILE
        info = json.loads(marker.read_text()) if marker.exists() else {}
        synthetic = bool(info.get("synthetic", False))
        prov = Provenance(
            synthetic=synthetic,
            description=(
                f"SYNTHETIC data from the project's generator (seed {info.get('seed')}); for demonstration only."
                if synthetic
                else f"Home Credit tables read from {data.name}/ (Kaggle Home Credit Default Risk schema)."
            ),
            data_source=str(data.name),
            seed=info.get("seed"),
        )
    features = build_features(tables)
    return features[features[TARGET_COLUMN].notna()].reset_index(drop=True), prov


def _calibration(y: np.ndarray, proba: np.ndarray, bins: int = 10) -> pd.DataFrame:
    frame = pd.DataFrame({"y": y, "p": proba})
    frame["bin"] = pd.qcut(frame["p"].rank(method="first"), bins, labels=False)
    return (
        frame.groupby("bin")
        .agg(predicted=("p", "mean"), observed=("y", "mean"), n=("y", "size"))
        .reset_index(drop=True)
    )


def _log_fig(fig: Any, name: str) -> None:
    mlflow.log_figure(fig, f"plots/{name}")
    plots.close(fig)


def train(
    *,
    out: Path,
    data: Path | None = None,
    profile: str = "quick",
    tracking_uri: str = "sqlite:///mlflow.db",
    seed: int = 0,
    weights: CostWeights | None = None,
    name: str = "pret-a-depenser-catboost",
    version: str | None = None,
) -> TrainResult:
    """Run the whole pipeline and write a v1 bundle to ``out``; see the module docstring."""
    prof = PROFILES[profile]
    weights = weights or CostWeights()
    started = time.perf_counter()
    mlflow.set_tracking_uri(tracking_uri)
    mlflow.set_experiment(EXPERIMENT)
    with mlflow.start_run(run_name=f"train-{prof.name}-seed{seed}") as run:
        mlflow.log_params(
            {
                "profile": prof.name,
                "seed": seed,
                "cost_fn": weights.fn,
                "cost_fp": weights.fp,
                **{f"profile.{k}": v for k, v in prof.__dict__.items() if k != "benchmark_models"},
            }
        )
        log.info("[1/8] features")
        labelled, prov = _load(data, prof, seed)
        y_all = labelled[TARGET_COLUMN].astype(int).to_numpy()
        feature_cols = [c for c in labelled.columns if c not in (ID_COLUMN, TARGET_COLUMN)]
        categorical = [c for c in APP_CATEGORICAL if c in feature_cols]
        mlflow.log_params(
            {
                "n_clients": len(labelled),
                "n_features_total": len(feature_cols),
                "default_rate": round(float(y_all.mean()), 4),
                "synthetic": prov.synthetic,
            }
        )

        log.info("[2/8] split: %d clients, %.1f %% defaults", len(labelled), 100 * y_all.mean())
        train_df, test_df = train_test_split(
            labelled, test_size=prof.test_size, stratify=y_all, random_state=seed
        )
        y_train, y_test = (
            train_df[TARGET_COLUMN].astype(int).to_numpy(),
            test_df[TARGET_COLUMN].astype(int).to_numpy(),
        )

        # an applicant typed into a form has no history unless the bank holds one: train with a
        # share of clients whose history is unknown (every history feature missing)
        history_cols = [c for c in history_names() if c in train_df.columns]
        train_df = hide_history(train_df, history_cols, prof.no_history_share, seed)

        log.info("[3/8] benchmark of %d model families", len(prof.benchmark_models))
        n_bench = min(prof.benchmark_rows, len(train_df))
        bench_df = train_df if n_bench == len(train_df) else train_df.sample(n=n_bench, random_state=seed)
        table, per_fold = benchmark(
            bench_df[feature_cols],
            bench_df[TARGET_COLUMN].astype(int).to_numpy(),
            categorical,
            prof.benchmark_models,
            weights=weights,
            folds=prof.n_folds,
            seed=seed,
        )
        for row in table.to_dict(orient="records"):
            mlflow.log_metrics(
                {f"bench.{row['model']}.{k}": float(v) for k, v in row.items() if k != "model"}
            )
            for fold, auc in enumerate(per_fold[row["model"]]):
                mlflow.log_metric(f"bench.{row['model']}.fold_auc", auc, step=fold)
        mlflow.log_table(table, "benchmark.json")
        mlflow.log_text(table.to_csv(index=False), "benchmark.csv")

        log.info("[4/8] feature selection -> %d", prof.n_features)
        importance = catboost_importance(
            train_df[feature_cols], y_train, categorical, iterations=prof.selection_iterations, seed=seed
        )
        selected = select_features(
            train_df[feature_cols], importance, categorical, n_features=prof.n_features
        )
        sel_cat = [c for c in selected if c in categorical]
        mlflow.log_param("n_features_selected", len(selected))
        mlflow.log_text("\n".join(selected), "selected_features.txt")
        schema0 = infer_schema(train_df[selected], categorical=sel_cat)
        x_train = to_model_frame(train_df, schema0)
        x_test = to_model_frame(test_df, schema0)

        log.info("[5/8] CatBoost tuning (%d trials)", prof.optuna_trials)
        params, trials = tune(
            x_train,
            y_train,
            sel_cat,
            weights=weights,
            trials=prof.optuna_trials,
            timeout=prof.optuna_timeout_s,
            iterations=prof.iterations,
            folds=prof.n_folds,
            seed=seed,
        )
        mlflow.log_params({f"catboost.{k}": v for k, v in params.items()})
        mlflow.log_text(trials.to_csv(index=False), "optuna_trials.csv")

        log.info("[6/8] threshold on out-of-fold predictions")
        oof = cv_predictions(
            x_train, y_train, sel_cat, params, iterations=prof.iterations, folds=prof.n_folds, seed=seed
        )
        threshold = optimal_threshold(y_train, oof, weights)
        oof_at = confusion_at(y_train, oof, threshold, weights)
        _log_fig(plots.cost_curve_figure(cost_curve(y_train, oof, weights), threshold), "cost_curve_oof.png")

        log.info("[7/8] final model and held-out evaluation")
        model = make_catboost(params, iterations=prof.iterations, seed=seed)
        model.fit(x_train, y_train, cat_features=sel_cat)
        proba = model.predict_proba(x_test)[:, 1]
        no_hist = model.predict_proba(
            to_model_frame(hide_history(test_df, history_cols, 1.0, seed), schema0)
        )[:, 1]
        at = confusion_at(y_test, proba, threshold, weights)
        auc = float(roc_auc_score(y_test, proba))
        calib = _calibration(y_test, proba)
        test_metrics = {
            "roc_auc": auc, "cost_per_client": at.cost_per_client, "cost": at.cost, "threshold": threshold,
            "tp": at.tp, "fp": at.fp, "tn": at.tn, "fn": at.fn, "recall": at.recall, "precision": at.precision,
            "specificity": at.specificity, "acceptance_rate": at.acceptance_rate,
            "brier": float(brier_score_loss(y_test, proba)), "n": int(len(y_test)), "default_rate": float(y_test.mean()),
        }  # fmt: skip
        at_nh = confusion_at(y_test, no_hist, threshold, weights)
        test_no_history = {
            "roc_auc": float(roc_auc_score(y_test, no_hist)), "cost_per_client": at_nh.cost_per_client,
            "tp": at_nh.tp, "fp": at_nh.fp, "tn": at_nh.tn, "fn": at_nh.fn,
            "brier": float(brier_score_loss(y_test, no_hist)),
        }  # fmt: skip
        mlflow.log_metrics({f"test.{k}": float(v) for k, v in test_metrics.items()})
        mlflow.log_metrics({f"test_no_history.{k}": float(v) for k, v in test_no_history.items()})
        mlflow.log_metrics(
            {
                "cv.oof_auc": float(roc_auc_score(y_train, oof)),
                "cv.oof_cost_per_client": oof_at.cost_per_client,
            }
        )
        _log_fig(plots.roc_figure(y_test, proba, auc), "roc_test.png")
        _log_fig(plots.calibration_figure(calib), "calibration_test.png")

        log.info("[8/8] global SHAP on the reference sample and bundle export")
        reference = labelled.drop(columns=[TARGET_COLUMN]).sample(
            n=min(prof.reference_size, len(labelled)), random_state=seed
        )  # with their full history: the clients a look-up finds
        shap = model.get_feature_importance(
            Pool(to_model_frame(reference, schema0), cat_features=sel_cat), type="ShapValues"
        )
        mean_abs = pd.Series(np.abs(shap[:, :-1]).mean(axis=0), index=selected).sort_values(ascending=False)
        _log_fig(plots.importance_figure(mean_abs), "shap_importance.png")
        mlflow.log_text(mean_abs.to_csv(header=["mean_abs_shap"]), "shap_importance.csv")
        schema = infer_schema(
            train_df[selected],
            categorical=sel_cat,
            importance=mean_abs.to_dict(),
            inputs=train_df[list(APPLICATION_FIELDS)],
        )
        prov = prov.model_copy(
            update={
                "n_train": int(len(train_df)),
                "n_test": int(len(test_df)),
                "code_version": _code_version(),
            }
        )
        metrics = {
            "test": test_metrics,
            "test_no_history": test_no_history,
            "no_history_share_in_training": prof.no_history_share,
            "cross_validation": {
                "oof_auc": float(roc_auc_score(y_train, oof)),
                "oof_cost_per_client": oof_at.cost_per_client,
                "folds": prof.n_folds,
            },
            "benchmark": table.round(5).to_dict(orient="records"),
            "calibration_test": calib.round(5).to_dict(orient="records"),
            "catboost_params": {**params, "iterations": prof.iterations},
            "n_features_total": len(feature_cols),
            "n_features_selected": len(selected),
            "mlflow_run_id": run.info.run_id,
        }
        validation = pd.DataFrame(
            {ID_COLUMN: test_df[ID_COLUMN].to_numpy(), "probability": proba, TARGET_COLUMN: y_test}
        )
        save_bundle(
            out, model=model, schema=schema, threshold=threshold, provenance=prov, name=name,
            version=version or f"{prof.name}-seed{seed}", cost_weights=weights,
            metrics=metrics, reference=reference, validation=validation,
            intended_use=(
                "Demonstration of the credit-scoring workflow; estimates a probability of default and a decision."
                if prov.synthetic else "Estimate the probability of default of a consumer-credit applicant."
            ),
            limitations=_limitations(prov),
        )  # fmt: skip
        mlflow.log_artifacts(str(out), artifact_path="bundle")
        mlflow.log_metric("duration_seconds", time.perf_counter() - started)
        log.info(
            "bundle written to %s: test AUC %.4f, cost/client %.4f at threshold %.4f",
            out,
            auc,
            at.cost_per_client,
            threshold,
        )
        return TrainResult(
            bundle_dir=out, run_id=run.info.run_id, metrics=metrics, benchmark=table, features=selected
        )


def hide_history(frame: pd.DataFrame, columns: list[str], share: float, seed: int) -> pd.DataFrame:
    """A copy of ``frame`` where a random ``share`` of clients have no known history (all of
    ``columns`` missing), as for an applicant the bank has never seen."""
    if share <= 0 or not columns:
        return frame
    rng = np.random.default_rng(seed + 7919)
    hide = rng.random(len(frame)) < share if share < 1 else np.ones(len(frame), dtype=bool)
    out = frame.copy()
    out.loc[hide, columns] = np.nan
    return out


def _limitations(prov: Provenance) -> list[str]:
    items = [
        "The decision threshold minimises 10·FN + 1·FP on past data; other cost ratios need another threshold.",
        "Probabilities are estimated on the training population; clients unlike it (values outside the ranges seen) get less reliable scores.",
        "Scores support, not replace, a credit officer's judgement; reasons are statistical associations, not causes.",
        "Fairness across groups (e.g. gender, age) has not been audited.",
    ]
    if prov.synthetic:
        items.insert(0, "Trained on SYNTHETIC data: its scores say nothing about real clients.")
    return items
