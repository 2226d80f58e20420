"""Write example inputs for a bundle from fresh synthetic applicants (never real ones).

For an application bundle (the demo's):
- examples/input_example.json: one application, the raw Home Credit fields (JSON types);
- examples/applications_sample.csv: 50 applications in application_test format, four of them
  invalid (text in a number, a score above 1, an unknown category, no credit amount);
- examples/labelled_sample.csv: a few hundred applications in application_train format (with TARGET),
  for the threshold page and ``pad evaluate``.
The applicants are new (synthetic ids outside Home Credit's range, no credit history known).

Usage: python scripts/build_examples.py [--bundle assets/demo_bundle] [--out examples] [--seed 7]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from core import ScoringService, load_bundle
from core.data import columns, generate
from core.serving.service import json_value

REPO = Path(__file__).resolve().parent.parent
EXAMPLE_ID_START = 980_000_001


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bundle", type=Path, default=REPO / "assets" / "demo_bundle")
    parser.add_argument("--out", type=Path, default=REPO / "examples")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--clients", type=int, default=600)
    args = parser.parse_args()
    bundle = load_bundle(args.bundle)
    if bundle.schema.contract != "application":
        raise SystemExit(
            "build_examples.py writes application examples: the bundle must be an application bundle"
        )
    service = ScoringService(bundle)
    apps = generate(args.clients, args.seed, test_fraction=0.0)["application_train"].reset_index(drop=True)
    # new applicants: ids of their own, never those of a synthetic client a bundle or a store holds
    apps["SK_ID_CURR"] = EXAMPLE_ID_START + apps.index.to_numpy()
    args.out.mkdir(parents=True, exist_ok=True)

    kinds = {s.name: s.kind for s in bundle.schema.inputs}
    first = apps.iloc[0]
    record: dict[str, object] = {"SK_ID_CURR": int(first["SK_ID_CURR"])}
    for name, kind in kinds.items():
        value = json_value(first[name])
        if value is not None and kind == "boolean":
            value = bool(value)
        elif isinstance(value, float) and value.is_integer() and bundle.schema.get(name).integer:
            value = int(value)
        record[name] = value
    service.score(record)  # the example must score
    (args.out / "input_example.json").write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n")

    sample = apps.iloc[1:51][columns("application_test")].copy().astype(object)
    sample.iloc[7, sample.columns.get_loc("AMT_INCOME_TOTAL")] = "unknown"  # text in a number
    sample.iloc[23, sample.columns.get_loc("EXT_SOURCE_2")] = 1.7  # a score above 1
    sample.iloc[31, sample.columns.get_loc("NAME_INCOME_TYPE")] = "Astronaut"  # outside the domain
    sample.iloc[40, sample.columns.get_loc("AMT_CREDIT")] = None  # required: insufficient data
    sample.to_csv(args.out / "applications_sample.csv", index=False)

    labelled = apps.iloc[51:][columns("application_train")]
    labelled.to_csv(args.out / "labelled_sample.csv", index=False)
    print(
        f"wrote {args.out}/input_example.json, applications_sample.csv (50 rows, 4 invalid), "
        f"labelled_sample.csv ({len(labelled)} rows)"
    )


if __name__ == "__main__":
    main()
