"""Widgets shared by the pages: sidebar, decision badge, error lists, chart captions."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

import core
from core.serving.presentation import label
from dashboard import resources
from dashboard.i18n import t
from dashboard.state import LANG, init_state, lang


def page_setup(title_key: str) -> core.Bundle:
    """Common start of every page: state, sidebar (language, bundle), title; returns the bundle."""
    init_state()
    with st.sidebar:
        st.radio(
            t("language"),
            options=["fr", "en"],
            format_func=lambda c: {"fr": "Français", "en": "English"}[c],
            key=LANG,
            horizontal=True,
        )
    bundle = resources.bundle()
    with st.sidebar:
        st.caption(t("sidebar_model", name=bundle.name, version=bundle.version))
        if bundle.provenance is not None and bundle.provenance.synthetic:
            st.warning(t("synthetic_banner"), icon=":material/science:")
    st.title(t(title_key))
    return bundle


def decision_badge(decision: str) -> None:
    """The decision in words and an icon, never by colour alone (blue/orange: colour-blind safe)."""
    if decision == "REFUSED":
        st.markdown(f"### :orange-background[:material/block: {t('refused')}]\n{t('refused_hint')}")
    else:
        st.markdown(f"### :blue-background[:material/check_circle: {t('accepted')}]\n{t('accepted_hint')}")


def field_errors(errors: Sequence[core.FieldError]) -> None:
    """Every field problem of a record, with the feature's human label."""
    lines = "\n".join(f"- **{label(e.field, lang())}** (`{e.field}`): {e.problem}" for e in errors)  # type: ignore[arg-type]
    st.error(f"{t('form_invalid', n=len(errors))}\n\n{lines}")


def chart_alt(text: str) -> None:
    """Text alternative of a chart, for screen readers and for a quick read."""
    st.caption(f":material/accessibility_new: {text}")
