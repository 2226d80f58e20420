"""Time and peak memory of the synthetic generator and of feature engineering for N clients.

Usage: python benchmarks/features_bench.py [--clients 10000]   (307511 = full Kaggle scale)
"""

from __future__ import annotations

import argparse
import resource
import time

from core.data import generate
from core.features.build import build_features


def _peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=10_000)
    args = parser.parse_args()
    t0 = time.perf_counter()
    tables = generate(args.clients, 0)
    t1 = time.perf_counter()
    rows = ", ".join(f"{k} {len(v):,}" for k, v in tables.items())
    print(f"generate {args.clients:,} clients: {t1 - t0:.1f}s  ({rows})  peak RSS {_peak_gb():.1f} GB")
    features = build_features(tables)
    t2 = time.perf_counter()
    print(
        f"build_features: {t2 - t1:.1f}s -> {features.shape[0]:,} clients x {features.shape[1] - 2} features; peak RSS {_peak_gb():.1f} GB"
    )


if __name__ == "__main__":
    main()
