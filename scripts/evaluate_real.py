"""Rank real Home Credit applicants with a bundle trained on synthetic data only, and record it.

Scores the real sample ``application_train.csv`` (``../shared/data/homecredit`` by default) as raw
applications through the scoring service — once with each client's credit history (aggregated from
the real side tables by the project's history functions), once without any history — and writes
ROC AUC and cost per client for both into the bundle manifest's ``metrics.real_sample`` (the model
card shows them). No row of the real data is written anywhere.

Usage: python scripts/evaluate_real.py [--bundle assets/demo_bundle] [--data ../shared/data/homecredit]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

from core import FrameHistory, ScoringService, confusion_at, load_bundle, read_clients_csv
from core.features.build import history_table

REPO = Path(__file__).resolve().parent.parent


def evaluate(bundle_dir: Path, data: Path) -> dict[str, object]:
    """AUC and cost per client on the real labelled sample, with and without history."""
    bundle = load_bundle(bundle_dir)
    frame = read_clients_csv(data / "application_train.csv")
    out: dict[str, object] = {"data": f"{data.name}/application_train.csv (real Home Credit sample)"}
    histories = {"with_history": FrameHistory(history_table(data).to_pandas()), "without_history": None}
    for name, history in histories.items():
        service = ScoringService(bundle, history=history)
        if history is None:
            service.history = None
        batch = service.score_frame(frame)
        y = batch.target.astype(int).to_numpy()
        p = batch.results["probability"].to_numpy()
        at = confusion_at(y, p, bundle.threshold, bundle.cost_weights)
        out[name] = {
            "n": int(len(y)),
            "n_rejected": int(batch.n_rows - batch.n_scored),
            "default_rate": round(float(np.mean(y)), 4),
            "roc_auc": round(float(roc_auc_score(y, p)), 4),
            "cost_per_client": round(at.cost_per_client, 4),
            "history_known": int((batch.results["history"] == "known").sum()),
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bundle", type=Path, default=REPO / "assets" / "demo_bundle")
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "homecredit")
    parser.add_argument("--write", action="store_true", help="record the figures in the bundle manifest")
    args = parser.parse_args()
    figures = evaluate(args.bundle, args.data)
    print(json.dumps(figures, indent=1))
    if args.write:
        path = args.bundle / "manifest.json"
        manifest = json.loads(path.read_text(encoding="utf-8"))
        manifest["metrics"]["real_sample"] = figures
        path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
