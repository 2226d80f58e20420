"""``pad train``: features -> split -> benchmark -> selection -> tuning -> threshold -> evaluation -> bundle.

Every run is tracked in MLflow (params, per-model and per-fold metrics, the benchmark table,
plots and the bundle itself).
"""

from __future__ import annotations

import json
import logging
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

import mlflow
import numpy as np
import pandas as pd
from catboost import Pool
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.model_selection import train_test_split

from core.cost import CostWeights, confusion_at, cost_curve, optimal_threshold
from core.data import generate
from core.features.application import APPLICATION_FIELDS
from core.features.build import APP_CATEGORICAL, build_features
from core.features.registry import history_names
from core.serving.bundle import Provenance, save_bundle
from core.serving.schema import ID_COLUMN, TARGET_COLUMN, infer_schema, to_model_frame
from core.training import calibration, plots, tuning
from core.training.benchmark import benchmark
from core.training.evaluation import bootstrap_intervals, reliability
from core.training.profiles import PROFILES, Profile
from core.training.pyfunc import log_scorer
from core.training.selection import catboost_importance, select_features
from core.training.sensitive import DEFAULT_EXCLUSION, carriers, parse_fields, sensitive_inputs
from core.training.tuning import cv_fit, final_iterations, make_catboost, tune

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
    #: the logged MLflow model: ``models:/NAME/VERSION`` when registered, else ``models:/m-…``
    model_uri: str = ""


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
    tables: Mapping[str, pd.DataFrame] | Path
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
        tables = data  # read by the feature build itself: the fast reader the client store uses too
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
    return reliability(y, proba, bins)


def resolve_profile(profile: str, budget: Mapping[str, Any] | None = None) -> Profile:
    """The named profile with some of its budget overridden (``budget``: field -> value), e.g. a
    tiny budget that runs a profile's code path in seconds in tests."""
    if profile not in PROFILES:
        raise ValueError(
            f"profile={profile!r} is not a training profile; it should be one of {sorted(PROFILES)}."
        )
    prof = PROFILES[profile]
    if not budget:
        return prof
    known = {f.name: f.type for f in fields(Profile) if f.name != "name"}
    unknown = [k for k in budget if k not in known]
    if unknown:
        raise ValueError(f"budget override {unknown[0]!r} is not a profile field; allowed: {sorted(known)}.")
    cast: dict[str, Any] = {}
    for k, v in budget.items():
        old = getattr(prof, k)
        if isinstance(old, tuple):
            cast[k] = tuple(v.split(",")) if isinstance(v, str) else tuple(v)
        else:
            cast[k] = type(old)(v)
    return replace(prof, **cast)


