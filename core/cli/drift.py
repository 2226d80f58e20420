"""``pad drift``: how far current applications (a CSV, or the decision log) are from the bundle's reference."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd

from core.cli.score import read_csv_chunks
from core.errors import FileValidationError
from core.monitoring import (
    DriftReport,
    drift_report,
    drift_report_from_log,
    load_decision_log,
    to_csv,
    to_html,
    to_json,
)
from core.serving.service import ScoringService
from core.serving.source import load_bundle_arg

CHUNK_ROWS = 10_000
SHOWN_ERRORS = 5
WRITERS: dict[str, Callable[[DriftReport], str]] = {".html": to_html, ".json": to_json, ".csv": to_csv}


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``pad drift``."""
    p = subparsers.add_parser(
        "drift",
        help="population stability of current applications against the bundle's reference",
        description="Compare a current population with the bundle's reference sample: the population "
        "stability index (PSI) of every model feature and of the score, banded stable (< 0.1), watch "
        "(0.1-0.25) or shift (> 0.25). The population is a CSV of applications (--current, read like "
        "`pad score` reads it) or the decisions logged since a date (--since).",
    )
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--current", type=Path, metavar="FILE", help="CSV of applications (bundle contract)")
    source.add_argument(
        "--since",
        metavar="DATE",
        help="the decisions logged from DATE (ISO 8601, UTC unless an offset is given)",
    )
    p.add_argument("--until", metavar="DATE", help="with --since: up to DATE (a date alone: its whole day)")
    p.add_argument(
        "--bundle", metavar="FOLDER|URI",
        help="bundle folder or registered MLflow model (models:/NAME/VERSION, models:/NAME@ALIAS); "
        "default: the configured bundle, the demo one",
    )  # fmt: skip
    p.add_argument("--out", type=Path, metavar="PATH", help="write the report: .html, .json or .csv")
    p.add_argument("--top", type=int, default=15, help="features listed on the terminal (default 15)")
    p.add_argument("--bins", type=int, default=10, help="quantile bins per numeric feature (default 10)")
    p.set_defaults(func=run)


def parse_when(text: str, *, end: bool = False) -> datetime:
    """An ISO 8601 date or date-time as an aware UTC datetime (naive means UTC).

    With ``end``, a date alone means the end of that day (midnight of the next one), so that
    ``--until 2026-01-31`` includes the 31st.
    """
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(
            f"{text!r} is not a date: give an ISO 8601 date or date-time, e.g. 2026-01-31 or "
            "2026-01-31T08:00+01:00."
        ) from None
    when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    if end and len(text.strip()) == 10:  # YYYY-MM-DD
        when += timedelta(days=1)
    return when


def writer(path: Path) -> Callable[[DriftReport], str]:
    """The export function for the suffix of ``path``; a ValueError names the allowed suffixes."""
    try:
        return WRITERS[path.suffix.lower()]
    except KeyError:
        raise ValueError(
            f"--out {path}: the report format is taken from the suffix, {path.suffix or 'none'!r} "
            f"is not one of {sorted(WRITERS)}."
        ) from None


def _chunks(path: Path) -> Iterator[pd.DataFrame]:
    return read_csv_chunks(path, CHUNK_ROWS)


def _from_file(service: ScoringService, path: Path, bins: int) -> DriftReport:
    """Validate and featurise the file's applications as ``pad score`` does, then compare them."""
    if not path.is_file():
        raise FileValidationError(f"input file {path} does not exist.")
    features, probabilities, errors, n_rows, first = [], [], [], 0, 1
    for chunk in _chunks(path):
        batch = service.score_frame(chunk, first_row=first)
        first += len(chunk)
        n_rows += batch.n_rows
        errors += batch.errors
        features.append(batch.features)
        probabilities.append(batch.results["probability"])
    rejected = sorted({e.row for e in errors})
    for e in errors[:SHOWN_ERRORS]:
        print(f"row {e.row}: {e.field}: {e.problem}", file=sys.stderr)
    if len(errors) > SHOWN_ERRORS:
        print(f"… and {len(errors) - SHOWN_ERRORS} more problem(s)", file=sys.stderr)
    valid = [f for f in features if len(f)]
    if not valid:
        raise ValueError(f"no application of {path.name} could be scored ({n_rows} rows, all rejected).")
    print(
        f"compared {n_rows - len(rejected)} of {n_rows} applications; {len(rejected)} rejected",
        file=sys.stderr,
    )
    return drift_report(
        service,
        pd.concat(valid),
        current_probabilities=pd.concat(probabilities, ignore_index=True),
        bins=bins,
        source=path.name,
    )


def _from_log(service: ScoringService, since: str, until: str | None, bins: int) -> DriftReport:
    start, end = parse_when(since), (parse_when(until, end=True) if until else None)
    if end is not None and end <= start:
        raise ValueError(f"--until {until} is not after --since {since}.")
    window = f"decision log from {start.isoformat()} to {end.isoformat() if end else 'now'}"
    log = load_decision_log(start, end)
    if not (log["kind"] == "decision").any():
        raise ValueError(f"the {window} holds no model decision: there is nothing to compare.")
    return drift_report_from_log(service, log, bins=bins, source=window)


def render_terminal(report: DriftReport, top: int) -> str:
    """The compact terminal summary: score PSI, counts per band, the top features by PSI."""
    counts = ", ".join(f"{n} {b}" for b, n in report.counts.items())
    lines = [
        f"drift of {report.n_current} rows ({report.source}) against the reference of "
        f"{report.bundle_name} {report.bundle_version} ({report.n_reference} clients)",
        f"score (probability of default): PSI {report.score.psi:.4f}  {report.score.band}",
        f"features: {counts}",
        f"{'PSI':>8}  {'band':6}  feature",
        *(f"{f.psi:8.4f}  {f.band:6}  {f.name}" for f in report.top(top)),
    ]
    decisions = 0 if report.daily is None else int(report.daily["decisions"].sum())
    if report.daily is not None and decisions:
        d = report.daily
        accepted, overridden = int(d["accepted"].sum()), int(d["overridden"].sum())
        lines.append(
            f"decisions: {decisions} over {len(d)} day(s); accepted {accepted / decisions:.1%}, "
            f"overridden {overridden / decisions:.1%}"
        )
    if report.latency is not None:
        lines += [
            f"latency {r.channel}: p50 {r.p50_ms:.1f} ms, p90 {r.p90_ms:.1f} ms, p99 {r.p99_ms:.1f} ms ({r.count})"
            for r in report.latency.itertuples()
        ]
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace) -> int:
    """Compare the population with the reference, print the summary, write the report if asked."""
    if args.until and not args.since:
        raise ValueError("--until needs --since: it bounds a window of the decision log.")
    if args.top < 0 or args.bins < 1:
        raise ValueError(f"--top must be >= 0 and --bins >= 1 (got --top {args.top}, --bins {args.bins}).")
    write = writer(args.out) if args.out else None
    bundle = load_bundle_arg(args.bundle)
    service = ScoringService(bundle)
    if args.current is not None:
        report = _from_file(service, args.current, args.bins)
    else:
        report = _from_log(service, args.since, args.until, args.bins)
    sys.stdout.write(render_terminal(report, args.top))
    if write is not None and args.out is not None:
        args.out.write_text(write(report), encoding="utf-8")
        print(f"wrote the drift report to {args.out}", file=sys.stderr)
    return 0
