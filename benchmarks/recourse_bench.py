"""Recourse search speed for one refused client (target: < 1 s in core), on the demo bundle.

Prints, with the machine's cores and load average: the time of :meth:`RecourseFinder.find` per refused
reference client (p50, p95, max), the candidates scored, how many clients got options, and the ratio
to two floors measured in the same run: one ``ScoringService.score`` (validated, no explanation) and
one batched ``ScoringService.probabilities`` of 2,000 feature rows (the model's own cost for a grid).
Usage: python benchmarks/recourse_bench.py [--clients 40]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

import core


def _p(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=40, help="refused reference clients to search")
    args = parser.parse_args()
    service = core.ScoringService(core.load_bundle(core.DEMO_BUNDLE_DIR))
    finder = core.RecourseFinder(service)
    records = [service.record_of(i) for i in service.known_ids()]
    refused = [r for r in records if service.score(r, explain=False).decision == "REFUSED"][: args.clients]
    finder.find(refused[0])  # warm-up (first predictions build CatBoost's caches)
    score_ms = []
    for r in refused[:20]:
        t = time.perf_counter()
        service.score(r, explain=False)
        score_ms.append((time.perf_counter() - t) * 1000)
    ref = service.bundle.reference
    assert ref is not None
    rows = ref[service.schema.names].head(2000)
    t = time.perf_counter()
    service.probabilities(rows)
    batch_ms = (time.perf_counter() - t) * 1000
    times, candidates, statuses = [], [], []
    for r in refused:
        t = time.perf_counter()
        found = finder.find(r)
        times.append((time.perf_counter() - t) * 1000)
        candidates.append(found.candidates)
        statuses.append(found.status)
    p50 = statistics.median(times)
    print(f"cores: {os.cpu_count()}, load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(
        f"refused clients searched: {len(refused)}; found: {statuses.count('found')}, none: {statuses.count('none')}"
    )
    print(f"candidates scored per client: median {int(statistics.median(candidates))}, max {max(candidates)}")
    print(f"find(): p50 {p50:.0f} ms, p95 {_p(times, 95):.0f} ms, max {max(times):.0f} ms (target < 1000 ms)")
    floor = statistics.median(score_ms)
    print(f"floor, one score (no explanation): p50 {floor:.2f} ms -> find() = {p50 / floor:.0f} x")
    print(f"floor, probabilities of 2,000 rows: {batch_ms:.0f} ms -> find() = {p50 / batch_ms:.1f} x")
    print("target met" if max(times) < 1000 else "TARGET NOT MET for some clients")


if __name__ == "__main__":
    main()