def _tuning_note(trials: pd.DataFrame, prof: Profile, n_trees: int) -> str:
    """How the CatBoost parameters and tree count were chosen, for the model card."""
    states = trials["state"].astype(str) if "state" in trials else pd.Series(dtype=str)
    pruned = int((states == "PRUNED").sum())
    note = f"Optuna TPE, {len(trials)} trial{'' if len(trials) == 1 else 's'} on {prof.n_folds}-fold CV of the training clients"
    if pruned:
        note += f" ({pruned} stopped early by the median pruner)"
    if prof.early_stopping_rounds:
        note += (
            f"; each fit stopped after {prof.early_stopping_rounds} rounds without AUC progress on "
            f"{tuning.EARLY_STOPPING_SHARE:.0%} of its own training fold; final model {n_trees} trees "
            f"(the folds' median scaled to the training size, at most {prof.iterations})"
        )
    else:
        note += f"; {n_trees} trees"
    return note


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
    budget: Mapping[str, Any] | None = None,
    exclude: Sequence[str] | str | None = None,
    register: bool = True,
) -> TrainResult:
    """Run the whole pipeline and write a v1 bundle to ``out``; see the module docstring.

    ``budget`` overrides fields of the profile (:func:`resolve_profile`); ``exclude`` names raw
    application fields (e.g. ``CODE_GENDER,DAYS_BIRTH``) that the model must not use, nor any
    feature computed from them; the run measures what leaving them out costs. The bundle is logged
    as an MLflow model (:mod:`core.training.pyfunc`) and, with ``register``, registered as ``name``
    with its evaluation as tags of the model version.
    """
    prof = resolve_profile(profile, budget)
    excluded = parse_fields(exclude)
    weights = weights or CostWeights()
    started = time.perf_counter()
    mlflow.set_tracking_uri(tracking_uri)
    mlflow.set_experiment(EXPERIMENT)
    with mlflow.start_run(run_name=f"train-{prof.name}-seed{seed}") as run:
        mlflow.log_params(
            {
                "profile": prof.name,
                "seed": seed,
                "excluded_fields": ",".join(excluded) or "none",
                "cost_fn": weights.fn,
                "cost_fp": weights.fp,
                **{f"profile.{k}": v for k, v in prof.__dict__.items() if k != "benchmark_models"},
            }
        )
        log.info("[1/8] features")
        labelled, prov = _load(data, prof, seed)
        y_all = labelled[TARGET_COLUMN].astype(int).to_numpy()
        dropped = carriers(excluded)
        feature_cols = [
            c for c in labelled.columns if c not in (ID_COLUMN, TARGET_COLUMN) and c not in dropped
        ]
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
            figures = {k: float(v) for k, v in row.items() if k != "model"}
            mlflow.log_metrics({f"bench.{row['model']}.{k}": v for k, v in figures.items()})
            for fold, auc in enumerate(per_fold[row["model"]]):
                mlflow.log_metric(f"bench.{row['model']}.fold_auc", auc, step=fold)
            # one nested run per family: MLflow's compare view sets the families side by side
            with mlflow.start_run(run_name=f"benchmark-{row['model']}", nested=True):
                mlflow.log_params({"family": row["model"], "folds": prof.n_folds, "rows": n_bench})
                mlflow.log_metrics(figures)
                for fold, auc in enumerate(per_fold[row["model"]]):
                    mlflow.log_metric("fold_auc", auc, step=fold)
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
            early_stopping=prof.early_stopping_rounds,
            prune_after=prof.prune_after_trials,
        )
        mlflow.log_params({f"catboost.{k}": v for k, v in params.items()})
        mlflow.log_text(trials.to_csv(index=False), "optuna_trials.csv")

        log.info("[6/8] threshold on out-of-fold predictions")
        cv = cv_fit(
            x_train, y_train, sel_cat, params, iterations=prof.iterations, folds=prof.n_folds,
            seed=seed, early_stopping=prof.early_stopping_rounds,
        )  # fmt: skip
        oof = cv.oof
        n_trees = final_iterations(cv, n_rows=len(y_train), cap=prof.iterations)
        if cv.best_iterations:
            log.info(
                "early stopping kept %s trees in the folds: the final model gets %d",
                cv.best_iterations,
                n_trees,
            )
            mlflow.log_param("catboost.iterations", n_trees)
        threshold = optimal_threshold(y_train, oof, weights)
        oof_at = confusion_at(y_train, oof, threshold, weights)
        _log_fig(plots.cost_curve_figure(cost_curve(y_train, oof, weights), threshold), "cost_curve_oof.png")

        log.info("[7/8] final model and held-out evaluation")
        model = make_catboost(params, iterations=n_trees, seed=seed)
        model.fit(x_train, y_train, cat_features=sel_cat)
        proba = model.predict_proba(x_test)[:, 1]
        # calibration: fitted on the out-of-fold predictions, kept only if the held-out cost drops
        platt, calibrated = calibration.compare(y_train, oof, y_test, proba, weights)
        if calibrated["applied"] == "intercept":
            calibration.apply_platt(model, platt)
            oof, threshold = platt(oof), calibrated["methods"]["intercept"]["threshold"]
            oof_at = confusion_at(y_train, oof, threshold, weights)
            proba = model.predict_proba(x_test)[:, 1]
        log.info("calibration: %s (held-out cost %s)", calibrated["applied"],
                 {k: round(v["test_cost_per_client"], 4) for k, v in calibrated["methods"].items()})  # fmt: skip
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
        mlflow.log_metrics(
            {f"calibration.{m}.{k}": v for m, r in calibrated["methods"].items() for k, v in r.items()}
        )
        mlflow.set_tag("calibration", calibrated["applied"])
        intervals = bootstrap_intervals(
            y_test, proba, threshold=threshold, weights=weights, n_boot=300, seed=seed
        )
        gap = family_gap(table)
        if gap:
            mlflow.log_metrics({f"family_gap.{k}": v for k, v in gap.items() if isinstance(v, float)})
            mlflow.set_tag("family_gap", gap["statement"])
        sensitive = exclusion_cost(
            train_df=train_df, test_df=test_df, selected=selected, excluded=excluded,
            all_columns=list(labelled.columns), categorical=categorical, params=params, prof=prof,
            weights=weights, seed=seed, main={"roc_auc": auc, "cost_per_client": at.cost_per_client},
        )  # fmt: skip
        mlflow.log_dict(sensitive, "sensitive.json")

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
            "calibration": calibrated,
            "evaluation": {
                "data": prov.description,
                "split": f"stratified hold-out of {prof.test_size:.0%} of the labelled clients (seed {seed}); "
                "the test clients are never used to select, tune or set the threshold",
                "n_train": int(len(train_df)),
                "n_test": int(len(test_df)),
                "cv_folds": prof.n_folds,
                "threshold_from": f"out-of-fold predictions of the training clients ({prof.n_folds}-fold CV)",
                "tuning": _tuning_note(trials, prof, n_trees),
                "benchmark": f"{prof.n_folds}-fold stratified CV on {n_bench} training clients, "
                "each family at its own cost-optimal threshold",
                "intervals": {
                    "method": "percentile bootstrap of the test clients (300 resamples, threshold fixed)",
                    "level": 0.95,
                    "test": intervals,
                },
            },
            "family_gap": gap,
            "sensitive": sensitive,
            "catboost_params": {**params, "iterations": n_trees},
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
        mlflow.log_dict(metrics["evaluation"], "evaluation.json")
        mlflow.log_artifacts(str(out), artifact_path="bundle")
        logged = log_scorer(
            out, registered_name=name if register else None, tags=_version_tags(metrics, prov)
        )
        mlflow.set_tag("model_uri", logged["model_uri"])
        if logged.get("registered_uri"):
            mlflow.set_tag("registered_model", logged["registered_uri"])
            log.info("registered as %s", logged["registered_uri"])
        mlflow.log_metric("duration_seconds", time.perf_counter() - started)
        log.info(
            "bundle written to %s: test AUC %.4f, cost/client %.4f at threshold %.4f",
            out,
            auc,
            at.cost_per_client,
            threshold,
        )
        return TrainResult(
            bundle_dir=out, run_id=run.info.run_id, metrics=metrics, benchmark=table, features=selected,
            model_uri=logged.get("registered_uri") or logged["model_uri"],
        )  # fmt: skip


