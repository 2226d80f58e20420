"""AppTest helpers: every page runs against a small real bundle through BUNDLE_DIR.

Two bundles, one per input contract: ``app_bundle_dir`` (raw loan applications in; the credit history
of known clients comes from the bundle) and ``toy_bundle_dir`` (the model's features in).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

import core.config
from dashboard.state import FORM_GENERATION, FORM_PREFIX, LOOKUP_TEXT, OFFICER_NAME

DASHBOARD = Path(__file__).resolve().parents[2] / "dashboard"
SUBMIT = {
    "en": "FormSubmitter:score_form-Score the application",
    "fr": "FormSubmitter:score_form-Évaluer le dossier",
}


OFFICER = "Test Officer"


@pytest.fixture()
def store_path(demo_store_url, monkeypatch) -> Path:
    """The dashboard's store for one test: a private copy of the 600-client demo store (no 3 s creation)."""
    path = Path(demo_store_url.removeprefix("sqlite:///"))
    monkeypatch.setenv("STORE_PATH", str(path))
    return path


@pytest.fixture()
def use_bundle(monkeypatch, store_path):
    """Point the dashboard at a bundle folder (and the demo store copy) for one test."""

    def use(folder: Path) -> None:
        monkeypatch.setenv("BUNDLE_DIR", str(folder))
        core.config.get_settings.cache_clear()
        import streamlit as st

        st.cache_resource.clear()
        st.cache_data.clear()

    yield use
    core.config.get_settings.cache_clear()
    import streamlit as st

    st.cache_resource.clear()  # the store of this test is closed with it
    st.cache_data.clear()


def _opener(use_bundle: Callable[[Path], None], folder: Path) -> Callable[..., AppTest]:
    def open_page(name: str, lang: str = "en") -> AppTest:
        use_bundle(folder)
        at = AppTest.from_file(str(DASHBOARD / "views" / name), default_timeout=60)
        at.session_state["lang"] = lang
        at.session_state[OFFICER_NAME] = OFFICER  # open mode: the officer gave a name
        return at.run()

    return open_page


@pytest.fixture()
def page(use_bundle, app_bundle_dir):
    """Open one page (file name under dashboard/views) on the small application bundle."""
    return _opener(use_bundle, app_bundle_dir)


@pytest.fixture()
def feature_page(use_bundle, toy_bundle_dir):
    """Open one page on the small feature-level bundle (contract "features")."""
    return _opener(use_bundle, toy_bundle_dir)


@pytest.fixture()
def stored(store_path):
    """The test's store, opened beside the dashboard (what the pages must agree with)."""
    return core.Store.open(f"sqlite:///{store_path}")


@pytest.fixture()
def store_service(app_bundle, stored):
    """The application bundle's service with the store's history, as the dashboard builds it."""
    return core.ScoringService(app_bundle, history=stored.history)


def stored_ids(store: core.Store, n: int = 20) -> list[int]:
    """The first ``n`` client ids of a store."""
    return store.clients.search("", n)


def load(at: AppTest, client_id: int | str) -> AppTest:
    """Type a client id in the look-up box and click Load."""
    at.text_input(key=LOOKUP_TEXT).input(str(client_id)).run()
    return at.button(key="lookup_load").click().run()


@pytest.fixture(scope="session")
def app_service(app_bundle):
    """The scoring service of the application bundle (what the pages must agree with)."""
    return core.ScoringService(app_bundle)


def texts(at: AppTest) -> str:
    """Everything a person reads on the page: texts, alerts, metrics and widget labels."""
    parts: list[Any] = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [e.value for e in at.error] + [w.value for w in at.warning] + [i.value for i in at.info]
    parts += [s.value for s in at.success] + [m.label for m in at.metric] + [str(m.value) for m in at.metric]
    parts += [h.value for h in at.title] + [h.value for h in at.subheader]
    for kind in ("text_input", "number_input", "selectbox", "segmented_control", "checkbox", "button"):
        parts += [w.label for w in getattr(at, kind)]
    parts += [e.label for e in at.expander]
    return "\n".join(str(p) for p in parts)


def widget(at: AppTest, name: str, suffix: str = "") -> Any:
    """The form widget of field ``name``, whatever its kind (in the form's current generation)."""
    generation = at.session_state[FORM_GENERATION] if FORM_GENERATION in at.session_state else 0  # noqa: SIM401 (no .get)
    key = f"{FORM_PREFIX}{generation}__{name}{suffix}"
    for kind in ("text_input", "number_input", "selectbox", "segmented_control", "checkbox"):
        try:
            return getattr(at, kind)(key=key)
        except KeyError:
            continue
    raise KeyError(f"no form widget for {name!r}")


def submit(at: AppTest, lang: str = "en") -> AppTest:
    """Click the form's submit button and rerun."""
    return at.button(key=SUBMIT[lang]).click().run()


def probability(at: AppTest, lang: str = "en") -> float:
    """The probability of default shown, as a fraction."""
    name = "Probability of default" if lang == "en" else "Probabilité de défaut"
    shown = next(m.value for m in at.metric if m.label == name)
    return float(shown.replace("\u202f", "").replace("%", "").replace(",", ".")) / 100
