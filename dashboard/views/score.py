"""Score an application: look a client up or type a new one; decision, reasons, SHAP, population."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

import core
from dashboard import charts, forms, resources
from dashboard.components import chart_alt, decision_badge, field_errors, page_setup, problem_text
from dashboard.i18n import num, pct, t
from dashboard.state import (
    CLIENT_ID,
    FORM_PREFIX,
    LAST_ERRORS,
    LAST_RESULT,
    LOADED_RECORD,
    LOOKUP_ID,
    PREVIOUS_PROBABILITY,
    lang,
)

SECTION_ICONS = {
    "identity": ":material/person:",
    "income": ":material/work:",
    "loan": ":material/request_quote:",
    "housing": ":material/home:",
    "external": ":material/verified:",
    "documents": ":material/description:",
}
PER_ROW = 3


# ----------------------------------------------------------------------------- state changes (callbacks)


def _keys(layout: forms.FormLayout) -> list[str]:
    keys = []
    for f in layout.fields:
        keys.append(f.name)
        if f.sentinel is not None:
            keys.append(f.name + forms.SENTINEL_SUFFIX)
    return keys


def _set_form(layout: forms.FormLayout, record: dict[str, Any] | None, client_id: int | None) -> None:
    values = forms.widget_values(layout.fields, record, lang())  # type: ignore[arg-type]
    st.session_state.update({FORM_PREFIX + k: v for k, v in values.items()})
    st.session_state[CLIENT_ID] = client_id
    st.session_state[LOADED_RECORD] = record
    st.session_state[LAST_RESULT] = None
    st.session_state[LAST_ERRORS] = None
    st.session_state[PREVIOUS_PROBABILITY] = None


def _load_client(service: core.ScoringService, layout: forms.FormLayout) -> None:
    client_id: Any = st.session_state.get(LOOKUP_ID)
    record = None if client_id is None else service.record_of(int(client_id))
    if record is not None:
        _set_form(layout, record, int(client_id))


def _new_application(layout: forms.FormLayout) -> None:
    st.session_state[LOOKUP_ID] = None
    _set_form(layout, None, None)


def _submit(service: core.ScoringService, layout: forms.FormLayout) -> None:
    """Read the form, score it; keep the result (or every problem) for the rerun that follows."""
    values = {k: st.session_state.get(FORM_PREFIX + k) for k in _keys(layout)}
    record, bad = forms.read_record(
        layout.fields,
        values,
        client_id=st.session_state.get(CLIENT_ID),
        loaded=st.session_state.get(LOADED_RECORD),
        lang=lang(),  # type: ignore[arg-type]
    )
    errors = [core.FieldError(b.field, t("bad_amount", text=b.text), b.text) for b in bad]
    try:
        result = service.score(record, explain=True, top_k=5)
    except core.RecordValidationError as exc:
        unreadable = {b.field for b in bad}
        errors += [e for e in exc.errors if e.field not in unreadable]
        result = None
    if errors:
        order = {f.name: i for i, f in enumerate(layout.fields)}  # listed in the order of the form
        errors.sort(key=lambda e: order.get(e.field, -1))
        st.session_state[LAST_ERRORS] = errors  # the last result stays: the next score is compared to it
        return
    previous = st.session_state.get(LAST_RESULT)
    st.session_state[PREVIOUS_PROBABILITY] = None if previous is None else previous.probability
    st.session_state[LAST_RESULT] = result
    st.session_state[LAST_ERRORS] = None
    for f in layout.fields:  # amounts typed "450000" are shown back as "450 000"
        if f.kind == "amount" and record.get(f.name) is not None:
            st.session_state[FORM_PREFIX + f.name] = forms.format_amount(record[f.name], lang())  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- look-up and history


def _lookup(service: core.ScoringService, layout: forms.FormLayout) -> None:
    ids = service.known_ids()
    with st.container(border=True):
        st.markdown(f"**:material/person_search: {t('lookup_title')}**")
        if not ids:
            st.info(t("lookup_unavailable"), icon=":material/info:")
            st.button(
                t("new_application"), on_click=_new_application, args=(layout,), icon=":material/restart_alt:"
            )
            return
        col1, col2, col3 = st.columns([4, 2, 2], vertical_alignment="bottom")
        col1.selectbox(
            t("lookup_label"), ids, index=None, placeholder=t("lookup_placeholder"), key=LOOKUP_ID,
            help=t("lookup_help", n=len(ids)),
        )  # fmt: skip
        col2.button(
            t("lookup_button"), on_click=_load_client, args=(service, layout), width="stretch",
            icon=":material/download:", disabled=st.session_state.get(LOOKUP_ID) is None,
        )  # fmt: skip
        col3.button(
            t("new_application"), on_click=_new_application, args=(layout,), width="stretch",
            icon=":material/restart_alt:", help=t("new_application_help"),
        )  # fmt: skip


def _history(bundle: core.Bundle, service: core.ScoringService, client_id: int | None) -> None:
    """A looked-up client's credit history, read-only; or what a new application is scored on."""
    if bundle.schema.contract != "application":
        return
    if client_id is None:
        st.info(t("history_none"), icon=":material/history_toggle_off:")
        return
    summary = service.history_summary(client_id)
    with st.container(border=True):
        st.markdown(f"**:material/history: {t('history_title', id=client_id)}**")
        if not summary:
            st.caption(t("history_known_no_summary"))
            return
        st.caption(t("history_caption"))
        items = [(n, v) for n, v in summary.items() if v is not None]  # a figure the file lacks is not a fact
        for start in range(0, len(items), PER_ROW):
            cols = st.columns(PER_ROW)
            for col, (name, value) in zip(cols, items[start : start + PER_ROW], strict=False):
                shown = core.format_value(name, value, lang(), bundle.schema)  # type: ignore[arg-type]
                col.markdown(f"{core.label(name, lang(), bundle.schema)}  \n**{shown}**")  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- the form