def _version_tags(metrics: Mapping[str, Any], prov: Provenance) -> dict[str, str]:
    """The evaluation as tags of the registered model version (what the registry's page lists)."""
    test = metrics["test"]
    tags = {
        f"test.{k}": f"{float(test[k]):.6g}"
        for k in ("roc_auc", "cost_per_client", "threshold", "brier")
        if k in test
    }
    ev = metrics["evaluation"]
    tags.update(
        {
            "data": str(ev["data"])[:5000],
            "synthetic": str(prov.synthetic).lower(),
            "n_train": str(ev["n_train"]),
            "n_test": str(ev["n_test"]),
            "evaluation": f"{ev['split']}; threshold from {ev['threshold_from']}; benchmark: {ev['benchmark']}",
        }
    )
    gap = metrics.get("family_gap") or {}
    if gap:
        tags["family_gap"] = str(gap["statement"])[:5000]
    return tags


def family_gap(table: pd.DataFrame) -> dict[str, Any]:
    """CatBoost (the served family) against the best other benchmarked family, on cost and AUC."""
    if "catboost" not in set(table["model"]) or len(table) < 2:
        return {}
    cb = table[table["model"] == "catboost"].iloc[0]
    others = table[table["model"] != "catboost"]
    by_cost = others.sort_values("cost_per_client", kind="stable").iloc[0]
    by_auc = others.sort_values("roc_auc", ascending=False, kind="stable").iloc[0]
    d_cost = float(cb["cost_per_client"] - by_cost["cost_per_client"])
    d_auc = float(cb["roc_auc"] - by_auc["roc_auc"])
    return {
        "best_other_by_cost": str(by_cost["model"]),
        "best_other_cost_per_client": float(by_cost["cost_per_client"]),
        "catboost_cost_per_client": float(cb["cost_per_client"]),
        "cost_difference": d_cost,
        "best_other_by_auc": str(by_auc["model"]),
        "best_other_roc_auc": float(by_auc["roc_auc"]),
        "catboost_roc_auc": float(cb["roc_auc"]),
        "auc_difference": d_auc,
        "statement": (
            f"untuned CatBoost vs {by_cost['model']} (best other family on cost): cost per client "
            f"{d_cost:+.4f}; vs {by_auc['model']} (best on AUC): AUC {d_auc:+.4f} (benchmark CV, one split; "
            "benchmarks/RESULTS.md gives repeated-CV spreads and significance). The served model stays "
            "CatBoost (oblivious trees: native .cbm, exact fast TreeSHAP)."
        ),
    }


