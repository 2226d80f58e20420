"""Batch scoring of a CSV of applications: row-level validation report, scores, reasons, the contract's table."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

import core
from dashboard import charts, forms, identity, resources, scorecard
from dashboard.components import (
    chart_alt,
    field_label,
    file_rejected,
    needed_columns,
    page_setup,
    problem_text,
    safe_dataframe,
    show_chart,
)
from dashboard.i18n import csv_dialect, num, pct, t
from dashboard.state import BATCH_AGAIN, BATCH_DONE, BATCH_FILE, BATCH_FORMAT, BATCH_RESULT, lang

CHUNK = 1000
SHOWN_COLUMNS = 20  # ignored columns named on the page


def _labelled_warnings(batch: core.BatchScoring, schema: core.FeatureSchema) -> dict[int, str]:
    by_row: dict[int, list[str]] = {}
    for w in batch.warnings:
        by_row.setdefault(w.row, []).append(f"{field_label(w.field, schema)} : {problem_text(w.problem)}")
    return {row: " | ".join(items) for row, items in by_row.items()}


def _score(bundle: core.Bundle, actor: core.Actor, frame: pd.DataFrame) -> dict[str, Any]:
    """Score and record in chunks (one transaction each, progress bar); the batches, kept for every language."""
    batches: list[core.BatchScoring] = []
    errors = []
    ignored: list[str] = []
    absent: list[str] = []
    recorded = refused = 0
    desk = resources.desk()
    progress = st.progress(0.0, text=t("batch_progress", done=0, total=len(frame)))
    seen = core.DuplicateIds()  # a second row of a client id is warned, across chunks
    for start in range(0, len(frame), CHUNK):
        decided = desk.decide_frame(
            frame.iloc[start : start + CHUNK],
            first_row=start + 1,
            channel="dashboard",
            actor=actor,
            explain=True,
            seen_ids=seen,
        )
        batch = decided.batch
        recorded += sum(i is not None for i in decided.decision_ids)
        refused += decided.logged - len(decided.decision_ids)
        batches.append(batch)
        errors.append(batch.errors_frame())
        ignored, absent = batch.ignored_columns, batch.absent_columns
        done = min(start + CHUNK, len(frame))
        progress.progress(done / max(len(frame), 1), text=t("batch_progress", done=done, total=len(frame)))
    progress.empty()
    report = (
        pd.concat(errors, ignore_index=True)
        if errors
        else pd.DataFrame(columns=["row", "field", "problem", "value"])
    )
    return {
        "batches": batches,
        "errors": report,
        "ignored": ignored,
        "absent": absent,
        "n_rows": len(frame),
        "recorded": recorded,
        "refused_logged": refused,
    }


def _report(schema: core.FeatureSchema, errors: pd.DataFrame) -> pd.DataFrame:
    """The rejected rows for people: the field by its label, the problem in words."""
    return pd.DataFrame(
        {
            t("col_row"): errors["row"].astype(int),
            t("col_field"): [field_label(f, schema) for f in errors["field"]],
            t("col_problem"): [problem_text(p) for p in errors["problem"]],
            t("col_value"): errors["value"].fillna("—"),
        }
    )


def _shown(table: pd.DataFrame, warnings: dict[int, str]) -> pd.DataFrame:
    """The results for people: probability in %, decision and history in words, warnings with labels."""
    shown = table.drop(columns=["threshold", "bundle_version"], errors="ignore").copy()
    shown["SK_ID_CURR"] = [
        t("new_applicant") if i is None or i != i else str(int(i)) for i in shown["SK_ID_CURR"]
    ]
    shown["probability"] = (shown["probability"].astype(float) * 100).round(1)
    shown["decision"] = shown["decision"].map({"ACCEPTED": t("accepted"), "REFUSED": t("refused")})
    shown["history"] = shown["history"].map(
        {"known": t("history_known_word"), "none": t("history_none_word"), "not_applicable": "—"}
    )
    shown["warnings"] = [warnings.get(int(r), "") for r in shown["row"]]
    if not shown["warnings"].astype(bool).any():
        shown = shown.drop(columns=["warnings"])
    if (table["history"] == "not_applicable").all():
        shown = shown.drop(columns=["history"])
    return shown


def _columns() -> dict[str, Any]:
    return {
        "row": st.column_config.NumberColumn(t("col_row"), width="small"),
        "SK_ID_CURR": st.column_config.TextColumn(t("col_client"), width="small"),
        "probability": st.column_config.ProgressColumn(
            t("probability") + " (%)", min_value=0, max_value=100, format="localized"
        ),
        "decision": st.column_config.TextColumn(t("decision"), width="small"),
        "history": st.column_config.TextColumn(t("col_history"), width="small"),
        "warnings": st.column_config.TextColumn(t("col_warnings"), width="medium"),
        "reasons_toward_default": st.column_config.TextColumn(t("toward_default"), width="large"),
        "reasons_toward_repayment": st.column_config.TextColumn(t("toward_repayment"), width="large"),
    }


def _in_language(bundle: core.Bundle, out: dict[str, Any]) -> tuple[pd.DataFrame, dict[int, str]]:
    """The contract's table and the warnings in the interface language (reasons are sentences)."""
    tables, warnings = [], {}
    for batch in out["batches"]:
        tables.append(core.results_table(batch, bundle.schema, bundle_version=bundle.version, lang=lang()))  # type: ignore[arg-type]
        warnings.update(_labelled_warnings(batch, bundle.schema))
    table = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=core.TABLE_COLUMNS)
    return table, warnings