def _help(f: forms.FormField) -> str | None:
    lo, hi = f.bounds
    if f.kind not in ("amount", "years", "number") or (lo is None and hi is None):
        return f.help
    if f.kind == "amount":
        write = lambda x: forms.format_amount(x, lang()) + " €"  # type: ignore[arg-type]  # noqa: E731
    else:
        write = lambda x: num(x, 0 if float(x).is_integer() else 2)  # noqa: E731
    if lo is not None and hi is not None:
        bounds = t("range_between", lo=write(lo), hi=write(hi))
    else:
        bounds = t("range_min", lo=write(lo)) if lo is not None else t("range_max", hi=write(hi))
    return f"{f.help or ''}\n\n{t('allowed_range')} : {bounds}".strip()


def _widget(f: forms.FormField, errors: dict[str, str]) -> None:
    key = FORM_PREFIX + f.name
    common: dict[str, Any] = {"key": key, "help": _help(f), "persist_state": "session"}
    if f.kind == "amount":
        st.text_input(f.label, value=None, placeholder=t("amount_placeholder"), **common)
    elif f.kind == "years":
        st.number_input(
            f.label, value=None, min_value=0.0, step=0.5, format="%.1f", placeholder=t("years_placeholder"),
            **common,
        )  # fmt: skip
        if f.sentinel is not None:
            st.checkbox(
                t("not_employed"), key=key + forms.SENTINEL_SUFFIX, persist_state="session",
                help=t("not_employed_help"),
            )  # fmt: skip
    elif f.kind == "number":
        st.number_input(f.label, value=None, step=f.step, format=f.fmt, placeholder=t("not_given"), **common)
    elif f.kind in ("category", "flag"):
        if f.kind == "flag":
            options, names = ["1", "0"], {"1": t("yes"), "0": t("no")}
        else:
            options, names = list(f.options), f.option_labels
        current = st.session_state.get(key)
        if current is not None and current not in options:  # a value the domain does not list: keep it
            options.append(current)
        if f.choices:  # a click selects, a second click clears (not given)
            st.segmented_control(f.label, options, format_func=lambda v: names.get(v, v), **common)
        else:
            st.selectbox(
                f.label, options, index=None, format_func=lambda v: names.get(v, v),
                placeholder=t("not_given"), **common,
            )  # fmt: skip
    else:
        st.text_input(f.label, value=None, placeholder=t("not_given"), **common)
    if f.name in errors:
        st.markdown(f":red[:material/error: {errors[f.name]}]")


