"""The decision log: filter the decisions, overrides and refused inputs; one decision in detail; CSV export."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pandas as pd
import streamlit as st

import core
from dashboard import identity, resources
from dashboard.components import (
    decision_word,
    field_label,
    page_setup,
    problem_text,
    safe_dataframe,
    short_id,
    utc,
)
from dashboard.i18n import csv_dialect, num, pct, t
from dashboard.state import DETAIL_ID, SHOWN_IDS, lang, lang_key

#: rows read and drawn in the table (the newest); the counts and the export cover every matching row
MAX_SHOWN = 5000
TABLE_KEY = "decisions_table"
ALL = "__all__"


# ----------------------------------------------------------------------------- filters


def _period() -> tuple[datetime | None, datetime | None]:
    today = datetime.now(UTC).date()
    chosen = st.date_input(
        t("dec_period"), value=(today - timedelta(days=29), today), max_value=today, key="dec_period", persist_state="session",
        help=t("dec_period_help"), format="DD/MM/YYYY" if lang() == "fr" else "YYYY-MM-DD",
    )  # fmt: skip
    days = list(chosen) if isinstance(chosen, tuple | list) else [chosen]
    if not days:
        return None, None
    start: date = days[0]
    end: date = days[-1]
    since = datetime.combine(start, time.min, tzinfo=UTC)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=UTC)  # the last day included
    return since, until


def _choice(label: str, options: list[Any], names: dict[Any, str], key: str) -> Any:
    words = {ALL: t("dec_all"), **names}  # looked up now, in the page's language
    value = st.selectbox(
        label, [ALL, *options], format_func=words.__getitem__, key=lang_key(key), persist_state="session"
    )  # kept when the officer comes back to the page
    return None if value == ALL else value


def _filters(actor: core.Actor | None) -> dict[str, Any] | None:
    """The filters of the table; None when a filter is unreadable (the message is shown)."""
    with st.container(border=True):
        c1, c2, c3, c4, c5 = st.columns([3, 2, 2, 2, 2], vertical_alignment="bottom")
        with c1:
            since, until = _period()
        typed = c2.text_input(
            t("dec_client"),
            key="dec_client",
            placeholder=t("dec_client_placeholder"),
            persist_state="session",
        ).strip()
        with c3:
            decision = _choice(
                t("decision"),
                ["ACCEPTED", "REFUSED"],
                {"ACCEPTED": t("accepted"), "REFUSED": t("refused")},
                "dec_decision",
            )
        with c4:
            overridden = _choice(
                t("dec_overridden"), [True, False], {True: t("yes"), False: t("no")}, "dec_overridden"
            )
        with c5:
            channel = _choice(
                t("dec_channel"), list(core.store.decisions.CHANNELS), _channels(), "dec_channel"
            )
    if typed and not typed.isdigit():
        st.error(t("lookup_not_digits", text=typed), icon=":material/error:")
        return None
    filters: dict[str, Any] = {
        "since": since, "until": until, "client_id": int(typed) if typed else None, "decision": decision,
        "overridden": overridden, "channel": channel,
    }  # fmt: skip
    if actor is not None and actor.role not in core.READ_ALL:
        filters["officer"] = actor.name  # an officer sees their own decisions only
    return filters


def _channels() -> dict[str, str]:
    return {c: t("channel_" + c) for c in core.store.decisions.CHANNELS}


def _kinds() -> dict[str, str]:
    return {
        "decision": t("kind_decision"),
        "override": t("kind_override"),
        "refused_input": t("kind_refused_input"),
        "review_open": t("kind_review_open"),
        "review": t("kind_review"),
    }


# ----------------------------------------------------------------------------- table


def _counts(counts: dict[str, int]) -> None:
    decided = counts["decisions"]
    accepted = counts["accepted"] / decided if decided else None
    final = counts["final_accepted"] / decided if decided else None
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(t("dec_count"), num(decided))
    changed = final is not None and final != accepted  # officers' overrides moved the rate: said, not hidden
    c2.metric(t("acceptance_rate"), "—" if accepted is None else pct(accepted),
              delta=t("dec_acceptance_final", final=pct(final)) if changed and final is not None else None,
              delta_color="off", delta_arrow="off",
              help=t("dec_acceptance_help", final="—" if final is None else pct(final)))  # fmt: skip
    c3.metric(t("dec_overrides"), num(counts["overrides"]),
              help=t("dec_overrides_help", rate="—" if not decided else pct(counts["overridden"] / decided)))  # fmt: skip
    c4.metric(t("dec_refused_inputs"), num(counts["refused_inputs"]))


def _shown(table: pd.DataFrame) -> pd.DataFrame:
    """The rows for people (vectorised: no per-row widget): words for codes, % for probabilities."""
    words = {"ACCEPTED": t("accepted"), "REFUSED": t("refused")}
    return pd.DataFrame(
        {
            "created_at": pd.to_datetime(table["created_at"]),
            "id": table["decision_id"].str[:8],
            "kind": table["kind"].map(_kinds()),
            "client": table["client_id"].astype("string").fillna(t("new_applicant")),
            "probability": (table["probability"] * 100).round(1),
            "points": _points(table["probability"]),
            "decision": table["model_decision"].map(words),  # an override row: the decision it overrode
            "final": table["final_decision"].map(words),
            "overridden": table["overridden"],
            "channel": table["channel"].map(_channels()),
            "officer": table["officer"],
            "authenticated": table["authenticated"].astype(bool),
            "latency": table["latency_ms"].round(0),
            "reason": table["override_reason"],
        }
    )


def _points(probability: pd.Series) -> pd.Series:
    """The points of each logged probability on the current scale (none where no probability is logged)."""
    known = probability.notna().to_numpy()
    out = pd.Series(pd.NA, index=probability.index, dtype="Int64")
    if known.any():
        out[known] = resources.service().points.points(probability.to_numpy()[known])
    return out


def _columns() -> dict[str, Any]:
    cc = st.column_config
    return {
        "created_at": cc.DatetimeColumn(t("dec_col_time"), format="YYYY-MM-DD HH:mm:ss", width="medium"),
        "id": cc.TextColumn(t("dec_col_id"), width="small"),
        "kind": cc.TextColumn(t("dec_col_kind")),
        "client": cc.TextColumn(t("col_client"), width="small"),
        "probability": cc.NumberColumn(t("probability") + " (%)", format="localized", width="small"),
        "points": cc.NumberColumn(t("points_score"), format="%d", width="small", help=t("dec_points_help")),
        "decision": cc.TextColumn(t("dec_col_model"), width="small"),
        "final": cc.TextColumn(t("dec_col_final"), width="small"),
        "overridden": cc.CheckboxColumn(t("dec_overridden"), width="small"),
        "channel": cc.TextColumn(t("dec_channel")),
        "officer": cc.TextColumn(t("dec_col_officer")),
        "authenticated": cc.CheckboxColumn(t("dec_col_authenticated"), help=t("dec_col_authenticated_help")),
        "latency": cc.NumberColumn(t("dec_col_latency"), format="localized", width="small"),
        "reason": cc.TextColumn(t("dec_col_reason"), width="medium"),
    }


def _select_row() -> None:
    """A row clicked in the table becomes the decision shown in detail."""
    rows = st.session_state[TABLE_KEY].selection.rows
    ids = st.session_state.get(SHOWN_IDS) or []
    if rows and rows[0] < len(ids):
        st.session_state[DETAIL_ID] = ids[rows[0]]


def _table(shown: pd.DataFrame, n_rows: int) -> None:
    st.session_state[SHOWN_IDS] = shown["decision_id"].tolist()
    if n_rows > len(shown):
        st.caption(t("dec_capped", shown=num(len(shown)), n=num(n_rows)))
    safe_dataframe(
        _shown(shown), hide_index=True, width="stretch", column_config=_columns(), key=TABLE_KEY,
        on_select=_select_row, selection_mode="single-row", height=420 if len(shown) > 10 else "auto",
    )  # fmt: skip


def _export(log: core.store.DecisionLog, filters: dict[str, Any], dialect: core.CsvDialect) -> bytes:
    """Every filtered row (read when the button is pressed), formulas neutralised for spreadsheets."""
    return core.to_safe_csv(log.table(**filters), dialect=dialect)


# ----------------------------------------------------------------------------- one decision


def _resolve(
    log: core.store.DecisionLog, typed: str, shown: pd.DataFrame, filters: dict[str, Any]
) -> core.DecisionRecord | None:
    typed = typed.strip().lower()
    if len(typed) < 32:  # a short id: among the rows shown, else among every filtered row
        matches = shown.loc[shown["decision_id"].str.startswith(typed), "decision_id"].tolist()
        if not matches:
            matches = log.find(typed, limit=2, **filters)
        if len(matches) != 1:
            key = "dec_detail_ambiguous" if len(matches) > 1 else "dec_detail_unknown"
            st.warning(t(key, id=typed), icon=":material/search_off:")
            return None
        typed = str(matches[0])
    record = log.get(typed)
    if record is None:
        st.warning(t("dec_detail_unknown", id=typed), icon=":material/search_off:")
    return record


def _who(r: core.DecisionRecord) -> str:
    return r.officer if r.authenticated else t("officer_unauthenticated", name=r.officer)


def _values(values: dict[str, Any] | None, schema: core.FeatureSchema) -> pd.DataFrame:
    items = sorted((values or {}).items())
    return pd.DataFrame(
        {
            t("col_field"): [field_label(k, schema) for k, _ in items],
            t("dec_col_code"): [k for k, _ in items],
            t("col_value"): ["—" if v is None else str(v) for _, v in items],
        }
    )


def _detail(
    bundle: core.Bundle, log: core.store.DecisionLog, record: core.DecisionRecord, allowed: bool
) -> None:
    if not allowed:
        st.warning(t("dec_detail_not_yours"), icon=":material/lock:")
        return
    schema = bundle.schema
    with st.container(border=True):
        st.markdown(
            f"#### :material/receipt_long: {t('dec_detail_heading', kind=_kinds().get(record.kind, record.kind), id=short_id(record.decision_id))}"
        )
        st.caption(
            t("dec_detail_meta", when=utc(record.created_at), channel=_channels().get(record.channel, record.channel),
              who=_who(record), client=record.client_id if record.client_id is not None else t("new_applicant"))
        )  # fmt: skip
        if record.kind != "refused_input":
            c1, c2, c3, c4 = st.columns(4)
            c1.metric(t("probability"), "—" if record.probability is None else pct(record.probability))
            c2.metric(t("threshold"), "—" if record.threshold is None else pct(record.threshold))
            c3.metric(t("decision"), decision_word(record.decision))
            c4.metric(
                t("dec_col_latency"), "—" if record.latency_ms is None else f"{num(record.latency_ms, 0)} ms"
            )
        _chain(log, record)
        if record.errors:
            lines = "\n".join(f"- **{field_label(str(e.get('field')), schema)}** : {problem_text(str(e.get('problem')))}"
                              for e in record.errors)  # fmt: skip
            st.error(f"{t('dec_detail_errors', n=len(record.errors))}\n\n{lines}", icon=":material/error:")
        tabs = st.tabs(
            [t("dec_tab_reasons"), t("dec_tab_application"), t("dec_tab_features"), t("dec_tab_model")]
        )
        with tabs[0]:
            if not record.reasons:
                st.caption(t("no_reason"))
            for r in record.reasons:
                reason = core.Reason(r["feature"], r.get("value"), float(r.get("contribution") or 0.0),
                                     r.get("direction", "default"), None)  # fmt: skip
                st.markdown(f"- {core.reason_sentence(reason, lang(), schema)}")  # type: ignore[arg-type]
            _recourse_logged(record, schema)
        with tabs[1]:
            if isinstance(record.application, dict):
                safe_dataframe(_values(record.application, schema), hide_index=True, width="stretch")
            else:
                st.caption(t("dec_no_application"))
        with tabs[2]:
            if record.features:
                safe_dataframe(_values(record.features, schema), hide_index=True, width="stretch")
            else:
                st.caption(t("dec_no_features"))
        with tabs[3]:
            st.markdown(
                "\n".join(
                    f"- **{t(k)}** : `{v}`"
                    for k, v in (
                        ("dec_bundle", f"{record.bundle_name or '—'} {record.bundle_version or ''}".strip()),
                        ("dec_model_hash", record.bundle_hash or "—"), ("dec_input_hash", record.input_hash or "—"),
                        ("dec_row_hash", record.row_hash), ("dec_prev_hash", record.prev_hash),
                        ("dec_full_id", record.decision_id),
                    )
                )
            )  # fmt: skip


def _recourse_logged(record: core.DecisionRecord, schema: core.FeatureSchema) -> None:
    """The recourse options offered with the decision, and its letter."""
    if record.kind != "decision":
        return
    if record.recourse:
        st.markdown(f"**:material/alt_route: {t('recourse_title')}**")
        options = [o for o in record.recourse if o.get("changes")]
        for o in options:
            st.markdown(f"- {core.option_sentence(o['changes'], lang(), schema)}")
        if not options:
            st.caption(core.none_sentence(lang()))
    log, language = resources.store().log, lang()  # read here: the download runs in its own thread
    st.download_button(
        t("letter_download"), file_name=core.letter_filename(record, language), mime="application/pdf",
        data=lambda: core.letter_for(log, record, lang=language, schema=schema), icon=":material/mail:",
        help=t("letter_help"), key=f"letter_{record.decision_id}", on_click="ignore",
    )  # fmt: skip


def _chain(log: core.store.DecisionLog, record: core.DecisionRecord) -> None:
    """Override chain: what this override replaced, or who overrode this decision, when and why."""
    if record.review_status is not None:
        st.info(t("dec_review_" + record.review_status), icon=":material/rule:")
    if record.overrides and record.kind in ("review_open", "review"):
        key = "dec_chain_review_open" if record.kind == "review_open" else "dec_chain_review"
        st.info(
            t(key, id=short_id(record.overrides), decision=decision_word(record.decision),
              reason=record.override_reason or "—"),
            icon=":material/rule:",
        )  # fmt: skip
    elif record.overrides:
        original = log.get(record.overrides)
        model = decision_word(original.decision) if original is not None else "—"
        st.info(
            t("dec_chain_overrides", id=short_id(record.overrides), model=model, decision=decision_word(record.decision),
              reason=record.override_reason or "—"),
            icon=":material/gavel:",
        )  # fmt: skip
    for other_id in record.overridden_by:
        other = log.get(other_id)
        if other is None:
            continue
        st.warning(
            t("dec_chain_overridden", id=short_id(other.decision_id), decision=decision_word(other.decision),
              who=_who(other), when=utc(other.created_at), reason=other.override_reason or "—"),
            icon=":material/gavel:",
        )  # fmt: skip


# ----------------------------------------------------------------------------- page

bundle = page_setup("title_decisions")
actor = identity.actor()
log = resources.store().log
if actor is not None and actor.role not in core.READ_ALL:
    st.caption(t("dec_intro_officer", name=actor.name))
else:
    st.caption(t("dec_intro_all"))
filters = _filters(actor)
if filters is not None:
    chosen: dict[str, Any] = filters
    counts = log.summary(**filters)  # by SQL over every matching row; the table shows the newest
    _counts(counts)
    if not counts["rows"]:
        st.info(t("dec_empty"), icon=":material/inbox:")
    else:
        shown = log.table(limit=MAX_SHOWN, **filters)
        dialect = csv_dialect()  # read here: the download runs in its own thread
        head, button = st.columns([3, 1], vertical_alignment="center")
        head.markdown(f"#### {t('dec_table_title', n=num(counts['rows']))}")
        button.download_button(
            t("dec_export"), lambda: _export(log, chosen, dialect), file_name="decisions.csv",
            mime="text/csv", icon=":material/download:", width="stretch", help=t("dec_export_help"),
            on_click="ignore",
        )  # fmt: skip
        _table(shown, counts["rows"])
        st.markdown(f"#### {t('dec_detail_title')}")
        typed = st.text_input(t("dec_detail_label"), key=DETAIL_ID, placeholder=t("dec_detail_placeholder"))
        if typed.strip():
            record = _resolve(log, typed, shown, filters)
            if record is not None:
                mine = actor is None or actor.role in core.READ_ALL or record.officer == actor.name
                _detail(bundle, log, record, mine)