def _show(bundle: core.Bundle, out: dict[str, Any]) -> None:
    table, warnings = _in_language(bundle, out)
    errors = out["errors"]
    n_bad = errors["row"].nunique() if len(errors) else 0
    accepted = float((table["decision"] == "ACCEPTED").mean()) if len(table) else 0.0
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(t("batch_rows"), out["n_rows"])
    c2.metric(t("batch_scored"), len(table))
    c3.metric(t("batch_rejected"), n_bad)
    c4.metric(t("acceptance_rate"), pct(accepted, 0))
    used = {s.name for s in bundle.schema.used_inputs()}
    absent = [c for c in out["absent"] if c in used]
    if absent:
        names = ", ".join(field_label(c, bundle.schema) for c in absent)
        st.warning(t("batch_absent", n=len(absent), fields=names), icon=":material/warning:")
    ignored = out["ignored"]
    if ignored:
        cols = ", ".join(core.clip(c) for c in ignored[:SHOWN_COLUMNS])
        if len(ignored) > SHOWN_COLUMNS:
            st.info(t("batch_ignored_more", n=len(ignored), cols=cols, more=len(ignored) - SHOWN_COLUMNS))
        else:
            st.info(t("batch_ignored", n=len(ignored), cols=cols))
    if len(errors):
        st.error(t("batch_errors", n=n_bad))
        safe_dataframe(_report(bundle.schema, errors), hide_index=True, width="stretch")
    if not len(table):
        st.warning(t("batch_nothing"))
        return
    st.success(
        t("batch_recorded", n=out.get("recorded", 0), bad=out.get("refused_logged", 0)),
        icon=":material/receipt_long:",
    )
    st.markdown(f"#### {t('batch_results')}")
    head, button = st.columns([3, 1], vertical_alignment="center")
    head.caption(t("batch_threshold", th=pct(bundle.threshold)))
    button.download_button(
        t("batch_download"), core.to_safe_csv(table, dialect=csv_dialect()), file_name="scores.csv",
        mime="text/csv", type="primary", icon=":material/download:", width="stretch", help=t("csv_dialect_help"),
    )  # fmt: skip
    proba = table["probability"].to_numpy(dtype=float)
    fig = charts.score_distribution(
        proba, bundle.threshold, title=t("batch_distribution"), x_label=t("probability"),
        names=(t("accepted"), t("refused")),
    )  # fmt: skip
    show_chart(fig, width="stretch")
    chart_alt(
        t(
            "batch_distribution_alt",
            n=len(table),
            acc=pct(accepted, 0),
            th=pct(bundle.threshold),
            median=pct(float(np.median(proba))),
        )
    )
    _review_count(table)
    shown = scorecard.table_columns(_shown(table, warnings))
    if table["review_status"].isna().all():  # no grey zone configured for this bundle
        shown = shown.drop(columns=["review_status"])
    safe_dataframe(
        shown, hide_index=True, width="stretch", column_config={**_columns(), **scorecard.column_config()}
    )


