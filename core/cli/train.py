"""``pad train``: the training pipeline from the command line."""

from __future__ import annotations

import argparse
import json
import logging
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
    p.add_argument("--tracking-uri", default="sqlite:///mlflow.db", help="MLflow tracking URI")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=_train)


def _train(args: argparse.Namespace) -> int:
    from core.training.pipeline import train

    result = train(
        out=args.out, data=args.data, profile=args.profile, tracking_uri=args.tracking_uri, seed=args.seed
    )
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
    print(f"bundle: {result.bundle_dir}  (MLflow run {result.run_id})")
    return 0
