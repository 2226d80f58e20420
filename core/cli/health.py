"""``pad healthcheck``: is the dashboard or the API of this machine answering? (the image's HEALTHCHECK)

One image serves either face (Streamlit on 7860 by default, or ``uvicorn api.main:app`` on 8000), so
the check probes both and is healthy when the one that runs answers: the API's ``/health`` must say
``"status": "ok"``, Streamlit's ``/_stcore/health`` must answer 200. Exit 0 when healthy, else 1,
with one line saying what answered or why nothing did.
"""

from __future__ import annotations

import argparse
import json
import urllib.error
import urllib.request

#: seconds each probe may take (Docker's HEALTHCHECK --timeout is larger)
PROBE_TIMEOUT_S = 2.0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``pad healthcheck``."""
    cmd = subparsers.add_parser(
        "healthcheck",
        help="check that the dashboard or the API answers (exit 0) or not (exit 1)",
        description="Probe the API's /health and the dashboard's /_stcore/health on this machine; "
        "healthy when either answers.",
    )
    cmd.add_argument("--host", default="127.0.0.1")
    cmd.add_argument("--api-port", type=int, default=8000, help="port of the API (default 8000)")
    cmd.add_argument("--dashboard-port", type=int, default=7860, help="port of the dashboard (default 7860)")
    cmd.set_defaults(func=_healthcheck)


def probe_api(url: str) -> str | None:
    """None when the API at ``url`` (its /health) is ready, else why not."""
    try:
        with urllib.request.urlopen(url, timeout=PROBE_TIMEOUT_S) as res:
            body = json.loads(res.read(100_000))
    except (OSError, ValueError) as exc:
        return _why(exc)
    if not isinstance(body, dict) or body.get("status") != "ok":
        return "answered, but not as the API's /health does"
    return None


def probe_dashboard(url: str) -> str | None:
    """None when Streamlit at ``url`` (its /_stcore/health) is ready, else why not."""
    try:
        with urllib.request.urlopen(url, timeout=PROBE_TIMEOUT_S) as res:
            return None if res.status == 200 else f"HTTP {res.status}"
    except OSError as exc:
        return _why(exc)


def _why(exc: BaseException) -> str:
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code}"
    if isinstance(exc, urllib.error.URLError):
        return str(exc.reason)
    return str(exc) or type(exc).__name__


def _healthcheck(args: argparse.Namespace) -> int:
    probes = {
        "API": (f"http://{args.host}:{args.api_port}/health", probe_api),
        "dashboard": (f"http://{args.host}:{args.dashboard_port}/_stcore/health", probe_dashboard),
    }
    failures = []
    for name, (url, probe) in probes.items():
        why = probe(url)
        if why is None:
            print(f"healthy: the {name} answers at {url}")
            return 0
        failures.append(f"{name} at {url}: {why}")
    print("unhealthy: neither the API nor the dashboard answers (" + "; ".join(failures) + ")")
    return 1
