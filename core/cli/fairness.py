"""``pad fairness``: acceptance, default and error rates by group, with the four-fifths rule."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from core.cli.drift import parse_when
from core.errors import FileValidationError
from core.export import to_safe_csv
from core.monitoring.fairness import (
    AGE_BAND,
    FOUR_FIFTHS,
    FairnessAudit,
    audit_table,
    audits_json,
    fairness_audit,
    logged_population,
    scored_population,
    validation_population,
)
from core.serving.bundle import Bundle
from core.serving.service import ScoringService
from core.serving.source import load_bundle_arg
from core.serving.validation import read_clients_csv


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``pad fairness``."""
    p = subparsers.add_parser(
        "fairness",
        help="fairness audit: acceptance and error rates by gender, age band or any field",
        description="For each group of an attribute: count, acceptance rate, approval-rate ratio to the "
        "best-treated group (four-fifths rule: flagged below 0.8) and, with outcomes, observed default rate, "
        "TPR and FPR at the threshold (positive = default, predicted = refused), each with a bootstrap "
        "interval. Population: the bundle's validation set (default), a labelled CSV (--labelled, with "
        "TARGET), or the decisions logged over a period (--since; acceptance only).",
    )
    source = p.add_mutually_exclusive_group()
    source.add_argument("--labelled", type=Path, metavar="FILE", help="CSV of applications with TARGET")
    source.add_argument("--since", metavar="DATE", help="the decisions logged from DATE (ISO 8601, UTC)")
    p.add_argument("--until", metavar="DATE", help="with --since: up to DATE (a date alone: its whole day)")
    p.add_argument("--final", action="store_true", help="with --since: the officers' final decisions")
    p.add_argument(
        "--by", action="append", metavar="FIELD",
        help=f"attribute to group by (repeatable; default CODE_GENDER and {AGE_BAND})",
    )  # fmt: skip
    p.add_argument("--boot", type=int, default=200, help="bootstrap resamples (default 200)")
    p.add_argument(
        "--bundle", metavar="FOLDER|URI",
        help="bundle folder or registered MLflow model (models:/NAME/VERSION, models:/NAME@ALIAS); "
        "default: the configured bundle, the demo one",
    )  # fmt: skip
    p.add_argument("--out", type=Path, metavar="PATH", help="write the audit: .csv or .json")
    p.add_argument("--strict", action="store_true", help="exit 3 when a ratio is below 0.8 (for a CI gate)")
    p.set_defaults(func=run)


def _population(args: argparse.Namespace, bundle: Bundle) -> tuple[pd.DataFrame, str]:
    if args.labelled is not None:
        if not args.labelled.is_file():
            raise FileValidationError(f"labelled file {args.labelled} does not exist.")
        frame = read_clients_csv(args.labelled)
        if "TARGET" not in frame.columns:
            raise FileValidationError(f"{args.labelled.name} has no TARGET column: the audit needs outcomes.")
        batch = ScoringService(bundle).score_frame(frame)
        if not batch.n_scored:
            raise FileValidationError(f"no row of {args.labelled.name} could be scored.")
        return scored_population(frame, batch.results), f"{args.labelled.name} ({batch.n_scored} scored)"
    if args.since is not None:
        from core.store import open_store

        since = parse_when(args.since)
        until = parse_when(args.until, end=True) if args.until else None
        store = open_store()
        frame = logged_population(store.log, since=since, until=until, final=args.final)
        which = "final decisions" if args.final else "model decisions"
        return frame, f"{which} logged since {since:%Y-%m-%d}"
    return validation_population(bundle), "the bundle's validation set"


def _print(audit: FairnessAudit) -> None:
    print(f"\n{audit.attribute} — {audit.source}, {audit.n} clients, {audit.level:.0%} bootstrap intervals")
    cols = ["group", "count", "acceptance_rate", "approval_ratio"]
    if audit.labelled:
        cols += ["default_rate", "tpr", "fpr"]
    shown = audit.table[cols].copy()
    for c in cols[2:]:
        low, high = audit.table[f"{c}_low"], audit.table[f"{c}_high"]
        shown[c] = [
            "—" if pd.isna(v) else f"{v:.3f} [{lo:.3f}, {hi:.3f}]"
            for v, lo, hi in zip(audit.table[c], low, high, strict=True)
        ]
    shown["flag"] = ["< 0.8" if f else "" for f in audit.table["flag"]]
    shown["flag"] += ["" if not s else " (few)" for s in audit.table["small"]]
    print(shown.to_string(index=False))
    print(audit.summary())


def run(args: argparse.Namespace) -> int:
    """Audit the population by each attribute; with --strict, exit 3 when a ratio is below 0.8."""
    bundle = load_bundle_arg(args.bundle)
    frame, source = _population(args, bundle)
    audits = [
        fairness_audit(frame, by, threshold=bundle.threshold, source=source, n_boot=args.boot)
        for by in (args.by or ["CODE_GENDER", AGE_BAND])
    ]
    for audit in audits:
        _print(audit)
    if args.out is not None:
        suffix = args.out.suffix.lower()
        if suffix not in (".csv", ".json"):
            raise ValueError(f"--out {args.out.name}: write the audit as .csv or .json.")
        text = to_safe_csv(audit_table(audits)).decode() if suffix == ".csv" else audits_json(audits)
        args.out.write_text(text, encoding="utf-8")
        print(f"wrote {args.out}", file=sys.stderr)
    flagged = [f"{a.attribute}: {', '.join(a.flagged)}" for a in audits if a.flagged]
    if flagged:
        print(f"approval-rate ratio below {FOUR_FIFTHS} for " + "; ".join(flagged), file=sys.stderr)
    return 3 if flagged and args.strict else 0
