"""``pad data synthetic`` and ``pad features``: make Home Credit tables and the feature table."""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

from core.data.synthetic import write_synthetic
from core.features.build import feature_frame

log = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``pad data synthetic`` and ``pad features``."""
    data = subparsers.add_parser("data", help="make Home Credit data", description="Make Home Credit data.")
    data_sub = data.add_subparsers(dest="data_command", metavar="SUBCOMMAND", required=True)
    syn = data_sub.add_parser(
        "synthetic",
        help="write the eight Kaggle tables with synthetic clients",
        description="Write synthetic application_train/test, bureau, bureau_balance, previous_application, "
        "POS_CASH_balance, installments_payments and credit_card_balance with the Kaggle names and columns.",
    )
    syn.add_argument(
        "--clients", type=int, required=True, help="number of training clients (test adds 15 %%)"
    )
    syn.add_argument("--seed", type=int, default=0, help="random seed (same seed, same data)")
    syn.add_argument("--out", type=Path, required=True, help="output folder")
    syn.add_argument("--format", choices=["csv", "parquet"], default="csv")
    syn.set_defaults(func=_synthetic)

    feat = subparsers.add_parser(
        "features",
        help="build the one-row-per-client feature table",
        description="Build the feature table (one row per client) from a folder of Kaggle tables.",
    )
    feat.add_argument("--data", type=Path, required=True, help="folder of Kaggle CSV or parquet files")
    feat.add_argument("--out", type=Path, required=True, help="output .parquet file")
    feat.set_defaults(func=_features)


def _synthetic(args: argparse.Namespace) -> int:
    if args.clients < 1:
        raise ValueError(f"--clients must be at least 1, got {args.clients}.")
    started = time.perf_counter()
    paths = write_synthetic(args.out, args.clients, args.seed, fmt=args.format)
    log.info("wrote %d tables to %s in %.1fs", len(paths), args.out, time.perf_counter() - started)
    return 0


def _features(args: argparse.Namespace) -> int:
    frame = feature_frame(args.data)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    # written by polars from its own frame: no pandas copy of the table (2.5 GB at Kaggle scale)
    frame.write_parquet(args.out)
    log.info(
        "wrote %s: %d clients x %d features in %.1fs",
        args.out,
        frame.height,
        frame.width - 1,
        time.perf_counter() - started,
    )
    return 0
