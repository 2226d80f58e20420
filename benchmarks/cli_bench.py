"""``pad score`` end to end on a CSV of synthetic applications, against the model's own floor.

Generates ``--rows`` applications with the project's generator (``application_test`` columns) as a
CSV, then measures, in the same run: the floor (CatBoost's ``predict_proba`` on the same rows'
model matrix); reading the file in chunks (the columnar reader and pandas' reader); ``validate_frame``
over the chunks (``--oracle``: the row-wise validator of the tests on one chunk); in process, what
``pad score`` does with the chunks but for the decision log (read, score, results table, CSV text);
``pad score FILE -o OUT`` as a subprocess (wall time, a throw-away store created beforehand); and
the same command under cProfile, to show where its time goes — the decision-log write among it.
Prints rows/s and each figure's ratio to the floor, with the machine's cores and load.
Usage: python benchmarks/cli_bench.py [--rows 100000] [--profile-rows N] [--oracle]
       (BUNDLE_DIR selects the bundle; run from the repository root)
"""

from __future__ import annotations

import argparse
import os
import pstats
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from catboost import Pool

import core
from core.cli.score import CHUNK_ROWS
from core.data.synthetic.application import generate_application
from core.data.tables import columns
from core.export import neutralise_formulas
from core.serving.csvfile import PANDAS_OPTIONS, read_csv_chunks
from core.serving.schema import to_model_frame

REPO = Path(__file__).resolve().parent.parent
#: steps of ``pad score`` in its profile: label -> functions (file suffix, name) whose times add up
STEPS = {
    "read the CSV (chunks of text cells)": [("core/serving/csvfile.py", "chunks")],
    "validate_frame": [("core/serving/validation.py", "validate_frame")],
    "application features + history": [("core/serving/service.py", "features_of")],
    "CatBoost predict (model matrix, Pool)": [("core/serving/service.py", "_predict")],
    "decision log (entries + write)": [("core/store/desk.py", "record_frame")],
    "results table + CSV output": [
        ("core/serving/contract.py", "results_table"),
        ("core/cli/score.py", "write"),
    ],
}


def _rate(rows: int, seconds: float) -> str:
    return f"{seconds:8.2f} s  {rows / seconds:>10,.0f} rows/s"


