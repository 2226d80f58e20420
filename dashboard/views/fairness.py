"""Fairness audit: acceptance and error rates by gender, age band or any field, with the four-fifths rule."""

from __future__ import annotations

import hashlib
import io
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pandas as pd
import streamlit as st

import core
from core.monitoring import fairness as audit
from dashboard import fairness_charts, resources
from dashboard.components import chart_alt, page_setup, safe_dataframe, show_chart
from dashboard.i18n import csv_dialect, num, pct, t
from dashboard.state import lang, lang_key

SOURCES = ("validation", "upload", "log")


@st.cache_data(show_spinner=False, max_entries=16)
def _audits(
    key: str, _population: pd.DataFrame, attributes: tuple[str, ...], threshold: float, source: str
) -> list:
    """The audits of a population (``key`` names it: bundle version and source)."""
    return [audit.fairness_audit(_population, a, threshold=threshold, source=source) for a in attributes]


def _validation(bundle: core.Bundle) -> tuple[pd.DataFrame | None, str]:
    try:
        return audit.validation_population(bundle), "validation"
    except ValueError as exc:
        st.info(t("fair_no_validation", why=str(exc)), icon=":material/info:")
        return None, ""


def _upload(bundle: core.Bundle) -> tuple[pd.DataFrame | None, str]:
    upload = st.file_uploader(t("fair_upload"), type=["csv"], help=t("fair_upload_help"))
    if upload is None:
        return None, ""
    content = upload.getvalue()
    try:
        frame = core.read_clients_csv(io.BytesIO(content), resources.service().schema)
    except core.FileValidationError as exc:
        st.error(f"{t('batch_file_rejected')} {exc}", icon=":material/error:")
        return None, ""
    if "TARGET" not in frame.columns:
        st.error(t("fair_no_target"), icon=":material/error:")
        return None, ""
    try:
        batch = resources.service().score_frame(frame)
    except core.FileValidationError as exc:
        st.error(f"{t('batch_file_rejected')} {exc}", icon=":material/error:")
        return None, ""
    if not batch.n_scored:
        st.error(t("batch_nothing"), icon=":material/error:")
        return None, ""
    if batch.errors:
        st.warning(t("fair_rows_left_out", n=len({e.row for e in batch.errors})), icon=":material/warning:")
    return audit.scored_population(frame, batch.results), "upload:" + hashlib.sha256(content).hexdigest()[:16]


def _logged() -> tuple[pd.DataFrame | None, str]:
    today = datetime.now(UTC).date()
    c1, c2 = st.columns([2, 1], vertical_alignment="bottom")
    chosen = c1.date_input(
        t("dec_period"), value=(today - timedelta(days=29), today), max_value=today, key="fair_period",
        format="DD/MM/YYYY" if lang() == "fr" else "YYYY-MM-DD",
    )  # fmt: skip
    final = c2.toggle(t("fair_final"), key="fair_final", help=t("fair_final_help"))
    days = list(chosen) if isinstance(chosen, tuple | list) else [chosen]
    if not days:
        return None, ""
    since = datetime.combine(days[0], time.min, tzinfo=UTC)
    until = datetime.combine(days[-1] + timedelta(days=1), time.min, tzinfo=UTC)
    try:
        frame = audit.logged_population(resources.store().log, since=since, until=until, final=final)
    except ValueError:
        st.info(t("fair_no_decisions"), icon=":material/inbox:")
        return None, ""
    stamp = resources.store().log.count()  # a new decision makes a new audit
    return frame, f"log:{since:%Y%m%d}:{until:%Y%m%d}:{final}:{stamp}"


def _attribute_label(bundle: core.Bundle, name: str) -> str:
    return t("fair_age_band") if name == audit.AGE_BAND else core.label(name, lang(), bundle.schema)  # type: ignore[arg-type]


def _group_label(bundle: core.Bundle, attribute: str, value: str) -> str:
    if attribute == audit.AGE_BAND or value == audit.MISSING:
        return t("fair_missing") if value == audit.MISSING else t("fair_years", band=value)
    return core.category_label(core.field_info(attribute, bundle.schema), value, lang())  # type: ignore[arg-type]


def _interval(table: pd.DataFrame, name: str, ratio: bool = False) -> list[str]:
    write = (lambda x: num(x, 2)) if ratio else (lambda x: pct(x))  # noqa: E731
    return [
        "—" if pd.isna(v) else f"{write(v)} [{write(lo)} – {write(hi)}]"
        for v, lo, hi in zip(table[name], table[f"{name}_low"], table[f"{name}_high"], strict=True)
    ]