def _grid(fields: list[forms.FormField], errors: dict[str, str]) -> None:
    """Fields in rows of three (one per line on a phone, in the same reading order)."""
    for start in range(0, len(fields), PER_ROW):
        row = fields[start : start + PER_ROW]
        spacer = [PER_ROW - len(row)] if len(row) < PER_ROW else []  # one empty column, not two, on a phone
        for col, f in zip(st.columns([1] * len(row) + spacer), row, strict=False):
            with col:
                _widget(f, errors)


def _form(bundle: core.Bundle, service: core.ScoringService, layout: forms.FormLayout) -> None:
    client_id = st.session_state.get(CLIENT_ID)
    errors = st.session_state.get(LAST_ERRORS) or []
    by_field = {e.field: problem_text(e.problem) for e in errors}
    if client_id is not None:
        key = "form_client" if bundle.schema.contract == "application" else "form_client_features"
        st.markdown(t(key, id=client_id))
    else:
        st.markdown(t("form_new"))
    with st.form("score_form", border=False):
        if layout.has_required:
            st.caption(t("required_note"))
        for section, fields in layout.main:
            with st.container(border=True):
                icon = SECTION_ICONS.get(section, ":material/list:")
                st.markdown(f"#### {icon} {t('section_' + section)}")
                _grid(fields, by_field)
        if layout.more:
            n = sum(len(g) for _, g in layout.more)
            with st.expander(t("form_more", n=n), icon=":material/add_circle:"):
                st.caption(t("form_more_hint"))
                for section, fields in layout.more:
                    st.markdown(f"**{t('section_' + section)}**")
                    _grid(fields, by_field)
        if errors:
            field_errors(errors, bundle.schema)
        st.form_submit_button(
            t("score_button"), type="primary", width="stretch", icon=":material/calculate:",
            on_click=_submit, args=(service, layout),
        )  # fmt: skip


# ----------------------------------------------------------------------------- the result


def _labels(bundle: core.Bundle, names: list[str]) -> dict[str, str]:
    return {n: core.label(n, lang(), bundle.schema) for n in names}  # type: ignore[arg-type]


def _decision(result: core.ScoringResult) -> None:
    st.subheader(t("result_title"))
    previous = st.session_state.get(PREVIOUS_PROBABILITY)
    delta = None
    if previous is not None:
        points = 100 * (result.probability - previous)
        delta = t("delta_points", d=("+" if points >= 0 else "−") + num(abs(points), 1))
    c1, c2, c3 = st.columns([1, 1, 2])
    c1.metric(t("probability"), pct(result.probability), delta=delta, delta_color="inverse",
              help=t("delta_help") if delta else None)  # fmt: skip
    c2.metric(t("threshold"), pct(result.threshold))
    with c3:
        decision_badge(result.decision)
    st.plotly_chart(
        charts.risk_gauge(
            result.probability,
            result.threshold,
            title=t("gauge_title"),
            threshold_label=t("threshold"),
            fmt=pct,
        ),
        width="stretch",
    )
    chart_alt(
        t(
            "gauge_alt",
            p=pct(result.probability),
            th=pct(result.threshold),
            d=t("refused" if result.decision == "REFUSED" else "accepted"),
        )
    )


def _notes(bundle: core.Bundle, result: core.ScoringResult, layout: forms.FormLayout) -> None:
    if result.history == "none":
        st.info(t("history_none_result"), icon=":material/history_toggle_off:")
    elif result.history == "known":
        st.success(t("history_known_result"), icon=":material/history:")
    for w in result.warnings:
        st.warning(
            f"**{core.label(w.field, lang(), bundle.schema)}** : {problem_text(w.message)}",
            icon=":material/warning:",
        )  # type: ignore[arg-type]
    shown = {f.name for f in layout.fields}
    missing = [n for n in result.missing_fields if n in shown]
    if missing:
        with st.expander(t("missing_title", n=len(missing)), icon=":material/help:"):
            st.markdown(", ".join(core.label(n, lang(), bundle.schema) for n in missing))  # type: ignore[arg-type]


