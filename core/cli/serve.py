"""``pad dashboard`` and ``pad api``: start the Streamlit dashboard or the FastAPI service."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

DASHBOARD_APP = Path(__file__).resolve().parents[2] / "dashboard" / "app.py"


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``pad dashboard`` and ``pad api``."""
    dash = subparsers.add_parser(
        "dashboard", help="start the Streamlit dashboard", description="Start the dashboard."
    )
    dash.add_argument("--port", type=int, default=8501)
    dash.add_argument("--host", default="localhost")
    dash.set_defaults(func=_dashboard)
    api = subparsers.add_parser("api", help="start the FastAPI scoring service", description="Start the API.")
    api.add_argument("--port", type=int, default=8000)
    api.add_argument("--host", default="127.0.0.1")
    api.add_argument(
        "--workers",
        type=_positive,
        default=1,
        help="server processes (default 1); each loads the bundle, all share the store",
    )
    api.set_defaults(func=_api)


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of processes (1 or more)")
    return int(text)


def _dashboard(args: argparse.Namespace) -> int:
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(DASHBOARD_APP),
        "--server.port", str(args.port), "--server.address", args.host, "--server.headless", "true",
    ]  # fmt: skip
    return _become(cmd)


def _become(cmd: list[str]) -> int:
    """Replace this process by ``cmd`` (signals then reach the server itself)."""
    os.chdir(DASHBOARD_APP.parents[1])
    os.execv(cmd[0], cmd)
    return 0  # pragma: no cover - execv does not return


def _api(args: argparse.Namespace) -> int:
    cmd = [sys.executable, "-m", "uvicorn", "api.main:app", "--host", args.host, "--port", str(args.port)]
    if args.workers > 1:
        cmd += ["--workers", str(args.workers)]
    return _become(cmd)
