"""Score an application: look a client up or type a new one; decision, reasons, SHAP, population."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

import core
from core.serving.messages import Problem
from dashboard import charts, forms, identity, resources, scorecard
from dashboard.components import (
    chart_alt,
    decision_badge,
    decision_word,
    field_errors,
    page_setup,
    problem_text,
    safe_dataframe,
    short_id,
    show_chart,
    utc,
)
from dashboard.i18n import num, pct, t, t_or
from dashboard.state import (
    AMOUNT_FIELDS,
    CLIENT_ID,
    FORM_GENERATION,
    LAST_DECISION,
    LAST_ERRORS,
    LAST_OVERRIDE,
    LAST_RECOURSE,
    LAST_RESULT,
    LOADED_RECORD,
    LOOKUP_ID,
    LOOKUP_MISSING,
    LOOKUP_TEXT,
    OVERRIDE_ERROR,
    OVERRIDE_REASON,
    PREVIOUS_PROBABILITY,
    SUBMIT_PROBLEM,
    form_key,
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
    """Fill the form with ``record`` (None: empty) for ``client_id``, under new widget keys: a
    submission of the values the browser showed before (in flight during the load) is ignored."""
    values = forms.widget_values(layout.fields, record, lang())  # type: ignore[arg-type]
    old = int(st.session_state.get(FORM_GENERATION, 0))
    for k in _keys(layout):
        st.session_state.pop(form_key(k, old), None)
    st.session_state[FORM_GENERATION] = old + 1
    st.session_state.update({form_key(k): v for k, v in values.items()})
    st.session_state[CLIENT_ID] = client_id
    st.session_state[LOADED_RECORD] = record
    st.session_state[LAST_RESULT] = None
    st.session_state[LAST_RECOURSE] = None
    st.session_state[LAST_ERRORS] = None
    st.session_state[PREVIOUS_PROBABILITY] = None
    st.session_state[LAST_DECISION] = None
    st.session_state[LAST_OVERRIDE] = None
    st.session_state[OVERRIDE_ERROR] = None
    st.session_state[SUBMIT_PROBLEM] = None
    st.session_state[LOOKUP_MISSING] = None


def _in_years(errors: list[core.FieldError], layout: forms.FormLayout) -> list[core.FieldError]:
    """The problems of fields typed in years said in years: core states Kaggle's days (-54788.0)."""
    years = {f.name for f in layout.fields if f.kind == "years"}
    out = []
    for e in errors:
        code, params = getattr(e.problem, "code", None), getattr(e.problem, "params", {})
        value = params.get("value")
        if e.field in years and code in ("impossible_age", "impossible") and isinstance(value, int | float):
            lo, hi = (
                params.get("hi"),
                params.get("lo"),
            )  # days count back: the upper day bound is the lower year
            problem = Problem(
                "impossible_years", value=core.days_to_years(float(value)), age=code == "impossible_age",
                lo=None if lo is None else core.days_to_years(float(lo)) + 0.0,
                hi=None if hi is None else core.days_to_years(float(hi)) + 0.0,
            )  # fmt: skip
            e = core.FieldError(e.field, problem, e.value)
        out.append(e)
    return out


def _load_client(service: core.ScoringService, layout: forms.FormLayout) -> None:
    """Feature bundles: a client of the bundle's reference sample, chosen in the box."""
    client_id: Any = st.session_state.get(LOOKUP_ID)
    record = None if client_id is None else service.record_of(int(client_id))
    if record is not None:
        _set_form(layout, record, int(client_id))


def _load_stored(store: core.Store, layout: forms.FormLayout, client_id: int) -> None:
    record = store.clients.application(client_id)  # exact id: an integer, never through a float
    if record is None:
        st.session_state[LOOKUP_MISSING] = str(client_id)
        return
    _set_form(layout, record, client_id)


def _load_typed(store: core.Store, layout: forms.FormLayout) -> None:
    """The Load button: the client whose id is typed, exactly."""
    text = str(st.session_state.get(LOOKUP_TEXT) or "").strip()
    if not text.isdigit():
        st.session_state[LOOKUP_MISSING] = text
        return
    _load_stored(store, layout, int(text))


def _load_chosen(store: core.Store, layout: forms.FormLayout) -> None:
    """A suggestion picked in the list: load it at once."""
    chosen = st.session_state.get(LOOKUP_ID)
    if chosen is None:
        return
    st.session_state[LOOKUP_TEXT] = str(chosen)
    _load_stored(store, layout, int(chosen))