def _reasons(bundle: core.Bundle, result: core.ScoringResult) -> None:
    left, right = st.columns(2)
    for col, title, icon, reasons in (
        (left, t("toward_default"), ":material/trending_up:", result.toward_default),
        (right, t("toward_repayment"), ":material/trending_down:", result.toward_repayment),
    ):
        with col:
            st.markdown(f"#### {icon} {title}")
            if not reasons:
                st.caption(t("no_reason"))
            for r in reasons:
                st.markdown(f"- {core.reason_sentence(r, lang(), bundle.schema)}")  # type: ignore[arg-type]


def _waterfall(bundle: core.Bundle, result: core.ScoringResult) -> pd.DataFrame:
    contributions = result.contributions
    assert contributions is not None and result.base_value is not None
    if result.history == "none" and bundle.schema.history_features:
        # as in the reasons: an unknown history is one fact, one bar (its features' SHAP values summed)
        contributions = charts.group_rows(
            contributions, bundle.schema.history_features, into=charts.NO_HISTORY
        )
    labels = _labels(bundle, contributions["feature"].tolist())
    st.plotly_chart(
        charts.waterfall(
            contributions, result.base_value, labels=labels, top=10, title=t("waterfall_title"),
            others_label=t("others"), base_label=t("base_value"), total_label=t("client_score"),
            fmt=lambda x: num(x, 2), x_label=t("shap_value"),
        ),
        width="stretch",
    )  # fmt: skip
    chart_alt(t("waterfall_alt", base=num(result.base_value, 2), raw=num(result.raw_score or 0.0, 2)))
    return contributions


def _readable(info: core.FieldInfo | None, values: pd.Series, value: Any) -> tuple[pd.Series, Any]:
    """Population values and the client's as the form shows them: years for days, categories in words."""
    if core.in_years(info):
        sentinel = info.sentinel if info is not None else None
        years = values.where(values != sentinel).map(forms.to_years, na_action="ignore").astype(float)
        return years, None if value is None or value == sentinel else forms.to_years(value)
    if isinstance(value, str) or values.dtype == object:
        words = values.map(lambda v: core.category_label(info, str(v), lang()), na_action="ignore")  # type: ignore[arg-type]
        return words, None if value is None else core.category_label(info, str(value), lang())  # type: ignore[arg-type]
    return values, value


def _population(bundle: core.Bundle, contributions: pd.DataFrame) -> None:
    ref = bundle.reference
    if ref is None:
        return
    # the features that weigh most and that the application gives (a missing value has no place to show)
    top = [r for r in contributions.itertuples() if r.feature in ref.columns and r.value is not None][:3]
    if not top:
        return
    st.markdown(f"#### {t('population_title')}")
    for col, row in zip(st.columns(3), top, strict=False):
        values, value = _readable(core.field_info(row.feature, bundle.schema), ref[row.feature], row.value)
        with col:
            st.plotly_chart(
                charts.population(
                    values, value, title=core.label(row.feature, lang(), bundle.schema),  # type: ignore[arg-type]
                    client_label=t("this_client"),
                ),
                width="stretch",
            )  # fmt: skip
            rank = (
                "—" if row.percentile is None or row.percentile != row.percentile else f"{row.percentile:.0f}"
            )
            shown = core.format_value(row.feature, row.value, lang(), bundle.schema)  # type: ignore[arg-type]
            chart_alt(t("population_alt", value=shown, pct=rank))


def _result(bundle: core.Bundle, result: core.ScoringResult, layout: forms.FormLayout) -> None:
    _decision(result)
    _notes(bundle, result, layout)
    _reasons(bundle, result)
    if result.contributions is not None:
        contributions = _waterfall(bundle, result)
        _population(bundle, contributions)


bundle = page_setup("title_score")
service = resources.service()
layout = forms.form_layout(bundle.schema, lang())  # type: ignore[arg-type]
st.caption(t("score_intro"))
_lookup(service, layout)
_history(bundle, service, st.session_state.get(CLIENT_ID))
_form(bundle, service, layout)
if not st.session_state.get(LAST_ERRORS) and st.session_state.get(LAST_RESULT) is not None:
    _result(bundle, st.session_state[LAST_RESULT], layout)
