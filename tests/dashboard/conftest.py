"""AppTest helpers: every page runs against the toy bundle through BUNDLE_DIR."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import core.config

DASHBOARD = Path(__file__).resolve().parents[2] / "dashboard"


@pytest.fixture()
def use_bundle(monkeypatch):
    """Point the dashboard at a bundle folder for one test."""

    def use(folder: Path) -> None:
        monkeypatch.setenv("BUNDLE_DIR", str(folder))
        core.config.get_settings.cache_clear()
        import streamlit as st

        st.cache_resource.clear()
        st.cache_data.clear()

    yield use
    core.config.get_settings.cache_clear()


@pytest.fixture()
def page(use_bundle, toy_bundle_dir):
    """Open one page (file name under dashboard/views) on the toy bundle."""

    def open_page(name: str, lang: str = "en") -> AppTest:
        use_bundle(toy_bundle_dir)
        at = AppTest.from_file(str(DASHBOARD / "views" / name), default_timeout=60)
        at.session_state["lang"] = lang
        return at.run()

    return open_page
