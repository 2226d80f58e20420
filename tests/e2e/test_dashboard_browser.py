"""End to end in a real browser: headless Debian Chromium driven by Playwright against `streamlit run`.

The server runs on the shipped demo bundle (or ``E2E_BUNDLE_DIR``), whichever input contract it has
(a loan application or the model's features): the tests assert behaviour, not a bundle's values.
Screenshots of every page are saved to test-artifacts/ (look at them).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import core
from dashboard import forms
from tests.conftest import REPO
from tests.e2e.conftest import browser_page, require_browser, settle, shot, streamlit_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]
DECISION = re.compile("ACCORDÉ|REFUSÉ")


@pytest.fixture(scope="module")
def served():
    """The bundle the server shows, and its scoring service (to know its contract and fields)."""
    folder = Path(os.environ.get("E2E_BUNDLE_DIR") or core.DEMO_BUNDLE_DIR)
    return core.ScoringService(core.load_bundle(folder))


#: the embedded store of the module's server (the tests read what it recorded)
SERVER_STORE: dict[str, Path] = {}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    require_browser()
    env = {"BUNDLE_DIR": os.environ["E2E_BUNDLE_DIR"]} if os.environ.get("E2E_BUNDLE_DIR") else {}
    SERVER_STORE["path"] = tmp_path_factory.mktemp("server-store") / "store.sqlite"
    env["STORE_PATH"] = str(SERVER_STORE["path"])
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


OFFICER = "Claire Martin"


def sign(page) -> None:
    """Open mode: the officer gives a name once per session (required to record a decision)."""
    box = page.get_by_label("Votre nom (chargé de clientèle)", exact=True)
    box.fill(OFFICER)
    box.press("Enter")
    settle(page)


def _form_values(page) -> list[str]:
    boxes = page.get_by_test_id("stForm").locator("input:not([type=checkbox])")
    return [boxes.nth(i).input_value() for i in range(min(boxes.count(), 12))]


def test_score_a_looked_up_client(page, server, served):
    from playwright.sync_api import expect

    if not served.known_ids():
        pytest.skip("the served bundle has no reference clients to look up")
    page.goto(server)
    settle(page)
    page.get_by_role("heading", name="Évaluer un client").first.wait_for()
    shot(page, "1_score_empty")
    sign(page)
    before = _form_values(page)
    page.get_by_role("combobox").first.click()
    page.get_by_role("option").nth(2).click()
    settle(page)
    page.get_by_role("button", name="Charger").click()
    settle(page)
    expect(page.get_by_text("Dossier du client")).to_have_count(1)
    assert _form_values(page) != before, "the looked-up client's values are not shown in the form"
    if served.schema.contract == "application":
        expect(page.get_by_text(re.compile("Historique de crédit du client"))).to_have_count(1)
    page.get_by_role("button", name="Évaluer le dossier").click()
    settle(page)
    page.get_by_role("heading", name=DECISION).first.wait_for()
    expect(page.get_by_text("Ce qui augmente le risque")).to_have_count(1)
    shot(page, "2_score_result")


def test_score_a_new_application_typed_in_the_form(page, server, served):
    """A new application starts empty; the officer types the required fields (or one field) and scores."""
    from playwright.sync_api import expect

    page.goto(server)
    settle(page)
    sign(page)
    layout = forms.form_layout(served.schema, "fr")
    fields = [f for f in layout.fields if f.required] or [
        f for _, g in layout.main for f in g if f.kind in ("number", "years", "amount")
    ][:1]
    example = forms.widget_values(fields, served.example_record(), "fr")
    assert set(_form_values(page)) <= {""}, "a new application must start empty"
    for f in fields:
        value = example[f.name]
        text = value if isinstance(value, str) else f"{value:.2f}"
        box = page.get_by_label(f.label, exact=True)
        box.fill(text)
        box.press("Tab")
    page.get_by_role("button", name="Évaluer le dossier").click()
    settle(page)
    page.get_by_role("heading", name=DECISION).first.wait_for()
    if served.schema.contract == "application":
        expect(page.get_by_text("score calculé sur la demande seule").first).to_be_visible()
        amount = next((f for f in fields if f.kind == "amount"), None)
        if amount is not None:  # an amount is shown back with its thousands separators
            assert re.fullmatch(
                r"\d{1,3}( \d{3})*(,\d{2})?", page.get_by_label(amount.label, exact=True).input_value()
            )
    shot(page, "2b_score_new_application")


def test_a_bad_amount_is_an_error_at_its_field_and_nothing_typed_is_lost(page, server, served):
    from playwright.sync_api import expect

    layout = forms.form_layout(served.schema, "fr")
    amount = next((f for _, g in layout.main for f in g if f.kind == "amount"), None)
    if amount is None:
        pytest.skip("the served bundle's form has no amount in its main sections")
    page.goto(server)
    settle(page)
    sign(page)
    box = page.get_by_label(amount.label, exact=True)
    box.fill("45O 000")
    box.press("Tab")
    page.get_by_role("button", name="Évaluer le dossier").click()
    settle(page)
    name = core.label(amount.name, "fr", served.schema)
    alert = page.get_by_role("alert").filter(has_text="ne peut pas être évalué")
    expect(alert).to_contain_text(name)
    expect(alert).not_to_contain_text(amount.name)  # the label, never the column name
    expect(page.get_by_text("montant illisible « 45O 000 »").first).to_be_visible()
    assert page.get_by_label(amount.label, exact=True).input_value() == "45O 000"
    assert page.get_by_role("heading", name=DECISION).count() == 0
    shot(page, "2c_score_bad_amount")


def test_upload_a_csv(page, server, served, tmp_path):
    ids = served.known_ids()[:20]
    rows = [served.record_of(i) for i in ids] if ids else [served.example_record()] * 20
    frame = pd.DataFrame(rows).astype(object)
    numeric = next(s.name for s in served.schema.fields if s.kind == "numeric")
    frame.loc[2, numeric] = "abc"  # one bad row among good ones
    path = tmp_path / "applications.csv"
    frame.to_csv(path, index=False)
    page.goto(server)
    settle(page)
    sign(page)
    page.get_by_role("link", name="Scoring par lot").first.click()
    settle(page)
    page.locator("input[type=file]").set_input_files(str(path))
    page.get_by_text("ligne(s) rejetée(s)").wait_for(timeout=120_000)
    settle(page)
    assert page.get_by_role("button", name="Télécharger les résultats (CSV)").count() == 1
    page.get_by_text(re.compile(r"\d+ décisions enregistrées")).wait_for()
    shot(page, "3_batch")


def test_move_the_threshold(page, server):
    from playwright.sync_api import expect

    open_page(page, server, "Seuil et coût")
    formula = page.get_by_text("Coût =").first
    before = formula.inner_text()
    page.get_by_role("slider").first.focus()
    for _ in range(40):  # the keyboard moves the thumb as a user would (0.001 per step)
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


def test_english_toggle(page, server, served):
    from playwright.sync_api import expect

    page.goto(server)
    settle(page)
    page.get_by_text("English").click()
    settle(page)
    page.get_by_role("heading", name="Score a client").first.wait_for()
    expect(page.get_by_role("button", name="Score the application")).to_have_count(1)
    first_section = forms.form_layout(served.schema, "en").main[0][0]
    english = {"identity": "Identity and household", "income": "Income and employment"}.get(first_section)
    if english:
        expect(page.get_by_role("heading", name=english)).to_have_count(1)
    shot(page, "9_score_english")


def _french_only_labels() -> set[str]:
    """Option labels of the category fields that are French words only (not the English label too)."""
    labels: set[str] = set()
    registry = json.loads(
        (REPO / "core" / "features" / "registry_data" / "categories.json").read_text("utf-8")
    )
    for spec in registry.values():
        fr, en = spec.get("labels_fr", {}), spec.get("labels_en", {})
        labels |= {v for k, v in fr.items() if v != en.get(k, k) and len(v) > 3}
    return labels


def _chosen(scope: Any) -> str:
    """The options shown chosen in the select boxes of ``scope`` (the texts the officer reads)."""
    inputs = scope.locator("[data-testid=stSelectbox] input")  # read in one go: a redraw may replace boxes
    return " | ".join(inputs.evaluate_all("boxes => boxes.map(b => b.value)"))


def _as_number(text: str) -> str:
    """A box's value as the number it holds (an amount in either language's writing), else as is."""
    from dashboard.forms import parse_amount

    try:
        return repr(parse_amount(text))
    except ValueError:
        return text


def test_a_change_of_language_redraws_the_chosen_options_in_the_new_language(page, server, served):
    """The browser keeps the option labels a widget was first drawn with: after a switch to English the
    loaded application's categories and the Decisions page's filters must read in English, values kept;
    the language and the filters are kept across pages."""
    from playwright.sync_api import expect

    if not served.known_ids():
        pytest.skip("the served bundle has no reference clients to look up")
    page.goto(server)
    settle(page)
    sign(page)
    page.get_by_role("combobox").first.click()
    page.get_by_role("option").nth(2).click()
    settle(page)
    page.get_by_role("button", name="Charger").click()
    settle(page)
    typed = page.get_by_test_id("stForm").locator(
        "[data-testid=stTextInput] input, [data-testid=stNumberInput] input"
    )
    before = sorted(set(typed.evaluate_all("boxes => boxes.map(b => b.value)")))
    french = _french_only_labels()
    shown = _chosen(page.get_by_test_id("stForm"))
    assert any(word in shown for word in french), f"the loaded client shows no French category label: {shown}"
    page.get_by_test_id("stSidebar").get_by_text("English", exact=True).click()
    settle(page)
    page.get_by_role("button", name="Score the application").wait_for()
    shown = _chosen(page.get_by_test_id("stForm"))
    assert not [w for w in french if w in shown], f"French labels left on the English form: {shown}"
    after = sorted(set(typed.evaluate_all("boxes => boxes.map(b => b.value)")))  # (a redraw may double a box)
    # the same values; the amounts written the English way ("450 000" -> "450,000")
    assert any("," in v for v in after) and not any("\u202f" in v or " 0" in v for v in after), after
    assert sorted(map(_as_number, after)) == sorted(map(_as_number, before)) and len(before) > 5, (
        "the values typed or loaded changed with the language"
    )
    shot(page, "17_form_after_language_switch")
    page.get_by_role("link", name="Decisions").first.click()
    settle(page)
    page.get_by_role("heading", name="Recorded decisions").wait_for()  # the language is kept across pages
    channel = page.get_by_test_id("stSelectbox").filter(has_text="Channel")
    channel.get_by_role("combobox").click()
    page.get_by_role("option", name="Dashboard", exact=True).click()
    settle(page)
    page.get_by_test_id("stSidebar").get_by_text("Français", exact=True).click()
    settle(page)
    channel = page.get_by_test_id("stSelectbox").filter(has_text="Canal")
    expect(channel.locator("input").first).to_have_value("Tableau de bord")  # kept, in French
    expect(
        page.get_by_test_id("stSelectbox").filter(has_text="Décision").locator("input").first
    ).to_have_value("Tous")
    page.get_by_role("link", name="Suivi").first.click()  # another page, then back: the filters are kept
    settle(page)
    page.get_by_role("link", name="Décisions").first.click()
    settle(page)
    channel = page.get_by_test_id("stSelectbox").filter(has_text="Canal")
    expect(channel.locator("input").first).to_have_value("Tableau de bord")


def test_phone_width_form(browser, server):
    """On a phone the form is one column and every label is readable (no horizontal scrolling)."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="fr-FR", is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(server)
        settle(page)
        page.get_by_role("heading", name="Évaluer un client").first.wait_for()
        overflow = page.evaluate(
            "document.querySelector('[data-testid=stMain]').scrollWidth - document.querySelector('[data-testid=stMain]').clientWidth"
        )
        assert overflow <= 1, f"the page scrolls sideways by {overflow}px on a phone"
        shot(page, "10_score_phone")
    finally:
        context.close()


