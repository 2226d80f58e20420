"""``pad score``: score a CSV or JSON file of clients from the command line."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TextIO

import pandas as pd
from tqdm import tqdm

from core.config import load_settings
from core.errors import FileValidationError
from core.export import neutralise_formulas
from core.serving.contract import REASON_COLUMNS, TABLE_COLUMNS, results_table, score_out
from core.serving.csvfile import ClientsCsv
from core.serving.jsonfile import duplicate_key_problem, parse_json_records
from core.serving.messages import clip
from core.serving.schema import FeatureSchema
from core.serving.service import BatchScoring, ScoringService
from core.serving.source import load_bundle_arg
from core.serving.validation import RowError, numeric_fields
from core.store import Actor, DecisionDesk, UnknownClient, open_store
from core.store.pipeline import decide_chunks

log = logging.getLogger(__name__)
CHUNK_ROWS = 10_000
#: rows per chunk with reason codes: explaining costs more per row (≈ 0.2 ms), so results are written
#: (and decisions logged) more often, and a stopped run keeps more of its work
EXPLAIN_CHUNK_ROWS = 5_000
#: read, score and log in overlapping threads (core.store.pipeline); False: one step after the other
OVERLAP = True


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``pad score``."""
    p = subparsers.add_parser(
        "score",
        help="score clients from a CSV or JSON file",
        description="Score applications: INPUT is a CSV (one application per row, Kaggle application_test "
        "columns; or the model's features for a feature-level bundle) or a JSON file (one record or a list). "
        "Writes row, SK_ID_CURR, probability, decision, threshold, history, bundle_version and warnings as CSV; "
        "invalid rows are reported on stderr. Every decision (and every refused row) is recorded in the decision "
        "log of the configured store (DATABASE_URL, or the embedded SQLite file). --client ID scores a client "
        "of the store instead.",
    )
    p.add_argument("input", type=Path, nargs="?", help="CSV or JSON file of clients")
    p.add_argument(
        "--client", type=int, metavar="ID", help="score the stored client ID (prints the JSON result)"
    )
    p.add_argument(
        "--officer",
        default=None,
        help="name recorded with the decisions (default: the login name; recorded as unauthenticated)",
    )
    p.add_argument(
        "--bundle", metavar="FOLDER|URI",
        help="bundle folder or registered MLflow model (models:/NAME/VERSION, models:/NAME@ALIAS); "
        "default: the configured bundle, the demo one",
    )  # fmt: skip
    p.add_argument("-o", "--output", type=Path, help="output CSV (default: standard output)")
    p.add_argument("--explain", action="store_true", help="add the top reason codes of each client")
    p.add_argument("--lang", choices=["fr", "en"], default="en", help="language of the reason codes")
    p.add_argument(
        "--verbose", dest="list_all", action="store_true",
        help="list every ignored column (by default: their number and the first few names)",
    )  # fmt: skip
    p.set_defaults(func=run)


def read_csv_chunks(source: Path | ClientsCsv, chunk_rows: int = CHUNK_ROWS) -> Iterator[pd.DataFrame]:
    """A CSV of applications as chunks of text cells (empty = missing); a bad file is one named error."""
    reader = source if isinstance(source, ClientsCsv) else ClientsCsv(source)
    return reader.chunks(chunk_rows)


def _csv_reader(path: Path, schema: FeatureSchema) -> ClientsCsv:
    limit = load_settings().MAX_DECOMPRESSED_MB << 20
    reader = ClientsCsv(path, numeric=numeric_fields(schema), max_bytes=limit)
    if not reader.format.plain or reader.format.compression:
        print(reader.format.describe("en"), file=sys.stderr)
    return reader


def _decide_file(
    desk: DecisionDesk, path: Path, explain: bool, actor: Actor, on_batch: Callable[[BatchScoring], None]
) -> None:
    """Score and log the file, handing each batch (a chunk of a CSV, or the whole JSON list) to
    ``on_batch`` once its decisions are in the log."""
    if path.suffix.lower() == ".json":
        parsed = parse_json_records(path.read_bytes(), path.name)
        batch = desk.decide_records(parsed.records, channel="cli", actor=actor, explain=explain).batch
        batch.warnings += [
            RowError(row, clip(key), duplicate_key_problem(times))
            for row, keys in parsed.duplicate_keys.items()
            for key, times in keys
        ]
        on_batch(batch)
        return
    reader = _csv_reader(path, desk.service.schema)
    decide_chunks(
        desk, read_csv_chunks(reader, EXPLAIN_CHUNK_ROWS if explain else CHUNK_ROWS), channel="cli",
        actor=actor, explain=explain, on_decided=lambda decided: on_batch(decided.batch), overlap=OVERLAP,
    )  # fmt: skip


