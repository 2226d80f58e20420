"""Widgets shared by the pages: sidebar, decision badge, error lists, chart captions."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

import core
from core.serving.validation import INSUFFICIENT
from dashboard import identity, resources
from dashboard.i18n import t
from dashboard.state import LANG, init_state, lang, rekey_form


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
            on_change=rekey_form,  # the scoring form is drawn again with the new language's labels
            persist_state="session",  # kept when the officer goes to another page
        )
    identity.sidebar()
    bundle = resources.bundle()
    with st.sidebar:
        st.caption(t("sidebar_model", name=bundle.name, version=bundle.version))
        if bundle.provenance is not None and bundle.provenance.synthetic:
            st.warning(t("synthetic_banner"), icon=":material/science:")
    st.title(t(title_key))
    return bundle


def safe_dataframe(
    frame: pd.DataFrame, *, style: Callable[[pd.DataFrame], Styler] | None = None, **options: Any
) -> Any:
    """``st.dataframe`` of ``frame`` with every cell a spreadsheet would run as a formula neutralised
    (``'=cmd|…``): Streamlit's toolbar download exports the cells shown, so what is shown is safe
    to download. The only way the pages show a table (a test checks it)."""
    safe = core.neutralise_formulas(frame)
    return st.dataframe(style(safe) if style is not None else safe, **options)


#: plotly's decimal and thousands separators by language (a French axis reads 0,25 and 10 000)
SEPARATORS = {"fr": ",\u202f", "en": ".,"}


def show_chart(fig: Any, *, where: Any = None, **kwargs: Any) -> None:
    """Draw a plotly figure with the interface language's number separators (every page's charts
    go through here: ``st.plotly_chart`` would write 0.25 on a French page)."""
    fig.update_layout(separators=SEPARATORS.get(lang(), SEPARATORS["en"]))
    (where if where is not None else st).plotly_chart(fig, **kwargs)


def decision_word(decision: str | None) -> str:
    """ACCEPTED / REFUSED in the interface language ("—" for none)."""
    return {"ACCEPTED": t("accepted"), "REFUSED": t("refused")}.get(decision or "", "—")


def short_id(decision_id: str) -> str:
    """The short form of a decision id (its first 8 characters), as the pages show it."""
    return decision_id[:8]


def utc(moment: object) -> str:
    """A logged time, to the second, in UTC."""
    text = str(moment)[:19]
    return f"{text} UTC" if text else "—"


def decision_badge(decision: str) -> None:
    """The decision in words and an icon, never by colour alone (blue/orange: colour-blind safe)."""
    if decision == "REFUSED":
        st.markdown(f"### :orange-background[:material/block: {t('refused')}]\n{t('refused_hint')}")
    else:
        st.markdown(f"### :blue-background[:material/check_circle: {t('accepted')}]\n{t('accepted_hint')}")


def problem_text(problem: str) -> str:
    """A validation problem or warning for people, in the interface language."""
    return t("field_required") if problem == INSUFFICIENT else core.problem_text(problem, lang())  # type: ignore[arg-type]


def field_label(name: str, schema: core.FeatureSchema | None = None) -> str:
    """The label of a field or feature in the interface language (never its column name)."""
    if name == "SK_ID_CURR":
        return t("col_client")
    if name.startswith("("):  # "(record)", "(file)": not a field
        return t("whole_record")
    return core.label(name, lang(), schema)  # type: ignore[arg-type]


def field_errors(errors: Sequence[core.FieldError], schema: core.FeatureSchema | None = None) -> None:
    """Every field problem of a record, each naming the field by its label."""
    lines = "\n".join(f"- **{field_label(e.field, schema)}** : {problem_text(e.problem)}" for e in errors)
    if lang() == "en":
        lines = lines.replace("** : ", "**: ")
    st.error(f"{t('form_invalid', n=len(errors))}\n\n{lines}", icon=":material/error:")


def needed_columns(schema: core.FeatureSchema) -> list[str]:
    """Columns a file must have: the required fields (application) or every feature (feature contract)."""
    if schema.contract == "application":
        return [s.name for s in schema.fields if s.required]
    return list(schema.names)


def file_rejected(schema: core.FeatureSchema, frame: pd.DataFrame | None, exc: Exception) -> None:
    """Why a whole file is refused; missing columns by label, with the column name to add to the file."""
    missing = [] if frame is None else [c for c in needed_columns(schema) if c not in frame.columns]
    if not missing:
        st.error(f"{t('batch_file_rejected')} {exc}", icon=":material/error:")
        return
    lines = "\n".join(f"- {field_label(c, schema)} — {t('column_named', col=c)}" for c in missing[:30])
    more = f"\n- … ({len(missing)})" if len(missing) > 30 else ""
    st.error(f"{t('batch_file_missing', n=len(missing))}\n\n{lines}{more}", icon=":material/error:")


def chart_alt(text: str) -> None:
    """Text alternative of a chart, for screen readers and for a quick read."""
    st.caption(f":material/accessibility_new: {text}")