def _table(result: Any, groups: list[str]) -> pd.DataFrame:
    tab = result.table
    out = pd.DataFrame({t("fair_col_group"): groups, t("fair_col_count"): tab["count"].astype(int)})
    out[t("acceptance_rate")] = _interval(tab, "acceptance_rate")
    out[t("fair_col_ratio")] = _interval(tab, "approval_ratio", ratio=True)
    if result.labelled:
        out[t("fair_col_default")] = _interval(tab, "default_rate")
        out[t("fair_col_tpr")] = _interval(tab, "tpr")
        out[t("fair_col_fpr")] = _interval(tab, "fpr")
    out[t("fair_col_flag")] = [
        (t("fair_flag_below") if f else t("fair_flag_ok")) + (f" · {t('fair_flag_small')}" if s else "")
        for f, s in zip(tab["flag"], tab["small"], strict=True)
    ]
    return out


def _show(bundle: core.Bundle, result: Any) -> None:
    name = _attribute_label(bundle, result.attribute)
    groups = [_group_label(bundle, result.attribute, g) for g in result.table["group"]]
    with st.container(border=True):
        st.markdown(f"#### :material/groups: {name}")
        c1, c2, c3 = st.columns(3)
        c1.metric(t("fair_min_ratio"), num(result.min_ratio, 2), help=t("fair_min_ratio_help"))
        c2.metric(t("fair_best"), _group_label(bundle, result.attribute, result.best_group))
        c3.metric(t("fair_flagged"), num(len(result.flagged)))
        if result.flagged:
            shown = ", ".join(_group_label(bundle, result.attribute, g) for g in result.flagged)
            st.warning(t("fair_below", groups=shown), icon=":material/warning:")
        else:
            st.success(t("fair_all_above"), icon=":material/check_circle:")
        labelled = result.table.assign(group=groups)
        show_chart(
            fairness_charts.acceptance_by_group(
                labelled, title=t("fair_chart_title", name=name), x_label=t("acceptance_rate"),
                rule_label=t("fair_rule_label"), fmt=pct,
            ),
            width="stretch", key=f"fair_chart_{result.attribute}",
        )  # fmt: skip
        chart_alt(
            t(
                "fair_chart_alt",
                items=", ".join(
                    f"{g} {pct(r)}" for g, r in zip(groups, result.table["acceptance_rate"], strict=True)
                ),
            )
        )
        safe_dataframe(_table(result, groups), hide_index=True, width="stretch")
        st.caption(
            t("fair_table_note" if result.labelled else "fair_table_note_log", level=pct(result.level, 0))
        )


bundle = page_setup("title_fairness")
st.caption(t("fair_intro"))
# labels looked up now, in the page's language; one widget per language (the browser keeps a widget's
# labels: a switch of language would otherwise show the old ones)
source_names = {s: t("fair_source_" + s) for s in SOURCES}
source = st.radio(
    t("fair_source"),
    list(SOURCES),
    key=lang_key("fair_source"),
    horizontal=True,
    format_func=source_names.__getitem__,
)
population, key = (
    _validation(bundle) if source == "validation" else _upload(bundle) if source == "upload" else _logged()
)
if population is not None:
    st.caption(t("fair_population_" + source, n=num(len(population))))
    others = [f for f in audit.categorical_fields(population, bundle.schema) if f != "CODE_GENDER"]
    other_names: dict[str | None, str] = {
        None: t("fair_other_none"),
        **{f: _attribute_label(bundle, f) for f in others},
    }
    choices: list[str | None] = [None, *others]
    extra = st.selectbox(
        t("fair_other"), choices, format_func=other_names.__getitem__, key=lang_key("fair_other")
    )
    present = {"CODE_GENDER": "CODE_GENDER", audit.AGE_BAND: "DAYS_BIRTH"}
    attributes = tuple(
        a for a in ("CODE_GENDER", audit.AGE_BAND, extra) if a is not None and present.get(a, a) in population
    )
    try:
        with st.spinner(t("fair_computing")):
            results = _audits(
                f"{resources.version_key()}|{key}",
                population,
                attributes,
                bundle.threshold,
                t("fair_source_" + source),
            )
    except ValueError as exc:
        st.error(str(exc), icon=":material/error:")
        results = []
    if results:
        st.download_button(
            t("fair_download"), core.to_safe_csv(audit.audit_table(results), dialect=csv_dialect()),
            file_name="fairness_audit.csv", mime="text/csv", icon=":material/download:", help=t("csv_dialect_help"),
        )  # fmt: skip
    for result in results:
        _show(bundle, result)