class _ResultsWriter:
    """Writes each chunk's results as soon as it is scored: the header once, then rows, flushed, so
    that memory stays flat and a stopped run keeps every chunk it finished (and logged)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.rows = 0
        self._out: TextIO | None = None

    def write(self, table: pd.DataFrame) -> None:
        header = self._out is None
        if self._out is None:
            self._out = self.path.open("w", encoding="utf-8", newline="") if self.path else sys.stdout
        self._out.write(neutralise_formulas(table).to_csv(index=False, header=header))
        self._out.flush()
        self.rows += len(table)

    def finish(self, columns: list[str]) -> None:
        """After the last chunk: a file where nothing came still gets the table's header."""
        if self._out is None:
            self.write(pd.DataFrame(columns=columns))

    def close(self) -> None:
        if self._out is not None and self._out is not sys.stdout:
            self._out.close()


#: ignored columns named in the summary line (``--verbose`` names them all)
SHOWN_COLUMNS = 5


def ignored_summary(names: list[str], *, every: bool = False) -> str:
    """One line about the unknown columns of a file: their number and the first few names."""
    if every:  # one per line
        return f"ignored {len(names)} unknown column(s):\n" + "\n".join(f"  {clip(n)}" for n in names)
    shown = names[:SHOWN_COLUMNS]
    text = f"ignored {len(names)} unknown column(s): " + ", ".join(clip(n) for n in shown)
    if len(shown) < len(names):
        text += f", … and {len(names) - len(shown)} more (--verbose lists them all)"
    return text


def _data_lines(path: Path) -> int:
    """Lines after the header (the progress bar's total; a quoted line end counts twice)."""
    with path.open("rb") as fh:
        return max(sum(block.count(b"\n") for block in iter(lambda: fh.read(1 << 20), b"")) - 1, 0)


def _actor(name: str | None) -> Actor:
    import getpass

    if name is None:
        try:
            name = getpass.getuser()
        except (KeyError, OSError):
            name = "cli"
    return Actor(name.strip() or "cli", authenticated=False)


def _score_client(desk: DecisionDesk, client_id: int, actor: Actor) -> int:
    try:
        decided = desk.decide_client(client_id, channel="cli", actor=actor)
    except UnknownClient as exc:
        raise ValueError(str(exc)) from None
    out = score_out(decided.result, desk.service.schema, decision_id=decided.logged.decision_id)
    sys.stdout.write(out.model_dump_json(indent=1) + "\n")
    return 0


def run(args: argparse.Namespace) -> int:
    """Score the input file (or a stored client); exit 1 when nothing could be scored."""
    if (args.input is None) == (args.client is None):
        raise ValueError("give either an INPUT file or --client ID.")
    if args.input is not None and not args.input.is_file():
        raise FileValidationError(f"input file {args.input} does not exist.")
    bundle = load_bundle_arg(args.bundle)
    store = open_store()
    desk = DecisionDesk(ScoringService(bundle, history=store.history), store)
    actor = _actor(args.officer)
    if args.client is not None:
        return _score_client(desk, args.client, actor)
    shown = sys.stderr.isatty()
    total = _data_lines(args.input) if shown and args.input.suffix.lower() == ".csv" else None
    progress = tqdm(total=total, unit="rows", disable=not shown, file=sys.stderr)
    writer = _ResultsWriter(args.output)
    n_errors, n_rows = 0, 0
    warned_columns = False

    def on_batch(batch: BatchScoring) -> None:
        nonlocal n_errors, n_rows, warned_columns
        for e in batch.errors:
            print(f"row {e.row}: {clip(e.field)}: {e.problem}", file=sys.stderr)
        n_errors += len({e.row for e in batch.errors})
        n_rows += batch.n_rows
        writer.write(results_table(batch, bundle.schema, bundle_version=bundle.version, lang=args.lang))
        progress.update(batch.n_rows)
        if batch.ignored_columns and not warned_columns:
            every = args.list_all or getattr(args, "verbose", False)
            log.warning("%s", ignored_summary(batch.ignored_columns, every=every))
            warned_columns = True

    try:
        _decide_file(desk, args.input, args.explain, actor, on_batch)
        writer.finish(TABLE_COLUMNS + (REASON_COLUMNS if args.explain else []))
    except BaseException:
        if writer.rows:
            where = args.output or "standard output"
            print(f"stopped: the {writer.rows} rows scored so far are written to {where}", file=sys.stderr)
        raise
    finally:
        progress.close()
        writer.close()
    print(
        f"scored {writer.rows} of {n_rows} clients; {n_errors} rejected ({bundle.name} {bundle.version}); "
        f"recorded in the decision log at {store.display_url}",
        file=sys.stderr,
    )
    return 0 if writer.rows else 1
