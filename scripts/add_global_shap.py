"""Store the SHAP values of the reference sample in a bundle exported before bundles carried them.

A bundle exported now has ``global_shap.parquet`` already (``save_bundle`` writes it); this adds it to an
older one, the other files untouched, so that the insights page reads them instead of computing them at
its first opening. Usage: python scripts/add_global_shap.py [--bundle assets/demo_bundle]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from core.serving.bundle import add_global_shap

REPO = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bundle", type=Path, default=REPO / "assets" / "demo_bundle")
    args = parser.parse_args()
    print(f"manifest updated: {add_global_shap(args.bundle)}")


if __name__ == "__main__":
    main()
