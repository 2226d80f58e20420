"""DiCE (``dice-ml``) against the project's recourse search, on the same refused clients of the demo bundle.

Runs in a virtual environment of its own (DiCE pulls the full ``xgboost`` and ``lightgbm``, which
would replace the project's ``xgboost-cpu``): see benchmarks/README.md. Both methods change only the
three amounts (credit, annuity, goods price) within the same bounds, through the same model: DiCE
sees a model over those three amounts whose output is the real CatBoost model on the client's whole
application, derived features recomputed by the training code (the search's own candidate builder),
with the decision threshold mapped to DiCE's 0.5. For each method and client: the time, and for
each counterfactual returned — **valid** (scored ACCEPTED again through ``ScoringService.score``),
**plausible** (the search's :class:`Plausibility` rules: term, goods price ≤ credit, debt-service
ratio; DiCE cannot express ratios between features), its distance (sum of relative changes, the
search's measure) and how many fields it changes.
Usage: PYTHONPATH=. /work/venv-dice/bin/python benchmarks/dice_bench.py [--clients 20] [--methods
random,genetic] [--timeout 60]  (DiCE may search for minutes when nothing flips: a client is stopped at
``--timeout`` seconds and counted as no option)
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import statistics
import time
import warnings
from typing import Any

import numpy as np
import pandas as pd

import core
from core.serving.recourse import AMOUNTS, ANNUITY, CREDIT, GOODS, INCOME
from core.serving.schema import to_model_frame


class AmountsModel:
    """A classifier over the three amounts of one client's application (the rest fixed): class 1 =
    ACCEPTED; P(class 1) = 0.5 exactly at the bundle's threshold (odds ratio), so that DiCE's 0.5
    is the model's decision."""

    def __init__(self, finder: core.RecourseFinder) -> None:
        self.finder, self.service = finder, finder.service
        self.values: dict[str, Any] = {}
        self.base: pd.DataFrame | None = None

    def client(self, record: dict[str, Any]) -> None:
        valid = core.validate_record(record, self.service.schema)
        self.values = valid.values
        base = self.service.score(record, explain=False)
        self.base = to_model_frame(pd.DataFrame([base.features]), self.service.schema)

    def predict_proba(self, x: pd.DataFrame) -> np.ndarray:
        grid = x[list(AMOUNTS)].to_numpy(dtype=float)
        assert self.base is not None
        p = self.service.probabilities(self.finder._features(grid, self.values, self.base))
        th = self.service.bundle.threshold
        odds = (p / (1 - p)) / (th / (1 - th))
        accept = 1 / (1 + odds)
        return np.column_stack([1 - accept, accept])

    def predict(self, x: pd.DataFrame) -> np.ndarray:
        return (self.predict_proba(x)[:, 1] >= 0.5).astype(int)


def _assess(service: core.ScoringService, rules: core.Plausibility, record: dict[str, Any],
            proposed: dict[str, float]) -> dict[str, Any]:  # fmt: skip
    changed = {**record, **proposed}
    valid = service.score(changed, explain=False).decision == "ACCEPTED"
    c, a, g = (
        np.array([changed.get(n) if changed.get(n) is not None else np.nan], dtype=float) for n in AMOUNTS
    )
    current = {n: record.get(n) for n in (*AMOUNTS, INCOME)}
    plausible = bool(rules.mask(c, a, g, record.get(INCOME), current)[0])
    moved = [n for n in AMOUNTS if record.get(n) and abs(proposed.get(n, record[n]) - record[n]) > 1e-6]
    dist = sum(abs(proposed[n] - record[n]) / record[n] for n in moved)
    return {"valid": valid, "plausible": plausible, "distance": dist, "fields": len(moved)}


