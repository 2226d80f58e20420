"""``pad train``: the training pipeline from the command line."""

from __future__ import annotations

import argparse
import json
import logging
import os
from pathlib import Path

from core.training.profiles import PROFILES

log = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``pad train``."""
    p = subparsers.add_parser(
        "train",
        help="train, tune and export a model bundle (tracked in MLflow)",
        description="Features -> benchmark -> feature selection -> Optuna tuning -> cost-optimal threshold -> "
        "held-out evaluation -> SHAP -> bundle. Without --data, trains on synthetic data.",
    )
    p.add_argument(
        "--data", type=Path, help="folder of Kaggle Home Credit tables (default: generate synthetic data)"
    )
    p.add_argument("--out", type=Path, required=True, help="bundle folder to write")
    p.add_argument("--profile", choices=sorted(PROFILES), default="quick")
    p.add_argument(
        "--tracking-uri",
        default=None,
        help="MLflow tracking URI (default: MLFLOW_TRACKING_URI, else sqlite:///mlflow.db in the current folder)",
    )
    p.add_argument(
        "--name",
        default="pret-a-depenser-catboost",
        help="name of the bundle and of the registered MLflow model (default: pret-a-depenser-catboost)",
    )
    p.add_argument(
        "--no-register", dest="register", action="store_false",
        help="log the model in the run without registering a new version in the model registry",
    )  # fmt: skip
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--exclude",
        metavar="FIELDS",
        help="comma-separated raw application fields the model must not use, nor any feature computed "
        "from them (e.g. CODE_GENDER,DAYS_BIRTH); the model card reports what leaving them out costs",
    )
    p.add_argument(
        "--budget",
        metavar="KEY=VALUE",
        action="append",
        default=[],
        help="override one budget field of the profile (repeatable), e.g. optuna_trials=1 iterations=50",
    )
    p.set_defaults(func=_train)


def _budget(items: list[str]) -> dict[str, str]:
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"--budget {item!r} should be KEY=VALUE, e.g. optuna_trials=1.")
        out[key.strip()] = value.strip()
    return out


def _train(args: argparse.Namespace) -> int:
    from core.training.pipeline import train

    tracking_uri = args.tracking_uri or os.environ.get("MLFLOW_TRACKING_URI") or "sqlite:///mlflow.db"
    result = train(
        out=args.out, data=args.data, profile=args.profile, tracking_uri=tracking_uri, seed=args.seed,
        budget=_budget(args.budget), exclude=args.exclude, name=args.name, register=args.register,
    )  # fmt: skip
    test = result.metrics["test"]
    print(result.benchmark.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    print(
        json.dumps(
            {
                k: test[k]
                for k in ("roc_auc", "cost_per_client", "threshold", "tp", "fp", "tn", "fn", "brier")
            },
            indent=1,
        )
    )
    gap = result.metrics.get("family_gap")
    if gap:
        print(gap["statement"])
    print(f"calibration applied: {result.metrics['calibration']['applied']}")
    print(f"bundle: {result.bundle_dir}  (MLflow run {result.run_id})")
    print(f"MLflow model: {result.model_uri}  (pad score --bundle {result.model_uri} INPUT)")
    return 0
