"""``pad evaluate``: a bundle against a labelled population -> terminal report, JSON and HTML."""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``pad evaluate``."""
    p = subparsers.add_parser(
        "evaluate",
        help="evaluate a bundle on labelled applications (AUC, Gini, KS, cost, calibration, segments)",
        description="Score a labelled Kaggle-format population (a folder of Home Credit tables, or one CSV "
        "with TARGET) and report ROC AUC, Gini, KS, cost per client at the bundle's threshold and at the "
        "optimum, confusion counts, reliability curve and Brier score, and results by segment, with "
        "bootstrap intervals.",
    )
    p.add_argument(
        "--bundle", required=True, metavar="FOLDER|URI",
        help="bundle folder or registered MLflow model (models:/NAME/VERSION, models:/NAME@ALIAS)",
    )  # fmt: skip
    p.add_argument("--data", type=Path, required=True, help="folder of Kaggle tables, or a labelled CSV")
    p.add_argument("--json", type=Path, help="write the report as JSON here")
    p.add_argument("--html", type=Path, help="write the report as an HTML page (with plots) here")
    p.add_argument("--bootstrap", type=int, default=300, help="bootstrap resamples (default 300)")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=_evaluate)


def _clean(value: Any) -> Any:
    """JSON has no NaN: undefined figures (one class only) become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def _evaluate(args: argparse.Namespace) -> int:
    from core.training.evaluation import evaluate_bundle
    from core.training.report import report_html, report_text

    if args.bootstrap < 1:
        raise ValueError(f"--bootstrap={args.bootstrap} must be at least 1.")
    report = evaluate_bundle(args.bundle, args.data, n_boot=args.bootstrap, seed=args.seed)
    print(report_text(report))
    if args.json:
        args.json.write_text(json.dumps(_clean(report.to_dict()), indent=1) + "\n", encoding="utf-8")
        print(f"JSON: {args.json}")
    if args.html:
        args.html.write_text(report_html(report), encoding="utf-8")
        print(f"HTML: {args.html}")
    return 0