def _summary(name: str, rows: list[dict[str, Any]], times: list[float], clients: int) -> str:
    good = [r for r in rows if r["valid"] and r["plausible"]]
    with_one = len({r["client"] for r in good})
    dist = statistics.median([r["distance"] for r in good]) if good else float("nan")
    return (
        f"| {name} | {clients} | {with_one} | {len(rows)} | "
        f"{100 * sum(r['valid'] for r in rows) / max(1, len(rows)):.0f} % | "
        f"{100 * sum(r['valid'] and r['plausible'] for r in rows) / max(1, len(rows)):.0f} % | "
        f"{dist:.3f} | {statistics.mean([r['fields'] for r in rows]) if rows else float('nan'):.1f} | "
        f"{statistics.median(times):.0f} ms | {max(times):.0f} ms |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--methods", default="random,genetic")
    parser.add_argument("--timeout", type=int, default=60, help="seconds DiCE may take for one client")
    args = parser.parse_args()
    timeouts: dict[str, int] = {}

    def alarm(signum: int, frame: Any) -> None:
        raise TimeoutError

    signal.signal(signal.SIGALRM, alarm)
    import dice_ml

    logging.getLogger().setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")
    service = core.ScoringService(core.load_bundle(core.DEMO_BUNDLE_DIR))
    finder = core.RecourseFinder(service)
    rules = finder.rules
    assert rules is not None
    records = [service.record_of(i) for i in service.known_ids()]
    refused = [r for r in records if service.score(r, explain=False).decision == "REFUSED"][: args.clients]
    # DiCE's data: the reference clients' three amounts (ranges, and the random method's sampling)
    ref = service.bundle.reference
    assert ref is not None
    data = ref[list(AMOUNTS)].astype(float).dropna().copy()
    data["accepted"] = 0
    data.loc[data.index[::2], "accepted"] = 1  # DiCE wants both classes in the frame; unused by its methods
    dice_data = dice_ml.Data(dataframe=data, continuous_features=list(AMOUNTS), outcome_name="accepted")
    model = AmountsModel(finder)
    dice_model = dice_ml.Model(model=model, backend="sklearn", model_type="classifier")
    lines = []
    ours: list[dict[str, Any]] = []
    our_times = []
    for i, record in enumerate(refused):
        t = time.perf_counter()
        found = finder.find(record)
        our_times.append((time.perf_counter() - t) * 1000)
        for o in found.options:
            ours.append(
                {"client": i, **_assess(service, rules, record, {c.field: c.proposed for c in o.changes})}
            )
    lines.append(_summary("this project's search", ours, our_times, len(refused)))
    for method in args.methods.split(","):
        explainer = dice_ml.Dice(dice_data, dice_model, method=method)
        rows: list[dict[str, Any]] = []
        times = []
        for i, record in enumerate(refused):
            model.client(record)
            query = pd.DataFrame(
                [{n: float(record[n]) if record.get(n) is not None else np.nan for n in AMOUNTS}]
            )
            ranges = {}
            for n in AMOUNTS:
                lo, hi = rules.amounts[n]
                cur = float(record[n])
                # the search's own bounds: credit and price down to -50 %, annuity ±50 %
                span = (0.5 * cur, 1.5 * cur) if n == ANNUITY else (0.5 * cur, cur)
                ranges[n] = [max(lo, span[0]), min(hi, span[1])]
            t = time.perf_counter()
            signal.alarm(args.timeout)
            try:
                cf = explainer.generate_counterfactuals(
                    query, total_CFs=3, desired_class=1, features_to_vary=[CREDIT, ANNUITY, GOODS],
                    permitted_range=ranges, verbose=False, posthoc_sparsity_algorithm="binary",
                )  # fmt: skip
                frame = cf.cf_examples_list[0].final_cfs_df
            except TimeoutError:
                frame = None
                timeouts[method] = timeouts.get(method, 0) + 1
            except Exception as exc:  # noqa: BLE001 - DiCE raises bare exceptions when it finds nothing
                frame = None
                if "No counterfactuals found" not in str(exc):
                    print(f"  {method}: client {i}: {type(exc).__name__}: {str(exc)[:120]}")
            finally:
                signal.alarm(0)
            times.append((time.perf_counter() - t) * 1000)
            if frame is None:
                continue
            for _, row in frame.iterrows():
                proposed = {n: float(row[n]) for n in AMOUNTS if record.get(n) is not None}
                rows.append({"client": i, **_assess(service, rules, record, proposed)})
        lines.append(_summary(f"DiCE {dice_ml.__name__} method={method}", rows, times, len(refused)))
    print(f"cores: {os.cpu_count()}, load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("| method | refused clients | clients with ≥ 1 valid plausible option | options returned | valid | "
          "valid and plausible | median distance (valid, plausible) | fields changed (mean) | time p50 | max |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for line in lines:
        print(line)
    for method, n in timeouts.items():
        print(
            f"DiCE method={method}: {n} client(s) stopped at the {args.timeout} s limit (counted as no option)"
        )


if __name__ == "__main__":
    main()