def _new_application(layout: forms.FormLayout) -> None:
    st.session_state[LOOKUP_ID] = None
    st.session_state[LOOKUP_TEXT] = ""
    _set_form(layout, None, None)


def _override(decision_id: str, decision: str) -> None:
    """Record the officer's decision against the model's (a reason is mandatory)."""
    st.session_state[OVERRIDE_ERROR] = None
    reason = str(st.session_state.get(OVERRIDE_REASON) or "").strip()
    actor = identity.actor()
    if actor is None:
        st.session_state[OVERRIDE_ERROR] = t("name_required")
        return
    if not reason:
        st.session_state[OVERRIDE_ERROR] = t("override_reason_required")
        return
    try:
        st.session_state[LAST_OVERRIDE] = resources.store().log.override(
            decision_id, decision=decision, reason=reason, actor=actor, channel="dashboard"
        )
    except (core.DecisionLogError, core.StoreError) as exc:
        st.session_state[OVERRIDE_ERROR] = str(exc)
        return
    st.session_state[OVERRIDE_REASON] = ""


def _submit(service: core.ScoringService, layout: forms.FormLayout) -> None:
    """Read the form, score and record it; keep the result (or every problem) for the rerun that follows."""
    st.session_state[SUBMIT_PROBLEM] = None
    actor = identity.actor()
    if actor is None:
        st.session_state[SUBMIT_PROBLEM] = t("name_required")
        return
    values = {k: st.session_state.get(form_key(k)) for k in _keys(layout)}
    record, bad = forms.read_record(
        layout.fields,
        values,
        client_id=st.session_state.get(CLIENT_ID),
        loaded=st.session_state.get(LOADED_RECORD),
        lang=lang(),  # type: ignore[arg-type]
    )
    errors = [
        core.FieldError(b.field, t("bad_years" if b.kind == "years" else "bad_amount", text=b.text), b.text)
        for b in bad
    ]
    decided = None
    try:
        if errors:  # an unreadable amount: core would only see it missing, so score what is certain
            service.score(record, explain=False)
        else:
            decided = resources.desk().decide(
                record, channel="dashboard", actor=actor, explain=True, top_k=5, recourse=True
            )
    except core.RecordValidationError as exc:  # the desk logged the refused input
        unreadable = {b.field for b in bad}
        errors += [e for e in exc.errors if e.field not in unreadable]
    except (core.StoreError, core.DecisionLogError) as exc:
        st.session_state[SUBMIT_PROBLEM] = t("not_recorded", error=str(exc))
        return
    if errors:
        errors = _in_years(errors, layout)
        order = {f.name: i for i, f in enumerate(layout.fields)}  # listed in the order of the form
        errors.sort(key=lambda e: order.get(e.field, -1))
        st.session_state[LAST_ERRORS] = errors  # the last result stays: the next score is compared to it
        return
    assert decided is not None
    previous = st.session_state.get(LAST_RESULT)
    st.session_state[PREVIOUS_PROBABILITY] = None if previous is None else previous.probability
    st.session_state[LAST_RESULT] = decided.result
    st.session_state[LAST_RECOURSE] = decided.recourse
    st.session_state[LAST_DECISION] = decided.logged
    st.session_state[LAST_OVERRIDE] = None
    st.session_state[OVERRIDE_ERROR] = None
    st.session_state[LAST_ERRORS] = None
    for f in layout.fields:  # amounts typed "450000" are shown back as "450 000"
        if f.kind == "amount" and record.get(f.name) is not None:
            st.session_state[form_key(f.name)] = forms.format_amount(record[f.name], lang())  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- look-up and history


def _lookup(service: core.ScoringService, layout: forms.FormLayout) -> None:
    """Feature bundles: the clients of the bundle's reference sample, in a box."""
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