def test_look_up_a_stored_client_override_and_see_it_in_the_decisions(page, server, served):
    """Look-up in the store (history charts), score, override with a reason, find it on the Decisions page."""
    from playwright.sync_api import expect

    if served.schema.contract != "application":
        pytest.skip("the store holds loan applications: the served bundle scores features")
    page.goto(server)
    settle(page)
    sign(page)
    box = page.get_by_label("Identifiant client", exact=True)
    box.fill("9100000")
    page.wait_for_timeout(600)  # suggestions follow the digits typed (live input)
    settle(page)
    page.get_by_test_id("stSelectbox").filter(has_text="Suggestions (").first.get_by_role("combobox").click()
    page.get_by_role("option").nth(4).click()
    settle(page)
    expect(page.get_by_text(re.compile("Historique de crédit du client 9100000"))).to_have_count(1)
    page.get_by_text("Demandes précédentes").first.wait_for()
    shot(page, "11_lookup_history")
    page.get_by_role("button", name="Évaluer le dossier").click()
    settle(page)
    page.get_by_role("heading", name=DECISION).first.wait_for()
    recorded = page.get_by_text(re.compile(r"Décision n° [0-9a-f]{8} enregistrée"))
    expect(recorded).to_have_count(1)
    short = re.search(r"[0-9a-f]{8}", recorded.inner_text()).group(0)
    button = page.get_by_role("button", name=re.compile("Enregistrer :"))
    button.click()  # no reason: refused, said clearly
    settle(page)
    expect(page.get_by_text("La justification est obligatoire").first).to_be_visible()
    page.get_by_label("Justification *", exact=True).fill("Garant solvable, pièces vérifiées en agence")
    page.get_by_role("button", name=re.compile("Enregistrer :")).click()
    settle(page)
    expect(page.get_by_text(re.compile("Décision modifiée en")).first).to_be_visible()
    page.get_by_text("Décision du chargé de clientèle").first.scroll_into_view_if_needed()
    shot(page, "12_override")
    page.get_by_role("link", name="Décisions").first.click()
    settle(page)
    page.get_by_text("Journal :").first.wait_for()
    detail = page.get_by_label("N° de décision", exact=True)
    detail.fill(short)
    detail.press("Enter")
    settle(page)
    expect(page.get_by_text(re.compile("Modifiée par la ligne n°")).first).to_be_visible()
    expect(page.get_by_text(re.compile("Garant solvable")).first).to_be_visible()
    shot(page, "13_decisions")
    page.get_by_role("link", name="Suivi").first.click()
    settle(page)
    page.get_by_text(re.compile("PSI par variable")).first.wait_for(timeout=120_000)
    shot(page, "14_monitoring")


