#!/usr/bin/env bash
# Rebuild the demo bundle (assets/demo_bundle) and the example inputs (examples/) from nothing.
# Deterministic: synthetic data from the project's generator with a fixed seed. About 15-25 min on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf assets/demo_bundle
pad train --profile demo --seed 42 --out assets/demo_bundle --tracking-uri "${MLFLOW_TRACKING_URI:-sqlite:///mlflow.db}"
python scripts/build_examples.py --bundle assets/demo_bundle --out examples --seed 7
