"""End to end in a real browser: headless Debian Chromium driven by Playwright against `streamlit run`.

Screenshots of every page are saved to test-artifacts/ (look at them).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

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

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed (/usr/bin/chromium): apt-get install chromium")
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BUNDLE_", "HF_", "LOCAL_"))}
    env["HOME"] = str(tmp_path_factory.mktemp("home"))
    if os.environ.get("E2E_BUNDLE_DIR"):  # default: the shipped demo bundle, as users see it
        env["BUNDLE_DIR"] = os.environ["E2E_BUNDLE_DIR"]
    log = (tmp_path_factory.mktemp("log") / "streamlit.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(REPO / "dashboard" / "app.py"), "--server.port", str(port), "--server.headless", "true"],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).status == 200:
                break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        log.close()
        pytest.fail("streamlit did not start: " + Path(log.name).read_text())
    yield url
    proc.terminate()
    proc.wait(timeout=30)
    log.close()


@pytest.fixture(scope="module")
def browser(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture()
def page(browser, server):
    context = browser.new_context(viewport={"width": 1440, "height": 2600}, locale="fr-FR")
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    yield pg
    context.close()


def settle(page) -> None:
    """Wait until Streamlit has finished running and no skeleton placeholder remains."""
    page.wait_for_selector("[data-testid=stApp]")
    page.wait_for_function("document.querySelectorAll('[data-testid=stSkeleton]').length === 0")
    page.wait_for_function("!document.querySelector('[data-testid=stStatusWidget]')", timeout=120_000)
    page.wait_for_timeout(300)


def shot(page, name: str) -> None:
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


def open_page(page, server: str, title: str) -> None:
    page.goto(server)
    settle(page)
    page.get_by_role("link", name=title).first.click()
    settle(page)


def test_score_a_looked_up_client(page, server):
    from playwright.sync_api import expect

    page.goto(server)
    settle(page)
    page.get_by_role("heading", name="Évaluer un client").first.wait_for()
    shot(page, "1_score_empty")
    lookup = page.get_by_role("combobox").first
    lookup.click()
    page.get_by_role("option").nth(2).click()
    inputs = page.get_by_role("spinbutton")
    before = [inputs.nth(i).input_value() for i in range(6)]
    page.get_by_role("button", name="Charger le dossier").click()
    settle(page)
    expect(page.get_by_text("Dossier du client")).to_have_count(1)
    after = [inputs.nth(i).input_value() for i in range(6)]
    assert after != before, "the looked-up client's values are not shown in the form"
    page.get_by_role("button", name="Évaluer le dossier").click()
    settle(page)
    decision = page.get_by_role("heading", name=re.compile("ACCORDÉ|REFUSÉ")).first
    decision.wait_for()
    expect(page.get_by_text("Ce qui augmente le risque")).to_have_count(1)
    shot(page, "2_score_result")


def test_upload_a_csv(page, server):
    open_page(page, server, "Scoring par lot")
    page.locator("input[type=file]").set_input_files(str(REPO / "examples" / "clients_sample.csv"))
    page.get_by_text("ligne(s) rejetée(s)").wait_for(timeout=120_000)
    settle(page)
    assert page.get_by_text("Télécharger les résultats (CSV)").count() == 1
    shot(page, "3_batch")


def test_move_the_threshold(page, server):
    from playwright.sync_api import expect

    open_page(page, server, "Seuil et coût")
    formula = page.get_by_text("Coût =").first
    before = formula.inner_text()
    page.get_by_role("slider").first.focus()
    for _ in range(40):  # the keyboard moves the thumb as a user would (0.005 per step)
        page.keyboard.press("ArrowRight")
    expect(page.get_by_text("Coût =").first).not_to_have_text(before, timeout=60_000)
    shot(page, "4_threshold")


def test_insights_and_model_card(page, server):
    open_page(page, server, "Comprendre le modèle")
    page.get_by_text("Importance des caractéristiques").first.wait_for()
    shot(page, "5_insights")
    open_page(page, server, "Fiche du modèle")
    page.get_by_text("SYNTHÉTIQUES").first.wait_for()
    shot(page, "6_model_card")


def test_english_toggle(page, server):
    page.goto(server)
    settle(page)
    page.get_by_text("English").click()
    settle(page)
    page.get_by_role("heading", name="Score a client").first.wait_for()
    shot(page, "9_score_english")