def exclusion_cost(
    *,
    train_df: pd.DataFrame,
    test_df: pd.DataFrame,
    selected: list[str],
    excluded: Sequence[str],
    all_columns: list[str],
    categorical: list[str],
    params: dict[str, Any],
    prof: Profile,
    weights: CostWeights,
    seed: int,
    main: dict[str, float],
) -> dict[str, Any]:
    """Sensitive attributes the model uses, and what leaving the named fields out costs on the test
    clients (a second CatBoost with the same parameters, with or without them, its own threshold
    from out-of-fold predictions)."""
    fields_ = list(excluded) or list(DEFAULT_EXCLUSION)
    carry = [c for c in carriers(fields_) if c in all_columns]
    if excluded:
        other, label = list(dict.fromkeys([*selected, *carry])), "with"
    else:
        other, label = [c for c in selected if c not in carry], "without"
    out: dict[str, Any] = {
        "excluded_fields": list(excluded),
        "used_as_inputs": sensitive_inputs(selected),
        "compared_fields": fields_,
        "audit": None,  # filled by the fairness audit
    }
    if other == selected or not other:
        out["comparison"] = None
        out["note"] = f"the selected features carry none of {', '.join(fields_)}: nothing to compare"
        return out
    # an excluded text field is not among the run's categorical candidates: read the application's list
    cat = [c for c in other if c in categorical or c in APP_CATEGORICAL]
    schema = infer_schema(train_df[other], categorical=cat)
    x_tr, x_te = to_model_frame(train_df, schema), to_model_frame(test_df, schema)
    y_tr = train_df[TARGET_COLUMN].astype(int).to_numpy()
    y_te = test_df[TARGET_COLUMN].astype(int).to_numpy()
    cv = cv_fit(
        x_tr, y_tr, cat, params, iterations=prof.iterations, folds=prof.n_folds, seed=seed,
        early_stopping=prof.early_stopping_rounds,
    )  # fmt: skip
    oof = cv.oof
    model = make_catboost(
        params, iterations=final_iterations(cv, n_rows=len(y_tr), cap=prof.iterations), seed=seed
    )
    model.fit(x_tr, y_tr, cat_features=cat)
    p = model.predict_proba(x_te)[:, 1]
    alt = {
        "roc_auc": float(roc_auc_score(y_te, p)),
        "cost_per_client": confusion_at(
            y_te, p, optimal_threshold(y_tr, oof, weights), weights
        ).cost_per_client,
        "n_features": len(other),
    }
    with_, without = (alt, main) if excluded else (main, alt)
    out["comparison"] = {
        "with": with_,
        "without": without,
        "auc_lost_by_excluding": with_["roc_auc"] - without["roc_auc"],
        "cost_added_by_excluding": without["cost_per_client"] - with_["cost_per_client"],
        "served": "without" if excluded else "with",
        "measured_on": "the held-out test clients",
    }
    log.info(
        "sensitive fields %s: %s model AUC %.4f cost %.4f",
        fields_,
        label,
        alt["roc_auc"],
        alt["cost_per_client"],
    )
    return out


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
        "Fairness across groups (gender, age band) is audited on held-out clients (model card, fairness page, "
        "`pad fairness`); a gap found is for people to judge: the model does not correct it.",
    ]
    if prov.synthetic:
        items.insert(0, "Trained on SYNTHETIC data: its scores say nothing about real clients.")
    return items
