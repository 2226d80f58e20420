"""Score a client: look one up or fill the form; probability, decision, reasons, SHAP, population."""

from __future__ import annotations

from typing import Any

import streamlit as st

import core
from core.serving.presentation import format_value, label
from dashboard import charts, forms, resources
from dashboard.components import chart_alt, decision_badge, field_errors, page_setup
from dashboard.i18n import pct, t
from dashboard.state import FORM_PREFIX, LAST_ERRORS, LAST_EXPLANATION, LOOKUP_ID, lang

PREFILL = "form_prefill"


def _fill(bundle: core.Bundle, values: dict[str, Any], client_id: int | None) -> None:
    """Put ``values`` in the form's widgets (the browser shows them) and forget the last result."""
    fields = [forms.field_spec(s, lang()) for s in bundle.schema.features]
    st.session_state.update(forms.widget_state(fields, values, FORM_PREFIX))
    st.session_state[PREFILL] = {"client_id": client_id, "values": values}
    st.session_state[LAST_EXPLANATION] = None
    st.session_state[LAST_ERRORS] = None


def _load_client(bundle: core.Bundle) -> None:
    client_id = st.session_state.get(LOOKUP_ID)
    if bundle.reference is None or client_id is None:
        return
    values = forms.client_values(bundle.reference, int(client_id), bundle.schema)
    if values is not None:
        _fill(bundle, values, int(client_id))


def _new_application(bundle: core.Bundle) -> None:
    st.session_state[LOOKUP_ID] = None
    _fill(bundle, forms.default_values(bundle.schema), None)


def _lookup(bundle: core.Bundle) -> None:
    if bundle.reference is None:
        st.info(t("lookup_unavailable"), icon=":material/info:")
        st.button(
            t("new_application"), on_click=_new_application, args=(bundle,), icon=":material/restart_alt:"
        )
        return
    ids = bundle.reference["SK_ID_CURR"].astype(int).tolist()
    col1, col2, col3 = st.columns([4, 2, 2], vertical_alignment="bottom")
    col1.selectbox(t("lookup_label"), ids, index=None, placeholder=t("lookup_placeholder"), key=LOOKUP_ID)
    col2.button(
        t("lookup_button"), on_click=_load_client, args=(bundle,), width="stretch", icon=":material/download:"
    )
    col3.button(
        t("new_application"),
        on_click=_new_application,
        args=(bundle,),
        width="stretch",
        icon=":material/restart_alt:",
        help=t("new_application_help"),
    )


def _widget(field: forms.FieldSpec) -> None:
    key = FORM_PREFIX + field.name
    help_text = field.help
    if field.kind in ("numeric", "years") and (field.min_value is not None or field.max_value is not None):
        lo = "−∞" if field.min_value is None else f"{field.min_value:g}"
        hi = "+∞" if field.max_value is None else f"{field.max_value:g}"
        help_text = f"{help_text or ''}\n\n{t('allowed_range')}: [{lo}, {hi}]".strip()
    if field.kind == "categorical":
        options = [forms.MISSING, *field.options]
        if st.session_state.get(key) not in options:  # legacy bundles know no categories
            options.append(st.session_state[key])
        names = {forms.MISSING: t("missing")}
        st.selectbox(field.label, options, format_func=lambda o: names.get(o, o), key=key, help=help_text)
    elif field.kind == "boolean":
        names = {forms.MISSING: t("missing"), "1": t("yes"), "0": t("no")}
        st.selectbox(field.label, list(names), format_func=names.get, key=key, help=help_text)
    else:
        st.number_input(
            field.label, value=None, format=field.fmt, key=key, help=help_text, placeholder=t("missing")
        )


def _fields_grid(fields: list[forms.FieldSpec]) -> None:
    cols = st.columns(3)
    for i, field in enumerate(fields):
        with cols[i % 3]:
            _widget(field)