def _review_count(table: pd.DataFrame) -> None:
    """How many scored applications the grey zone sends to a person."""
    n = int((table["review_status"] == "to_review").sum())
    if n:
        st.warning(t("batch_to_review", n=n, share=pct(n / len(table), 0)), icon=":material/rule:")


bundle = page_setup("title_batch")
service = resources.service()
actor = identity.actor()
if bundle.schema.contract == "application":
    n_required = len(needed_columns(bundle.schema))
    st.caption(t("batch_intro_application", r=n_required))
else:
    st.caption(t("batch_intro", n=len(bundle.schema.names)))
st.download_button(
    t("batch_template"), forms.template(service), file_name="template_demandes.csv", mime="text/csv",
    icon=":material/table_view:", help=t("batch_template_help"),
)  # fmt: skip
if actor is None:
    st.warning(t("name_required"), icon=":material/badge:")
upload = st.file_uploader(t("batch_upload"), type=["csv"], disabled=actor is None)
done: dict[str, dict[str, Any]] = st.session_state[BATCH_DONE]
if upload is not None and actor is not None:
    content = upload.getvalue()
    digest = hashlib.sha256(content).hexdigest()
    limit = core.get_settings().MAX_UPLOAD_MB
    if len(content) > limit << 20:
        st.session_state[BATCH_RESULT] = None
        st.error(
            t("batch_too_big", size=f"{len(content) / (1 << 20):.1f}", mb=limit), icon=":material/error:"
        )
    elif digest in done and digest not in (
        st.session_state.get(BATCH_FILE),
        st.session_state.get(BATCH_AGAIN),
    ):
        before = done[digest]  # the same file again: its decisions are in the log already
        st.session_state[BATCH_RESULT] = None
        st.warning(
            t("batch_already", name=before["name"], when=before["when"], n=num(before["recorded"])),
            icon=":material/content_copy:",
        )
        st.button(
            t("batch_again"), on_click=lambda: st.session_state.update({BATCH_AGAIN: digest}),
            icon=":material/replay:",
        )  # fmt: skip
    elif st.session_state.get(BATCH_FILE) != digest:  # a file is scored and recorded once
        frame = None
        try:
            reader = core.open_clients_csv(content, bundle.schema)
            frame = reader.read()
            core.validate_frame(frame.head(0), bundle.schema)  # missing columns reject the whole file
            st.session_state[BATCH_FORMAT] = None if reader.format.plain else reader.format
            result = _score(bundle, actor, frame)
            result |= {"name": upload.name, "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")}
            st.session_state[BATCH_RESULT] = result
            st.session_state[BATCH_FILE] = digest
            st.session_state[BATCH_AGAIN] = None
            done[digest] = {"name": upload.name, "when": result["when"], "recorded": result["recorded"]}
        except (core.StoreError, core.DecisionLogError) as exc:
            st.session_state[BATCH_RESULT] = None
            st.error(t("not_recorded", error=str(exc)), icon=":material/error:")
        except core.FileValidationError as exc:
            st.session_state[BATCH_RESULT] = None
            st.session_state[BATCH_FILE] = None
            file_rejected(bundle.schema, frame, exc)
if st.session_state.get(BATCH_RESULT) is not None:  # kept when the officer comes back to the page
    last = st.session_state[BATCH_RESULT]
    if upload is None:
        st.info(t("batch_last", name=last["name"], when=last["when"]), icon=":material/history:")
    if st.session_state.get(BATCH_FORMAT) is not None:  # what was detected, e.g. a French export
        st.info(st.session_state[BATCH_FORMAT].describe(lang()), icon=":material/table_view:")
    _show(bundle, last)