def test_upload_a_french_excel_export(page, server):
    """A file saved by a French Excel (``;``, decimal comma, no-break spaces, Windows-1252, CRLF) with a
    ragged line and a formula cell: detected and said, the bad rows named, the others scored."""
    from playwright.sync_api import expect

    hostile = REPO / "tests" / "hostile" / "files"
    page.goto(server)
    settle(page)
    sign(page)
    page.get_by_role("link", name="Scoring par lot").first.click()
    settle(page)
    page.locator("input[type=file]").set_input_files(str(hostile / "french_excel_cp1252.csv"))
    page.get_by_text("Fichier lu ainsi : séparateur point-virgule, virgule décimale").wait_for(
        timeout=120_000
    )
    settle(page)
    expect(page.get_by_text("Windows-1252").first).to_be_visible()
    shot(page, "3b_batch_french_export")
    page.locator("input[type=file]").set_input_files(str(hostile / "formula_in_id.csv"))
    page.get_by_text("ligne(s) rejetée(s)").wait_for(timeout=120_000)
    settle(page)
    shot(page, "3c_batch_formula_cells")


def test_score_clicked_before_the_loaded_client_is_shown_scores_that_client(page, server, served):
    """The race of a quick officer: Load client B, then Score while the page still shows client A.

    The browser's Score carries the values it showed (A's); the decision is recorded under the loaded
    client's id. It must be B's application that is scored and recorded — never A's values under B's
    id. The server's answers to Load are held back (a WebSocket route) until Score has been sent."""
    from playwright.sync_api import expect

    if served.schema.contract != "application":
        pytest.skip("the store holds loan applications: the served bundle scores features")
    held: list = []
    hold = {"on": False}

    def route(ws):
        server_ws = ws.connect_to_server()
        ws.on_message(lambda m: server_ws.send(m))
        server_ws.on_message(lambda m: held.append(m) if hold["on"] else ws.send(m))
        routes.append(ws)

    routes: list = []
    page.route_web_socket(re.compile(r".*/_stcore/stream"), route)
    page.goto(server)
    settle(page)
    sign(page)
    store = core.open_store(core.Settings(STORE_PATH=SERVER_STORE["path"], DEMO_STORE_CLIENTS=200))
    ids = store.clients.search("91", limit=20)
    apps = {i: store.clients.application(i) for i in ids}
    a, b = next(
        (x, y) for x in ids for y in ids
        if x != y and apps[x]["AMT_INCOME_TOTAL"] != apps[y]["AMT_INCOME_TOTAL"]
    )  # fmt: skip
    box = page.get_by_label("Identifiant client", exact=True)
    box.fill(str(a))
    page.get_by_role("button", name="Charger").click()
    settle(page)
    expect(page.get_by_text(re.compile(f"Historique de crédit du client {a}"))).to_have_count(1)
    page.wait_for_timeout(1500)
    shown_a = _form_values(page)

    hold["on"] = True
    box.fill(str(b))
    page.get_by_role("button", name="Charger").click()
    page.wait_for_timeout(2500)  # the server has loaded B; the page has not heard of it
    # the race is set: the page still shows client A
    expect(page.get_by_text(re.compile(f"Historique de crédit du client {a}"))).to_have_count(1)
    assert _form_values(page) == shown_a
    page.get_by_role("button", name="Évaluer le dossier").click()
    page.wait_for_timeout(1000)
    hold["on"] = False
    for m in held:
        routes[-1].send(m)
    held.clear()
    settle(page)
    page.get_by_role("heading", name=DECISION).first.wait_for()
    mine = [r for r in store.log.records(limit=20, client_id=b, kind="decision") if r.officer == OFFICER]
    assert mine, f"no decision recorded for client {b}"
    recorded = mine[0].application
    assert recorded is not None
    assert recorded["AMT_INCOME_TOTAL"] == apps[b]["AMT_INCOME_TOTAL"], "A's values were scored under B's id"
    with_history = core.ScoringService(served.bundle, history=store.history)  # as the dashboard scores
    assert mine[0].probability == pytest.approx(
        with_history.score(apps[b], explain=False).probability, abs=1e-9
    )
    expect(page.get_by_text(re.compile(f"Historique de crédit du client {b}"))).to_have_count(1)
    shot(page, "16_load_then_score_race")