def _form(bundle: core.Bundle) -> dict[str, Any] | None:
    prefill = st.session_state.get(PREFILL) or {
        "client_id": None,
        "values": forms.default_values(bundle.schema),
    }
    top, rest = forms.split_fields(bundle.schema)
    fields = {s.name: forms.field_spec(s, lang()) for s in bundle.schema.features}
    for key, value in forms.widget_state(list(fields.values()), prefill["values"], FORM_PREFIX).items():
        st.session_state.setdefault(key, value)  # first visit, or back from another page
    with st.form("score_form", border=True):
        if prefill["client_id"]:
            st.markdown(t("form_client", id=prefill["client_id"]))
        elif bundle.reference is None:
            st.markdown(t("form_new_no_reference"))
        else:
            st.markdown(t("form_new"))
        st.markdown(f"**{t('form_main', n=len(top))}**")
        _fields_grid([fields[s.name] for s in top])
        if rest:
            with st.expander(t("form_more", n=len(rest))):
                st.caption(t("form_more_hint"))
                _fields_grid([fields[s.name] for s in rest])
        submitted = st.form_submit_button(
            t("score_button"), type="primary", width="stretch", icon=":material/calculate:"
        )
    if not submitted:
        return None
    values = {name: st.session_state.get(FORM_PREFIX + name) for name in fields}
    return forms.to_record(list(fields.values()), values, prefill["client_id"])


def _result(bundle: core.Bundle, explanation: core.LocalExplanation) -> None:
    score = explanation.score
    st.subheader(t("result_title"))
    c1, c2, c3 = st.columns([1, 1, 2])
    c1.metric(t("probability"), pct(score.probability))
    c2.metric(t("threshold"), pct(score.threshold))
    with c3:
        decision_badge(score.decision)
    st.plotly_chart(
        charts.risk_gauge(
            score.probability,
            score.threshold,
            title=t("gauge_title"),
            threshold_label=t("threshold"),
            fmt=pct,
        ),
        width="stretch",
    )
    chart_alt(
        t(
            "gauge_alt",
            p=pct(score.probability),
            th=pct(score.threshold),
            d=t("refused" if score.decision == "REFUSED" else "accepted"),
        )
    )
    for w in score.warnings:
        st.warning(f"**{label(w.field, lang())}**: {w.message}", icon=":material/warning:")  # type: ignore[arg-type]
    left, right = st.columns(2)
    with left:
        st.markdown(f"#### :material/trending_up: {t('toward_default')}")
        for r in explanation.toward_default:
            st.markdown(f"- {r.text(lang())}")
    with right:
        st.markdown(f"#### :material/trending_down: {t('toward_repayment')}")
        for r in explanation.toward_repayment:
            st.markdown(f"- {r.text(lang())}")
    labels = {n: label(n, lang()) for n in bundle.schema.names}  # type: ignore[arg-type]
    fig = charts.waterfall(
        explanation.contributions,
        explanation.base_value,
        labels=labels,
        top=10,
        title=t("waterfall_title"),
        others_label=t("others"),
        base_label=t("base_value"),
        total_label=t("client_score"),
    )
    st.plotly_chart(fig, width="stretch")
    chart_alt(
        t("waterfall_alt", base=f"{explanation.base_value:.2f}", raw=f"{explanation.raw_prediction:.2f}")
    )
    if bundle.reference is not None:
        st.markdown(f"#### {t('population_title')}")
        top = explanation.contributions.head(3)
        for col, row in zip(st.columns(3), top.itertuples(), strict=False):
            with col:
                values = bundle.reference[row.feature]
                st.plotly_chart(
                    charts.population(
                        values, row.value, title=labels[row.feature], client_label=t("this_client")
                    ),
                    width="stretch",
                )
                rank = (
                    "—"
                    if row.percentile is None or row.percentile != row.percentile
                    else f"{row.percentile:.0f}"
                )
                chart_alt(t("population_alt", value=format_value(row.feature, row.value, lang()), pct=rank))  # type: ignore[arg-type]


bundle = page_setup("title_score")
st.caption(t("score_intro"))
with st.container(border=True):
    st.markdown(f"**{t('lookup_title')}**")
    _lookup(bundle)
record = _form(bundle)
if record is not None:
    try:
        st.session_state[LAST_EXPLANATION] = resources.explainer().explain_record(record)
        st.session_state[LAST_ERRORS] = None
    except core.RecordValidationError as exc:
        st.session_state[LAST_EXPLANATION] = None
        st.session_state[LAST_ERRORS] = exc.errors
if st.session_state.get(LAST_ERRORS):
    field_errors(st.session_state[LAST_ERRORS])
elif st.session_state.get(LAST_EXPLANATION) is not None:
    _result(bundle, st.session_state[LAST_EXPLANATION])