def _pad(args: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    res = subprocess.run([sys.executable, *args], cwd=REPO, env=env, capture_output=True, text=True)
    if res.returncode != 0:
        raise SystemExit(f"pad score failed ({res.returncode}): {res.stderr[-2000:]}")
    return time.perf_counter() - started


def _cumulative(stats: pstats.Stats, suffix: str, name: str) -> float:
    found = [
        ct
        for (file, _, func), (_, _, _, ct, _) in stats.stats.items()  # type: ignore[attr-defined]
        if func == name and file.endswith(suffix)
    ]
    return max(found, default=0.0)


def _profile(csv: Path, env: dict[str, str], work: Path) -> None:
    """`pad score` under cProfile with its steps one after the other in one thread: the command overlaps
    reading, scoring and logging in threads, which cProfile (main thread only) would not see."""
    out = work / "profile.out"
    argv = ["score", str(csv), "-o", str(work / "p.csv")]
    statement = f"import core.cli.score as s; s.OVERLAP = False; from core.cli import main; main({argv!r})"
    command = ["-c", f"import cProfile; cProfile.run({statement!r}, {str(out)!r})"]
    wall = _pad(command, env)
    stats = pstats.Stats(str(out))
    total = float(stats.total_tt)  # type: ignore[attr-defined]
    shares = {"start-up (imports, bundle, store)": total - _cumulative(stats, "core/cli/score.py", "run")}
    for label, functions in STEPS.items():
        shares[label] = sum(_cumulative(stats, suffix, name) for suffix, name in functions)
    shares["other"] = total - sum(shares.values())
    print(
        f"\nprofile of `pad score` on {csv.name}, steps in sequence: {total:.1f} s profiled ({wall:.1f} s wall; "
        "cProfile slows Python code most)"
    )
    for label, seconds in shares.items():
        print(f"  {label:40s} {seconds:7.2f} s  {100 * seconds / total:5.1f} %")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument(
        "--profile-rows", type=int, default=None, help="rows of the profiled run (default --rows)"
    )
    parser.add_argument("--oracle", action="store_true", help="also time the row-wise validator on one chunk")
    args = parser.parse_args()
    bundle = core.load_configured_bundle()
    service = core.ScoringService(bundle)
    print(
        f"bundle: {bundle.name} {bundle.version} ({len(bundle.schema.names)} features, {bundle.model.tree_count_} trees); "
        f"cores {os.cpu_count()}, load {os.getloadavg()[0]:.2f}"
    )
    with tempfile.TemporaryDirectory(prefix="cli-bench-") as folder:
        work = Path(folder)
        csv = work / "applications.csv"
        apps = generate_application(np.random.default_rng(7), args.rows)[columns("application_test")]
        apps.to_csv(csv, index=False)
        print(f"{args.rows:,} synthetic applications: {csv.stat().st_size / 1e6:.0f} MB")

        started = time.perf_counter()
        chunks = list(read_csv_chunks(csv, CHUNK_ROWS))
        read = time.perf_counter() - started
        started = time.perf_counter()
        for _ in pd.read_csv(csv, chunksize=CHUNK_ROWS, **PANDAS_OPTIONS):
            pass
        read_pandas = time.perf_counter() - started

        checked, first, started = [], 1, time.perf_counter()
        for chunk in chunks:
            checked.append(core.validate_frame(chunk, bundle.schema, first_row=first))
            first += len(chunk)
        validate = time.perf_counter() - started
        first, started = 1, time.perf_counter()
        for chunk in chunks:  # what pad score does with a chunk, but for the decision log
            batch = service.score_frame(chunk, first_row=first)
            table = core.results_table(batch, bundle.schema, bundle_version=bundle.version)
            neutralise_formulas(table).to_csv(index=False)
            first += len(chunk)
        no_log = time.perf_counter() - started
        features = pd.concat(
            [service.features_of(c.features, list(c.client_ids))[0] for c in checked], ignore_index=True
        )
        matrix = to_model_frame(features, bundle.schema)
        floors = []
        for _ in range(3):
            started = time.perf_counter()
            bundle.model.predict_proba(Pool(matrix, cat_features=bundle.schema.categorical))
            floors.append(time.perf_counter() - started)
        floor = min(floors)

        env = {**os.environ, "STORE_PATH": str(work / "store.sqlite"), "DEMO_STORE_CLIENTS": "200"}
        tiny = work / "tiny.csv"
        apps.head(5).to_csv(tiny, index=False)
        _pad(["-m", "core.cli", "score", str(tiny), "-o", str(work / "tiny.out")], env)  # creates the store
        wall = _pad(["-m", "core.cli", "score", str(csv), "-o", str(work / "scores.csv")], env)

        print(f"{'floor: CatBoost predict_proba (Pool)':44s} {_rate(args.rows, floor)}")
        for label, seconds in (
            ("read CSV, columnar reader", read),
            ("read CSV, pandas reader", read_pandas),
            ("validate_frame (vectorised)", validate),
            ("no decision log: read, score, write (in proc.)", read + no_log),
            ("pad score end to end (subprocess)", wall),
        ):
            print(f"{label:44s} {_rate(args.rows, seconds)}  {seconds / floor:7.1f}x floor")
        if args.oracle:
            sys.path.insert(0, str(REPO))
            from tests.core.serving.rowwise_validation import validate_frame_rowwise

            started = time.perf_counter()
            validate_frame_rowwise(chunks[0], bundle.schema)
            oracle = time.perf_counter() - started
            print(f"{'validate, row-wise oracle (one chunk)':44s} {_rate(len(chunks[0]), oracle)}")
        print(f"load after the timed runs: {os.getloadavg()[0]:.2f}")

        profiled = csv
        if args.profile_rows and args.profile_rows < args.rows:
            profiled = work / "profiled.csv"
            apps.head(args.profile_rows).to_csv(profiled, index=False)
        _profile(profiled, env, work)


if __name__ == "__main__":
    main()
