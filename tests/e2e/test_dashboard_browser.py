"""End to end in a real browser: headless Debian Chromium driven by Playwright against `streamlit run`.

Screenshots of every page are saved to test-artifacts/ (look at them).
"""

from __future__ import annotations

import os
import re

import pytest

from tests.e2e.conftest import REPO, browser_page, require_browser, settle, shot, streamlit_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    require_browser()
    env = {"BUNDLE_DIR": os.environ["E2E_BUNDLE_DIR"]} if os.environ.get("E2E_BUNDLE_DIR") else {}
    with streamlit_server(tmp_path_factory, env) as url:  # default: the shipped demo bundle, as users see it
        yield url


@pytest.fixture(scope="module")
def browser(server):
    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import ARGS, CHROMIUM

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture()
def page(browser, server):
    with browser_page(browser, height=2600) as pg:
        yield pg


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