def _store_lookup(store: core.Store, layout: forms.FormLayout) -> None:
    """Any client of the store: type the id (suggestions follow the digits typed) and load it."""
    with st.container(border=True):
        st.markdown(f"**:material/person_search: {t('lookup_title')}**")
        n = store.clients.count()
        if n == 0:
            st.info(t("lookup_empty_store"), icon=":material/info:")
        typed = "".join(c for c in str(st.session_state.get(LOOKUP_TEXT) or "") if c.isdigit())
        suggestions = store.clients.search(typed, 20) if n else []
        if st.session_state.get(LOOKUP_ID) not in suggestions:
            st.session_state[LOOKUP_ID] = None
        col1, col2, col3, col4 = st.columns([3, 3, 2, 2], vertical_alignment="bottom")
        col1.text_input(
            t("lookup_label"), key=LOOKUP_TEXT, placeholder=t("lookup_text_placeholder"), live=True,
            help=t("lookup_text_help", n=num(n)), validate=(r"^\s*\d*\s*$", t("lookup_digits")),
        )  # fmt: skip
        col2.selectbox(
            t("lookup_suggestions", n=len(suggestions)), suggestions, index=None, key=LOOKUP_ID,
            placeholder=t("lookup_suggestions_placeholder") if suggestions else t("lookup_no_match"),
            on_change=_load_chosen, args=(store, layout), disabled=not suggestions,
            format_func=str,
        )  # fmt: skip
        col3.button(
            t("lookup_button"), on_click=_load_typed, args=(store, layout), width="stretch",
            icon=":material/download:", disabled=not typed, key="lookup_load",
        )  # fmt: skip
        col4.button(
            t("new_application"), on_click=_new_application, args=(layout,), width="stretch",
            icon=":material/restart_alt:", help=t("new_application_help"), key="lookup_new",
        )  # fmt: skip
        missing = st.session_state.get(LOOKUP_MISSING)
        if missing is not None:
            if missing.isdigit():
                st.error(t("lookup_unknown", id=missing), icon=":material/person_off:")
            else:
                st.error(t("lookup_not_digits", text=missing), icon=":material/error:")


def _history(bundle: core.Bundle, service: core.ScoringService, client_id: int | None) -> None:
    """Feature bundles' reference clients: a few figures (the store's clients: see _store_history)."""
    if bundle.schema.contract != "application":
        return
    if client_id is None:
        st.info(t("history_none"), icon=":material/history_toggle_off:")
        return
    _figures(bundle, service.history_summary(client_id), client_id)


def _figures(bundle: core.Bundle, summary: dict[str, Any] | None, client_id: int) -> None:
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


def _euros(x: float) -> str:
    return forms.format_amount(x, lang()) + " €"  # type: ignore[arg-type]


def _short_euros(x: float) -> str:
    """An amount on a bar: thousands (k€) or millions (M€), one decimal at most."""
    if abs(x) >= 1e6:
        return f"{num(x / 1e6, 1)} M€"
    return f"{num(x / 1e3, 0)} k€" if abs(x) >= 1e3 else f"{num(x, 0)} €"


def _year(years_ago: int) -> str:
    return t("year_this") if years_ago == 0 else t("years_ago", n=years_ago)


def _store_history(bundle: core.Bundle, client_id: int | None) -> None:
    """A stored client's credit history: key figures, then previous applications, bureau credits, payments."""
    if client_id is None:
        st.info(t("history_none"), icon=":material/history_toggle_off:")
        return
    history = resources.client_history(client_id)
    with st.container(border=True):
        _figures(bundle, resources.client_summary(client_id), client_id)
        if history.empty and history.payments.empty:
            st.caption(t("history_tables_empty"))
            return
        left, middle, right = st.columns(3)
        with left:
            if history.previous.empty:
                st.caption(t("history_no_previous"))
            else:
                statuses = {
                    s: t_status("prev", s) for s in history.previous["NAME_CONTRACT_STATUS"].dropna().unique()
                }
                show_chart(
                    charts.previous_applications(
                        history.previous, labels=statuses, title=t("chart_previous", n=len(history.previous)),
                        count_label=t("chart_count"), amount_label=t("chart_amount_asked"), fmt=_euros,
                    ),
                    width="stretch", key="chart_previous",
                )  # fmt: skip
                counts = history.previous["NAME_CONTRACT_STATUS"].map(statuses).value_counts()
                chart_alt(t("previous_alt", items=", ".join(f"{k} : {v}" for k, v in counts.items())))
        with middle:
            if history.bureau.empty:
                st.caption(t("history_no_bureau"))
            else:
                statuses = {
                    s: t_status("bureau", s) for s in history.bureau["CREDIT_ACTIVE"].dropna().unique()
                }
                debt = float(
                    pd.to_numeric(history.bureau["AMT_CREDIT_SUM_DEBT"], errors="coerce").clip(lower=0).sum()
                )
                show_chart(
                    charts.bureau_credits(
                        history.bureau, labels=statuses, title=t("chart_bureau", n=len(history.bureau)),
                        amount_label=t("chart_credit_amount"), debt_label=t("chart_debt"), fmt=_short_euros,
                    ),
                    width="stretch", key="chart_bureau",
                )  # fmt: skip
                active = int((history.bureau["CREDIT_ACTIVE"] == "Active").sum())
                chart_alt(t("bureau_alt", active=active, n=len(history.bureau), debt=_euros(debt)))
        with right:
            if history.payments.empty:
                st.caption(t("history_no_payments"))
            else:
                pay = history.payments
                show_chart(
                    charts.payments_per_year(
                        pay, title=t("chart_payments"), year_label=_year,
                        names=(t("chart_instalments"), t("chart_late"), t("chart_short")),
                    ),
                    width="stretch", key="chart_payments",
                )  # fmt: skip
                chart_alt(
                    t("payments_alt", n=int(pay["instalments"].sum()), late=int(pay["late"].sum()),
                      short=int(pay["short"].sum()))
                )  # fmt: skip


