"""The dashboard in a real browser on a legacy-format bundle (model.cb + three side files, no data).

The legacy folder is made from the shipped demo model, as the original project deployed it: lookup and
population charts are unavailable with a note, and the threshold page works from an uploaded CSV.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

import core
from core.serving.bundle import LEGACY_FILES
from dashboard import forms
from tests.e2e.conftest import (
    ARGS,
    CHROMIUM,
    browser_page,
    require_browser,
    settle,
    shot,
    streamlit_server,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _legacy_from_demo(folder: Path) -> Path:
    demo = core.load_bundle(core.DEMO_BUNDLE_DIR)
    folder.mkdir(parents=True)
    shutil.copy(core.DEMO_BUNDLE_DIR / "model.cbm", folder / LEGACY_FILES["model"])
    (folder / LEGACY_FILES["kept"]).write_text("\n".join(demo.schema.names) + "\n")
    (folder / LEGACY_FILES["cat"]).write_text("\n".join(demo.schema.categorical) + "\n")
    (folder / LEGACY_FILES["threshold"]).write_text(json.dumps({"threshold": demo.threshold}))
    return folder


@pytest.fixture(scope="module")
def legacy_folder(tmp_path_factory):
    if not (core.DEMO_BUNDLE_DIR / "model.cbm").exists():
        pytest.skip("the demo bundle has no model.cbm to make a legacy folder from")
    return _legacy_from_demo(tmp_path_factory.mktemp("legacy") / "bundle")


@pytest.fixture(scope="module")
def legacy_server(tmp_path_factory, legacy_folder):
    require_browser()
    with streamlit_server(tmp_path_factory, {"BUNDLE_DIR": str(legacy_folder)}) as url:
        yield url


@pytest.fixture(scope="module")
def legacy_page(legacy_server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        with browser_page(browser) as page:
            yield page
        browser.close()


def test_legacy_score_page_explains_what_is_missing_and_scores(legacy_page, legacy_server, legacy_folder):
    from playwright.sync_api import expect

    page = legacy_page
    page.goto(legacy_server)
    settle(page)
    expect(page.get_by_text("n'a pas de population de référence")).to_have_count(1)
    name = page.get_by_label("Votre nom (chargé de clientèle)", exact=True)  # open mode: who decides
    name.fill("Claire Martin")
    name.press("Enter")
    settle(page)
    legacy = core.load_bundle(legacy_folder)
    for f in forms.form_layout(legacy.schema, "fr").fields:  # what the validation cannot do without
        if f.required:
            box = page.get_by_label(f.label, exact=True)
            box.fill("450 000" if f.kind == "amount" else "40")
            box.press("Tab")
    page.get_by_role("button", name="Évaluer le dossier").click()
    settle(page)  # may return before the rerun has started on a busy machine: the result is awaited
    expect(page.get_by_role("heading", name="Résultat")).to_have_count(1, timeout=60_000)
    shot(page, "7_legacy_score")


def _labelled_features(folder: Path) -> Path:
    """A labelled CSV of the legacy bundle's contract (the demo model's features), whatever the demo holds."""
    demo = core.load_bundle(core.DEMO_BUNDLE_DIR)
    frame = demo.reference[["SK_ID_CURR", *demo.schema.names]].head(300).copy()
    frame.insert(1, "TARGET", np.random.default_rng(0).integers(0, 2, len(frame)))
    path = folder / "labelled_features.csv"
    frame.to_csv(path, index=False)
    return path


def test_legacy_threshold_page_works_from_an_uploaded_labelled_csv(legacy_page, legacy_server, tmp_path):
    from playwright.sync_api import expect

    page = legacy_page
    page.goto(legacy_server)
    settle(page)
    page.get_by_role("link", name="Seuil et coût").first.click()
    settle(page)
    page.locator("input[type=file]").set_input_files(str(_labelled_features(tmp_path)))
    expect(page.get_by_text("Coût =").first).to_be_visible(timeout=120_000)
    shot(page, "8_legacy_threshold")
