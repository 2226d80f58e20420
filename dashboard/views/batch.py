"""Batch scoring of a CSV: row-level validation report, scores, reasons, charts, safe download."""

from __future__ import annotations

import hashlib
import io

import numpy as np
import pandas as pd
import streamlit as st

import core
from dashboard import charts, forms, resources
from dashboard.components import chart_alt, page_setup
from dashboard.i18n import pct, t
from dashboard.state import BATCH_FILE, BATCH_RESULT, lang

CHUNK = 1000


def _template(bundle: core.Bundle) -> bytes:
    row = {"SK_ID_CURR": 100001, **forms.default_values(bundle.schema)}
    return core.to_safe_csv(pd.DataFrame([row]))


def _score(bundle: core.Bundle, frame: pd.DataFrame) -> dict:
    """Score in chunks (progress bar); keep results, errors and reasons."""
    explainer = resources.explainer()
    parts, errors, warnings, ignored = [], [], [], []
    progress = st.progress(0.0, text=t("batch_progress", done=0, total=len(frame)))
    for start in range(0, len(frame), CHUNK):
        chunk = frame.iloc[start : start + CHUNK]
        batch = core.score_table(bundle, chunk, first_row=start + 1)
        reasons = explainer.reasons_for_frame(batch.features, top_k=3)
        res = batch.results.drop(columns=["model_version"]).copy()
        res["top_reasons_default"] = [" | ".join(r.text(lang()) for r in up) for up, _ in reasons]
        res["top_reasons_repayment"] = [" | ".join(r.text(lang()) for r in down) for _, down in reasons]
        parts.append(res)
        errors.append(batch.errors_frame())
        warnings += batch.warnings
        ignored = batch.ignored_columns
        done = min(start + CHUNK, len(frame))
        progress.progress(done / len(frame), text=t("batch_progress", done=done, total=len(frame)))
    progress.empty()
    return {
        "results": pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(),
        "errors": pd.concat(errors, ignore_index=True)
        if errors
        else pd.DataFrame(columns=["row", "field", "problem", "value"]),
        "n_warnings": len(warnings),
        "ignored": ignored,
        "n_rows": len(frame),
    }


def _show(bundle: core.Bundle, out: dict) -> None:
    results, errors = out["results"], out["errors"]
    n_bad = errors["row"].nunique() if len(errors) else 0
    accepted = float((results["decision"] == "ACCEPTED").mean()) if len(results) else 0.0
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(t("batch_rows"), out["n_rows"])
    c2.metric(t("batch_scored"), len(results))
    c3.metric(t("batch_rejected"), n_bad)
    c4.metric(t("acceptance_rate"), pct(accepted, 0))
    if out["ignored"]:
        st.info(t("batch_ignored", cols=", ".join(out["ignored"])))
    if len(errors):
        st.error(t("batch_errors", n=n_bad))
        st.dataframe(
            errors.rename(
                columns={
                    "row": t("col_row"),
                    "field": t("col_field"),
                    "problem": t("col_problem"),
                    "value": t("col_value"),
                }
            ),
            hide_index=True,
            width="stretch",
        )
    if not len(results):
        st.warning(t("batch_nothing"))
        return
    st.markdown(f"#### {t('batch_results')}")
    head, button = st.columns([3, 1], vertical_alignment="center")
    head.caption(t("batch_threshold", th=pct(bundle.threshold)))
    button.download_button(
        t("batch_download"),
        core.to_safe_csv(results),
        file_name="scores.csv",
        mime="text/csv",
        type="primary",
        icon=":material/download:",
        width="stretch",
    )
    fig = charts.score_distribution(
        results["probability"].to_numpy(),
        bundle.threshold,
        title=t("batch_distribution"),
        x_label=t("probability"),
        names=(t("accepted"), t("refused")),
    )
    st.plotly_chart(fig, width="stretch")
    chart_alt(
        t(
            "batch_distribution_alt",
            n=len(results),
            acc=pct(accepted, 0),
            th=pct(bundle.threshold),
            median=pct(float(np.median(results["probability"]))),
        )
    )
    st.dataframe(_shown(results), hide_index=True, width="stretch", column_config=_columns())


def _shown(results: pd.DataFrame) -> pd.DataFrame:
    """The results for people: probability in %, decision in words (the CSV keeps the codes)."""
    shown = results.drop(columns=["threshold"], errors="ignore").copy()
    shown["probability"] = (shown["probability"] * 100).round(1)
    shown["decision"] = shown["decision"].map({"ACCEPTED": t("accepted"), "REFUSED": t("refused")})
    return shown


def _columns() -> dict:
    return {
        "row": st.column_config.NumberColumn(t("col_row"), width="small"),
        "SK_ID_CURR": st.column_config.NumberColumn(t("col_client"), format="%d", width="small"),
        "probability": st.column_config.ProgressColumn(
            t("probability") + " (%)", min_value=0, max_value=100, format="%.1f"
        ),
        "decision": st.column_config.TextColumn(t("decision"), width="small"),
        "top_reasons_default": st.column_config.TextColumn(t("toward_default"), width="large"),
        "top_reasons_repayment": st.column_config.TextColumn(t("toward_repayment"), width="large"),
    }


bundle = page_setup("title_batch")
st.caption(t("batch_intro", n=len(bundle.schema.names)))
st.download_button(t("batch_template"), _template(bundle), file_name="template_clients.csv", mime="text/csv")
upload = st.file_uploader(t("batch_upload"), type=["csv"])
if upload is not None:
    content = upload.getvalue()
    digest = hashlib.sha256(content).hexdigest()
    if st.session_state.get(BATCH_FILE) != digest:
        try:
            frame = core.read_clients_csv(io.BytesIO(content))
            core.validate_frame(frame.head(0), bundle.schema)  # missing columns reject the whole file
            st.session_state[BATCH_RESULT] = _score(bundle, frame)
            st.session_state[BATCH_FILE] = digest
        except core.FileValidationError as exc:
            st.session_state[BATCH_RESULT] = None
            st.session_state[BATCH_FILE] = None
            st.error(f"{t('batch_file_rejected')} {exc}")
    if st.session_state.get(BATCH_RESULT) is not None:
        _show(bundle, st.session_state[BATCH_RESULT])
