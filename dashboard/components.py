"""Widgets shared by the pages: sidebar, decision badge, error lists, chart captions."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

import core
from core.labels import label
from dashboard import resources
from dashboard.i18n import t
from dashboard.state import LANG, init_state, lang

ACCEPTED_COLOR, REFUSED_COLOR = "#0072B2", "#D55E00"  # Okabe-Ito blue / vermillion


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
            st.warning(t("synthetic_banner"), icon="⚠️")
    st.title(t(title_key))
    return bundle


def decision_badge(decision: str) -> None:
    """The decision in words and an icon, never by colour alone."""
    if decision == "REFUSED":
        st.markdown(
            f"<div class='pad-decision' style='border-left:6px solid {REFUSED_COLOR};padding:0.6rem 1rem;"
            f"background:#FBEDE5;border-radius:4px'><span style='font-size:1.6rem'>⛔ <b>{t('refused')}</b></span>"
            f"<br><span>{t('refused_hint')}</span></div>",
            unsafe_allow_html=True,
        )
    else:
        st.markdown(
            f"<div class='pad-decision' style='border-left:6px solid {ACCEPTED_COLOR};padding:0.6rem 1rem;"
            f"background:#E5F1F8;border-radius:4px'><span style='font-size:1.6rem'>✅ <b>{t('accepted')}</b></span>"
            f"<br><span>{t('accepted_hint')}</span></div>",
            unsafe_allow_html=True,
        )


def field_errors(errors: Sequence[core.FieldError]) -> None:
    """Every field problem of a record, with the feature's human label."""
    lines = "\n".join(f"- **{label(e.field, lang())}** (`{e.field}`): {e.problem}" for e in errors)  # type: ignore[arg-type]
    st.error(f"{t('form_invalid', n=len(errors))}\n\n{lines}")


def chart_alt(text: str) -> None:
    """Text alternative of a chart, for screen readers and for a quick read."""
    st.caption(f"♿ {text}")
