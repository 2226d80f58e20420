"""Monitoring: population drift (PSI) of the model's features and score, decision rates, latency."""

from __future__ import annotations

import hashlib
import io
from datetime import UTC, datetime, time, timedelta

import pandas as pd
import streamlit as st

import core
import core.monitoring as monitoring
from dashboard import charts, resources
from dashboard.components import chart_alt, field_label, file_rejected, page_setup, safe_dataframe, show_chart
from dashboard.i18n import num, pct, t
from dashboard.state import lang, lang_key

SOURCE_LOG, SOURCE_FILE = "log", "file"
#: below this many rows a PSI says more about chance than about the population
SMALL = 100


# ----------------------------------------------------------------------------- the reports (cached)


@st.cache_data(show_spinner=False, max_entries=8)
def _from_log(version: str, since: datetime, until: datetime, last_seq: int) -> monitoring.DriftReport | str:
    """Drift of the decisions logged in [since, until); a message when there is nothing to compare."""
    frame = resources.store().log.frame(since=since, until=until)
    try:
        return monitoring.drift_report_from_log(resources.service(), frame, source="decision log")
    except ValueError as exc:
        return str(exc)


@st.cache_data(show_spinner=False, max_entries=4)
def _from_file(version: str, digest: str, content: bytes, name: str) -> monitoring.DriftReport | str:
    """Drift of an uploaded CSV of applications (scored by the model, nothing recorded)."""
    frame = core.read_clients_csv(io.BytesIO(content), resources.service().schema)
    batch = resources.service().score_frame(frame)
    if batch.features.empty:
        return t("mon_file_nothing")
    try:
        return monitoring.drift_report(resources.service(), batch.features, source=name)
    except ValueError as exc:
        return str(exc)


def _last_seq() -> int:
    """A key that changes whenever a decision is logged (so that a cached report is never stale)."""
    newest = resources.store().log.table(limit=1)
    return int(newest["seq"].iloc[0]) if len(newest) else 0


# ----------------------------------------------------------------------------- choice of population


def _log_report() -> monitoring.DriftReport | str | None:
    today = datetime.now(UTC).date()
    chosen = st.date_input(
        t("dec_period"), value=(today - timedelta(days=29), today), max_value=today, key="mon_period",
        format="DD/MM/YYYY" if lang() == "fr" else "YYYY-MM-DD", help=t("dec_period_help"),
    )  # fmt: skip
    days = list(chosen) if isinstance(chosen, tuple | list) else [chosen]
    if not days:
        return None
    since = datetime.combine(days[0], time.min, tzinfo=UTC)
    until = datetime.combine(days[-1] + timedelta(days=1), time.min, tzinfo=UTC)
    with st.spinner(t("mon_computing")):
        return _from_log(resources.version_key(), since, until, _last_seq())


def _file_report(bundle: core.Bundle) -> monitoring.DriftReport | str | None:
    upload = st.file_uploader(t("mon_upload"), type=["csv"], help=t("mon_upload_help"))
    if upload is None:
        return None
    content = upload.getvalue()
    try:
        with st.spinner(t("mon_computing")):
            return _from_file(
                resources.version_key(), hashlib.sha256(content).hexdigest(), content, upload.name
            )
    except core.FileValidationError as exc:
        file_rejected(bundle.schema, None, exc)
        return None


# ----------------------------------------------------------------------------- the report


def _band_names() -> dict[str, str]:
    return {"stable": t("band_stable"), "watch": t("band_watch"), "shift": t("band_shift")}


def _kept(bundle: core.Bundle, report: monitoring.DriftReport, application_only: bool) -> pd.DataFrame:
    table = report.table()
    if application_only:
        history = set(bundle.schema.history_features)
        table = table[~table["feature"].isin(history)]
    return table.reset_index(drop=True)


def _band_style(band: str) -> str:
    colour = {"stable": "#E3F4EC", "watch": "#FDF0D5", "shift": "#FBE3D6"}.get(band, "")
    return f"background-color: {colour}" if colour else ""


def _psi_table(bundle: core.Bundle, table: pd.DataFrame) -> None:
    names = _band_names()
    shown = pd.DataFrame(
        {
            t("mon_col_feature"): [field_label(f, bundle.schema) for f in table["feature"]],
            t("mon_col_kind"): table["kind"].map(
                {"numeric": t("mon_kind_numeric"), "categorical": t("mon_kind_categorical")}
            ),
            "PSI": table["psi"],
            t("mon_col_band"): table["band"].map(names),
            t("mon_col_n_current"): table["n_current"],
        }
    )
    bands = table["band"].tolist()
    safe_dataframe(
        shown,
        style=lambda frame: frame.style.apply(
            lambda col: (
                [_band_style(b) for b in bands] if col.name in ("PSI", t("mon_col_band")) else [""] * len(col)
            )
        ).format({"PSI": "{:.3f}"}),
        hide_index=True,
        width="stretch",
        height=380,
    )


