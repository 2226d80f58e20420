"""Latency of the real API server: 1,000 sequential local requests to /predict (and /explain).

Starts `uvicorn api.main:app` on a free port with the configured bundle (default: the demo bundle).
Usage: python benchmarks/api_latency.py [--requests 1000]
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import numpy as np

REPO = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=1000)
    args = parser.parse_args()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "api.main:app", "--port", str(port), "--log-level", "warning"],
        cwd=REPO,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            try:
                if httpx.get(f"{base}/health").status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.25)
        payload = json.loads((REPO / "examples" / "input_example.json").read_text())
        with httpx.Client(base_url=base) as client:
            for path in ("/predict", "/explain"):
                for _ in range(20):
                    client.post(path, json=payload)
                times = []
                for _ in range(args.requests):
                    t0 = time.perf_counter()
                    res = client.post(path, json=payload)
                    times.append((time.perf_counter() - t0) * 1000)
                    assert res.status_code == 200, res.text
                ms = np.array(times)
                print(
                    f"{path:9s} {args.requests} sequential requests: p50 {np.percentile(ms, 50):.1f} ms, p99 {np.percentile(ms, 99):.1f} ms, max {ms.max():.1f} ms"
                )
    finally:
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    main()
