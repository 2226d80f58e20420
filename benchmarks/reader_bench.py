"""How fast clients' files are read as officers have them (issue 14): plain, with one ragged line, a
French Excel export. Prints seconds per file and the ratio to pandas' C reader on the plain file
(the floor, measured in the same run).

    python -m benchmarks.reader_bench [ROWS]
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from core import DEMO_BUNDLE_DIR, load_bundle
from core.data.synthetic.application import generate_application
from core.data.tables import columns
from core.serving.csvfile import PANDAS_OPTIONS, ClientsCsv
from core.serving.validation import numeric_fields


def best(fn: Callable[[], object], n: int = 3) -> float:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main(rows: int = 20_000) -> None:
    numeric = numeric_fields(load_bundle(DEMO_BUNDLE_DIR).schema)
    frame = generate_application(np.random.default_rng(1), rows)[columns("application_test")]
    with tempfile.TemporaryDirectory() as folder:
        d = Path(folder)
        frame.to_csv(d / "plain.csv", index=False)
        lines = (d / "plain.csv").read_text().splitlines()
        lines[100] += ",x"
        (d / "ragged.csv").write_text("\n".join(lines) + "\n")
        frame.to_csv(
            d / "fr.csv", index=False, sep=";", decimal=",", encoding="cp1252", lineterminator="\r\n"
        )
        floor = best(
            lambda: sum(len(c) for c in pd.read_csv(d / "plain.csv", chunksize=10_000, **PANDAS_OPTIONS))
        )
        print(f"{rows:,} applications x 121 columns; load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        print(f"  floor: pandas' C reader, plain file: {floor:.2f} s")
        for name, what in [("plain", "plain (columnar reader)"), ("ragged", "one ragged line (record by record)"),
                           ("fr", "French Excel export (record by record + numbers)")]:  # fmt: skip
            took = best(
                lambda n=name: sum(len(c) for c in ClientsCsv(d / f"{n}.csv", numeric=numeric).chunks(10_000))
            )
            print(f"  {what}: {took:.2f} s ({took / floor:.2f}x the floor)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000)
