"""Latency of the scoring service against the model's own floor, measured side by side.

One application (validation + online application features + history look-up + predict, and with
exact SHAP and reason codes) against CatBoost's one-row ``predict_proba`` on a plain list (the
floor) and CatBoost's one-row ``ShapValues``; then batches. Prints p50/p99 and the ratio to the floor.
Usage: python benchmarks/scoring_bench.py [--repeats 300]   (BUNDLE_DIR selects the bundle)
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
from catboost import Pool

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
    service = core.ScoringService(bundle)
    t0 = time.perf_counter()
    tables = service.leaf_shap()
    print(
        f"per-leaf SHAP tables: built and checked against CatBoost in {(time.perf_counter() - t0) * 1000:.0f} ms"
        + ("" if tables is not None else " -- UNAVAILABLE, CatBoost computes each explanation")
    )
    record = service.example_record()
    result = service.score(record, explain=False)
    row = service._matrix_row(result.features)  # the exact model row, as the floor sees it
    cats = [i for i, n in enumerate(bundle.schema.names) if n in set(bundle.schema.categorical)]
    print(
        f"bundle: {bundle.name} {bundle.version} ({bundle.schema.contract} contract, {len(bundle.schema.names)} features, "
        f"{bundle.model.tree_count_} trees); cores {os.cpu_count()}, load {os.getloadavg()[0]:.2f}"
    )
    floor = _timed(lambda: bundle.model.predict_proba([row]), args.repeats)
    shap_floor = _timed(
        lambda: bundle.model.get_feature_importance(Pool([row], cat_features=cats), type="ShapValues"),
        args.repeats,
    )
    base = np.percentile(floor, 50)
    print(f"{'floor: CatBoost predict_proba, 1 row list':44s} p50 {base:7.3f} ms")
    print(f"{'floor: CatBoost ShapValues, 1 row':44s} p50 {np.percentile(shap_floor, 50):7.3f} ms")
    for name, fn in (
        ("validate one application", lambda: core.validate_record(record, bundle.schema)),
        ("score one application", lambda: service.score(record, explain=False)),
        ("score + exact SHAP + reasons", lambda: service.score(record)),
    ):
        ms = _timed(fn, args.repeats)
        p50 = np.percentile(ms, 50)
        print(
            f"{name:44s} p50 {p50:7.3f} ms   p99 {np.percentile(ms, 99):7.3f} ms   {p50 / base:6.1f}x floor"
        )
    records = [service.record_of(i) for i in service.known_ids()] * 5
    for explain in (False, True):
        t0 = time.perf_counter()
        batch = service.score_records(records, explain=explain)
        dt = time.perf_counter() - t0
        print(
            f"batch of {len(records)} applications (records{', with reasons' if explain else ''}): "
            f"{dt * 1000:8.1f} ms ({len(records) / dt:,.0f} rows/s, {batch.n_scored} scored)"
        )
    features = batch.features[bundle.schema.names]
    pool = Pool(core.to_model_frame(features, bundle.schema), cat_features=bundle.schema.categorical)
    for name, fn in (
        ("floor: CatBoost predict_proba", lambda: bundle.model.predict_proba(pool)),
        ("floor: CatBoost ShapValues", lambda: bundle.model.get_feature_importance(pool, type="ShapValues")),
        ("product: predict + per-leaf SHAP", lambda: service._predict(features, explain=True)),
    ):
        ms = _timed(fn, 3)
        print(f"{name + f', {len(features)} rows':44s} p50 {np.percentile(ms, 50):8.1f} ms")


if __name__ == "__main__":
    main()
