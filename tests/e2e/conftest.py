"""Browser plumbing for the end-to-end tests: a real `streamlit run` server and headless Debian Chromium."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = REPO / "test-artifacts"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def require_browser() -> None:
    """Skip, saying why, when Debian chromium or Playwright is missing."""
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed (/usr/bin/chromium): apt-get install chromium")
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed")


def free_port() -> int:
    """A free localhost port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def streamlit_server(tmp_path_factory: pytest.TempPathFactory, env: dict[str, str]) -> Iterator[str]:
    """`streamlit run dashboard/app.py` on a free port with a clean configuration; yields its URL."""
    port = free_port()
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("BUNDLE_", "HF_", "LOCAL_"))}
    full_env |= {"HOME": str(tmp_path_factory.mktemp("home")), **env}
    log_path = tmp_path_factory.mktemp("log") / "streamlit.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(REPO / "dashboard" / "app.py"), "--server.port", str(port), "--server.headless", "true"],
            cwd=REPO, env=full_env, stdout=log, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.time() + 120
            while True:
                try:
                    if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).status == 200:
                        break
                except OSError:
                    if time.time() > deadline or proc.poll() is not None:
                        pytest.fail("streamlit did not start: " + log_path.read_text())
                    time.sleep(0.5)
            yield url
        finally:
            proc.terminate()
            proc.wait(timeout=30)


@contextmanager
def browser_page(browser: Any, *, height: int = 1000) -> Iterator[Any]:
    """A French-locale page in a fresh browser context."""
    context = browser.new_context(viewport={"width": 1440, "height": height}, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        yield page
    finally:
        context.close()


def settle(page: Any) -> None:
    """Wait until Streamlit has finished running and no skeleton placeholder remains."""
    page.wait_for_selector("[data-testid=stApp]")
    page.wait_for_function("document.querySelectorAll('[data-testid=stSkeleton]').length === 0")
    page.wait_for_function("!document.querySelector('[data-testid=stStatusWidget]')", timeout=120_000)
    page.wait_for_timeout(300)


def shot(page: Any, name: str) -> None:
    """Screenshot of the whole page: Streamlit scrolls inside its main block, so grow the viewport to it."""
    ARTIFACTS.mkdir(exist_ok=True)
    settle(page)
    size = page.viewport_size
    height = page.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": min(max(height, size["height"]), 9000)})
    page.wait_for_timeout(800)  # charts re-layout to the new size
    settle(page)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    page.set_viewport_size(size)
