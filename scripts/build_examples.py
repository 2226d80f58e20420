"""Write example inputs for a bundle from fresh synthetic clients (never real ones).

- examples/input_example.json: one client, every feature of the bundle (JSON types);
- examples/clients_sample.csv: ~50 clients, two of them with an invalid value (to see the error report);
- examples/labelled_sample.csv: a few hundred clients with TARGET (for the threshold page).

Usage: python scripts/build_examples.py [--bundle assets/demo_bundle] [--out examples] [--seed 7]
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import pandas as pd

from core import load_bundle
from core.data import generate
from core.features.build import build_features
from core.serving.schema import ID_COLUMN, TARGET_COLUMN

REPO = Path(__file__).resolve().parent.parent


def _json_value(spec_kind: str, value: object) -> object:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if spec_kind == "boolean":
        return bool(value)
    if spec_kind == "categorical":
        return str(value)
    value = float(value)  # type: ignore[arg-type]
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bundle", type=Path, default=REPO / "assets" / "demo_bundle")
    parser.add_argument("--out", type=Path, default=REPO / "examples")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--clients", type=int, default=600)
    args = parser.parse_args()
    bundle = load_bundle(args.bundle)
    features = build_features(generate(args.clients, args.seed, test_fraction=0.0))
    features = features[features[TARGET_COLUMN].notna()].reset_index(drop=True)
    kinds = {f.name: f.kind for f in bundle.schema.features}
    cols = [ID_COLUMN, *bundle.schema.names]
    args.out.mkdir(parents=True, exist_ok=True)

    first = features.iloc[0]
    record = {ID_COLUMN: int(first[ID_COLUMN])} | {
        n: _json_value(kinds[n], first[n]) for n in bundle.schema.names
    }
    (args.out / "input_example.json").write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n")

    sample = features.iloc[1:51][cols].copy()
    numeric = [f.name for f in bundle.schema.by_importance() if f.kind == "numeric"]
    sample[numeric[0]] = sample[numeric[0]].astype(object)
    sample.iloc[7, sample.columns.get_loc(numeric[0])] = "unknown"  # text in a numeric column
    ext = next((n for n in bundle.schema.names if n.startswith("EXT_SOURCE_")), numeric[1])
    sample[ext] = sample[ext].astype(object)
    sample.iloc[23, sample.columns.get_loc(ext)] = 1.7  # outside [0, 1]
    for name, kind in kinds.items():
        if kind == "boolean":
            sample[name] = sample[name].map(lambda v: v if pd.isna(v) or isinstance(v, str) else int(v))
    sample.to_csv(args.out / "clients_sample.csv", index=False)

    labelled = features.iloc[51:][[*cols, TARGET_COLUMN]].copy()
    labelled[TARGET_COLUMN] = labelled[TARGET_COLUMN].astype(int)
    labelled.to_csv(args.out / "labelled_sample.csv", index=False)
    print(
        f"wrote {args.out}/input_example.json, clients_sample.csv (50 rows, 2 invalid), labelled_sample.csv ({len(labelled)} rows)"
    )


if __name__ == "__main__":
    main()