def t_status(table: str, code: str) -> str:
    """A Home Credit status code in words (the code itself when the locales do not know it)."""
    return t_or(f"status_{table}_{code.lower().replace(' ', '_')}", code)


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
    key = form_key(f.name)
    common: dict[str, Any] = {"key": key, "help": _help(f), "persist_state": "session"}
    if f.kind == "amount":
        st.text_input(f.label, value=None, placeholder=t("amount_placeholder"), **common)
    elif f.kind == "years":
        st.number_input(
            f.label, value=None, step=0.5, format="%.1f", placeholder=t("years_placeholder"),
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
        problem = st.session_state.get(SUBMIT_PROBLEM)
        if problem:
            st.error(problem, icon=":material/error:")
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
    c1, c2, c4, c3 = st.columns([1, 1, 1, 2])
    c1.metric(t("probability"), pct(result.probability), delta=delta, delta_color="inverse",
              help=t("delta_help") if delta else None)  # fmt: skip
    c2.metric(t("threshold"), pct(result.threshold))
    scorecard.points_metric(c4, result)
    with c3:
        decision_badge(result.decision)
    show_chart(
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
    show_chart(
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
            show_chart(
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


def _recorded(logged: core.DecisionRecord | None) -> None:
    if logged is None:
        return
    who = logged.officer if logged.authenticated else t("officer_unauthenticated", name=logged.officer)
    st.caption(
        f":material/receipt_long: {t('decision_recorded', id=short_id(logged.decision_id), who=who, when=utc(logged.created_at))}",
        help=t("decision_id_help", id=logged.decision_id),
    )


def _override_section(result: core.ScoringResult, logged: core.DecisionRecord | None) -> None:
    """The officer's decision when it differs from the model's: a new log row, with a mandatory reason."""
    if logged is None:
        return
    with st.container(border=True):
        st.markdown(f"#### :material/gavel: {t('override_title')}")
        done = st.session_state.get(LAST_OVERRIDE)
        if done is not None and done.overrides == logged.decision_id:
            who = done.officer if done.authenticated else t("officer_unauthenticated", name=done.officer)
            st.success(
                t("override_done", decision=decision_word(done.decision), model=decision_word(result.decision),
                  who=who, when=utc(done.created_at), id=short_id(done.decision_id)),
                icon=":material/gavel:",
            )  # fmt: skip
            st.markdown(f"{t('override_reason_label')} : *{done.override_reason}*")
            return
        other = "REFUSED" if result.decision == "ACCEPTED" else "ACCEPTED"
        st.caption(t("override_intro"))
        with st.form("override_form", border=False):
            st.markdown(t("override_to", other=decision_word(other), model=decision_word(result.decision)))
            st.text_area(
                t("override_reason_label") + " *", key=OVERRIDE_REASON, placeholder=t("override_reason_placeholder"),
                max_chars=1000, height=90,
            )  # fmt: skip
            error = st.session_state.get(OVERRIDE_ERROR)
            if error:
                st.error(error, icon=":material/error:")
            st.form_submit_button(
                t("override_button", other=decision_word(other)), on_click=_override,
                args=(logged.decision_id, other), icon=":material/gavel:",
            )  # fmt: skip


# ----------------------------------------------------------------------------- recourse and letter


def _recourse_section(bundle: core.Bundle, result: core.ScoringResult, found: core.Recourse | None) -> None:
    """A refused application: the options the search found (or the plain statement that none exists)."""
    if result.decision != "REFUSED":
        return
    with st.container(border=True):
        st.markdown(f"#### :material/alt_route: {t('recourse_title')}")
        if found is None or found.status == "not_applicable":
            st.caption(t("recourse_unavailable"))
            return
        st.caption(t("recourse_intro"))
        if not found.options:
            st.info(core.none_sentence(lang()), icon=":material/block:")
        cols = st.columns(len(found.options)) if found.options else []
        for i, (col, option) in enumerate(zip(cols, found.options, strict=True), start=1):
            with col, st.container(border=True):
                st.markdown(f"**{t('recourse_option', n=i)}**")
                st.markdown(core.option_sentence(option.changes, lang(), bundle.schema))
                safe_dataframe(_changes_table(bundle, option), hide_index=True, width="stretch")
                st.caption(t("recourse_risk", p=pct(option.probability), th=pct(found.threshold)))
        if found.options:
            st.caption(t("recourse_searched", n=num(found.candidates), ms=num(found.elapsed_ms, 0)))


def _changes_table(bundle: core.Bundle, option: core.RecourseOption) -> pd.DataFrame:
    rows = [
        {
            t("recourse_col_field"): core.label(c.field, lang(), bundle.schema),
            t("recourse_col_current"): core.format_value(c.field, c.current, lang(), bundle.schema),
            t("recourse_col_proposed"): core.format_value(c.field, c.proposed, lang(), bundle.schema),
            t("recourse_col_change"): ("+" if c.relative > 0 else "−") + pct(abs(c.relative)),
        }
        for c in option.changes
    ]
    return pd.DataFrame(rows)


def _letter_buttons(bundle: core.Bundle, logged: core.DecisionRecord | None) -> None:
    """The decision letter of the logged decision, in the interface language and the other one."""
    if logged is None:
        return
    store, here = resources.store(), lang()
    other = "en" if here == "fr" else "fr"

    def build(language: str) -> Any:
        def pdf() -> bytes:  # run on the click, in its own thread: the latest override is in it
            record = store.log.get(logged.decision_id)
            return core.letter_for(store.log, record or logged, lang=language, schema=bundle.schema)  # type: ignore[arg-type]

        return pdf

    row = st.container(horizontal=True)
    row.download_button(
        t("letter_download"), data=build(here), file_name=core.letter_filename(logged, here),  # type: ignore[arg-type]
        mime="application/pdf", icon=":material/mail:", help=t("letter_help"), key="letter_here",
        on_click="ignore",
    )  # fmt: skip
    row.download_button(
        t("letter_download_other"), data=build(other), file_name=core.letter_filename(logged, other),  # type: ignore[arg-type]
        mime="application/pdf", icon=":material/translate:", key="letter_other", on_click="ignore",
    )  # fmt: skip


def _result(bundle: core.Bundle, result: core.ScoringResult, layout: forms.FormLayout) -> None:
    logged = st.session_state.get(LAST_DECISION)
    _decision(result)
    _recorded(logged)
    _letter_buttons(bundle, logged)
    scorecard.review_notice(result, logged)
    _notes(bundle, result, layout)
    _reasons(bundle, result)
    _recourse_section(bundle, result, st.session_state.get(LAST_RECOURSE))
    if result.review_status != "to_review":  # a case of the grey zone is decided in its review form
        _override_section(result, logged)
    if result.contributions is not None:
        contributions = _waterfall(bundle, result)
        _population(bundle, contributions)


@st.fragment
def _application(bundle: core.Bundle, service: core.ScoringService, layout: forms.FormLayout) -> None:
    """The form and its result: a submission (or an override) reruns this part of the page only."""
    form_area, result_area = st.container(), st.container()
    if not st.session_state.get(LAST_ERRORS) and st.session_state.get(LAST_RESULT) is not None:
        # written first, shown below the form: the decision reaches the browser before the form's widgets
        with result_area:
            _result(bundle, st.session_state[LAST_RESULT], layout)
    with form_area:
        _form(bundle, service, layout)


bundle = page_setup("title_score")
service = resources.service()
layout = forms.form_layout(bundle.schema, lang())  # type: ignore[arg-type]
st.session_state[AMOUNT_FIELDS] = [f.name for f in layout.fields if f.kind == "amount"]
st.caption(t("score_intro"))
if resources.store_lookup(bundle):
    _store_lookup(resources.store(), layout)
    _store_history(bundle, st.session_state.get(CLIENT_ID))
else:
    _lookup(service, layout)
    _history(bundle, service, st.session_state.get(CLIENT_ID))
_application(bundle, service, layout)
