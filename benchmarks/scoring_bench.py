"""Latency of scoring and explaining with the configured bundle (default: the demo bundle).

Prints p50/p99 per call for one client (score, explain) and throughput for batches.
Usage: python benchmarks/scoring_bench.py [--repeats 300]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import core


def _timed(fn, repeats: int) -> np.ndarray:
    fn()  # warm-up
    out = np.empty(repeats)
    for i in range(repeats):
        t0 = time.perf_counter()
        fn()
        out[i] = (time.perf_counter() - t0) * 1000
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=300)
    args = parser.parse_args()
    bundle = core.load_configured_bundle()
    if bundle.reference is None:
        raise SystemExit("the bundle has no reference data to benchmark with")
    explainer = core.Explainer(bundle)
    row = bundle.reference.iloc[0]
    record = {k: (None if v != v else (v.item() if hasattr(v, "item") else v)) for k, v in row.items()}
    for spec in bundle.schema.features:
        if spec.kind == "boolean" and record[spec.name] is not None:
            record[spec.name] = bool(record[spec.name])
    record["SK_ID_CURR"] = int(record["SK_ID_CURR"])
    print(
        f"bundle: {bundle.name} {bundle.version} ({len(bundle.schema.names)} features, {bundle.model.tree_count_} trees)"
    )
    for name, fn in (
        ("validate one record", lambda: core.validate_record(record, bundle.schema)),
        ("score one record", lambda: core.score_record(bundle, record)),
        ("score + explain one record", lambda: explainer.explain_record(record)),
    ):
        ms = _timed(fn, args.repeats)
        print(f"{name:32s} p50 {np.percentile(ms, 50):7.2f} ms   p99 {np.percentile(ms, 99):7.2f} ms")
    features = bundle.reference[bundle.schema.names]
    reps = max(1, 10_000 // len(features))
    big = features.loc[features.index.repeat(reps)].reset_index(drop=True)
    for name, fn in (
        ("predict_proba", lambda: core.predict_proba(bundle, big)),
        ("exact SHAP (TreeSHAP)", lambda: core.shap_values(bundle, big)),
    ):
        t0 = time.perf_counter()
        fn()
        dt = time.perf_counter() - t0
        print(f"batch {name:26s} {len(big):6d} rows  {dt * 1000:8.1f} ms  ({dt / len(big) * 1e3:.3f} ms/row)")
    t0 = time.perf_counter()
    explainer.global_importance()
    print(f"global SHAP over reference     {(time.perf_counter() - t0) * 1000:8.1f} ms (once, then cached)")


if __name__ == "__main__":
    main()