def _summary(report: monitoring.DriftReport, table: pd.DataFrame) -> None:
    counts = table["band"].value_counts()
    c1, c2, c3, c4, c5 = st.columns(5)
    c1.metric(t("mon_n_current"), num(report.n_current), help=t("mon_n_reference", n=num(report.n_reference)))
    c2.metric(t("mon_score_psi"), f"{report.score.psi:.3f}", help=_band_names()[report.score.band])
    c3.metric(t("band_stable"), int(counts.get("stable", 0)))
    c4.metric(t("band_watch"), int(counts.get("watch", 0)))
    c5.metric(t("band_shift"), int(counts.get("shift", 0)))
    st.caption(t("mon_bands_note"))


def _show(bundle: core.Bundle, report: monitoring.DriftReport, application_only: bool) -> None:
    table = _kept(bundle, report, application_only)
    _summary(report, table)
    if report.n_current < SMALL:
        st.warning(t("mon_small", n=report.n_current, least=SMALL), icon=":material/warning:")
    left, right = st.columns(2)
    labels = {f: field_label(f, bundle.schema) for f in table["feature"]}
    with left:
        if len(table):
            show_chart(
                charts.psi_bars(table, labels=labels, title=t("mon_top_title"), x_label="PSI", top=15,
                                band_names=_band_names()),
                width="stretch",
            )  # fmt: skip
            top = table.iloc[0]
            chart_alt(t("mon_top_alt", feature=labels[top["feature"]], psi=f"{top['psi']:.3f}",
                        band=_band_names()[top["band"]]))  # fmt: skip
    with right:
        show_chart(
            charts.psi_bins(
                report.score.table(), title=t("mon_score_title"), names=(t("mon_reference"), t("mon_current")),
                y_label=t("mon_share"), x_label=t("probability"), fmt=lambda x: pct(x, 1), missing=t("mon_missing"),
            ),
            width="stretch",
        )  # fmt: skip
        chart_alt(t("mon_score_alt", psi=f"{report.score.psi:.3f}", band=_band_names()[report.score.band]))
    st.markdown(f"#### {t('mon_table_title', n=len(table))}")
    _psi_table(bundle, table)
    if report.daily is not None and len(report.daily):
        st.markdown(f"#### {t('mon_daily_title')}")
        show_chart(
            charts.daily_rates(
                report.daily, title=t("mon_daily_chart"),
                names=(t("dec_count"), t("acceptance_rate"), t("mon_override_rate")),
                rate_label=t("mon_rate"), count_label=t("dec_count"),
            ),
            width="stretch",
        )  # fmt: skip
        daily = report.daily
        chart_alt(t("mon_daily_alt", days=len(daily), n=int(daily["decisions"].sum()),
                    acc=pct(float(daily["accepted"].sum()) / max(1, int(daily["decisions"].sum())))))  # fmt: skip
    if report.latency is not None and len(report.latency):
        st.markdown(f"#### {t('mon_latency_title')}")
        channels = {c: t("channel_" + c) for c in report.latency["channel"]}
        left, right = st.columns([2, 3])
        shown = report.latency.assign(channel=report.latency["channel"].map(channels)).rename(
            columns={
                "channel": t("dec_channel"),
                "count": t("mon_col_events"),
                "p50_ms": t("mon_p50"),
                "p90_ms": "p90 (ms)",
                "p99_ms": "p99 (ms)",
            }  # fmt: skip
        )
        with left:
            safe_dataframe(shown.round(1), hide_index=True, width="stretch")
        show_chart(
            charts.latency_bars(report.latency, title=t("mon_latency_chart"), labels=channels, y_label="ms"),
            where=right,
            width="stretch",
        )
    st.markdown(f"#### {t('mon_download_title')}")
    c1, c2, c3 = st.columns(3)
    stamp = report.created_at[:10]
    c1.download_button("HTML", monitoring.to_html(report), file_name=f"drift-{stamp}.html", mime="text/html",
                       icon=":material/download:", width="stretch", on_click="ignore")  # fmt: skip
    c2.download_button("JSON", monitoring.to_json(report), file_name=f"drift-{stamp}.json",
                       mime="application/json", icon=":material/download:", width="stretch", on_click="ignore")  # fmt: skip
    c3.download_button("CSV", monitoring.to_csv(report), file_name=f"drift-{stamp}.csv", mime="text/csv",
                       icon=":material/download:", width="stretch", on_click="ignore")  # fmt: skip


bundle = page_setup("title_monitoring")
st.caption(t("mon_intro"))
if bundle.reference is None or bundle.reference.empty:
    st.info(t("mon_no_reference"), icon=":material/info:")
    st.stop()
with st.container(border=True):
    source_key = lang_key("mon_source")  # one widget per language: the browser keeps a widget's labels
    source = st.segmented_control(
        t("mon_source"), [SOURCE_LOG, SOURCE_FILE], key=source_key,
        default=None if source_key in st.session_state else SOURCE_LOG,
        format_func=lambda s: t("mon_source_" + s), required=True,
    )  # fmt: skip
    application_only = st.toggle(t("mon_application_only"), key="mon_app_only", help=t("mon_application_only_help"),
                                 disabled=not bundle.schema.history_features)  # fmt: skip
    report = _file_report(bundle) if source == SOURCE_FILE else _log_report()
if isinstance(report, str):
    st.warning(t("mon_nothing", why=report), icon=":material/info:")
elif report is not None:
    _show(bundle, report, application_only)
