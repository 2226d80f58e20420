"""The review queue: decisions of the grey zone waiting for a person, and the officer's final decision."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

import core
from dashboard import identity, resources, scorecard
from dashboard.components import decision_word, page_setup, safe_dataframe, short_id, utc
from dashboard.i18n import num, pct, t
from dashboard.state import REVIEW_DETAIL, REVIEW_DONE, lang, lang_key

TABLE_KEY = "review_table"
STATUS_KEY = "review_status_filter"


def _band(zone: Any) -> None:
    """How the grey zone is set and what it does on the validation set."""
    if zone is None:
        st.info(t("review_no_zone"), icon=":material/info:")
        return
    how = (
        t("review_zone_optimised", c=num(zone.review_cost, 2))
        if zone.source == "optimised"
        else t("review_zone_configured")
    )
    st.markdown(t("review_zone", low=pct(zone.low, 2), high=pct(zone.high, 2), how=how))
    v = zone.validation
    if v is not None:
        st.caption(
            t("review_zone_validation", n=num(v.n_review), share=pct(v.review_share), total=num(v.n),
              cost=num(v.cost_per_client, 4), base=num(v.cost_per_client_without_review, 4))
        )  # fmt: skip


def _shown(cases: pd.DataFrame, closed: bool) -> pd.DataFrame:
    points = resources.service().points
    out = pd.DataFrame(
        {
            "created_at": pd.to_datetime(cases["created_at"]),
            "id": cases["decision_id"].str[:8],
            "client": cases["client_id"].astype("string").fillna(t("new_applicant")),
            "probability": (cases["probability"].astype(float) * 100).round(2),
            "points": points.points(cases["probability"].to_numpy(dtype=float)),
            "decision": cases["decision"].map(decision_word),
            "officer": cases["officer"],
        }
    )
    if closed:
        out["final"] = cases["final_decision"].map(decision_word)
        out["reviewer"] = cases["reviewer"]
        out["note"] = cases["review_note"]
    return out


def _columns() -> dict[str, Any]:
    cc = st.column_config
    return {
        "created_at": cc.DatetimeColumn(t("dec_col_time"), format="YYYY-MM-DD HH:mm:ss"),
        "id": cc.TextColumn(t("dec_col_id"), width="small"),
        "client": cc.TextColumn(t("col_client"), width="small"),
        "probability": cc.NumberColumn(t("probability") + " (%)", format="localized", width="small"),
        "points": cc.NumberColumn(t("points_score"), format="%d", width="small"),
        "decision": cc.TextColumn(t("dec_col_model"), width="small"),
        "officer": cc.TextColumn(t("dec_col_officer")),
        "final": cc.TextColumn(t("dec_col_final"), width="small"),
        "reviewer": cc.TextColumn(t("review_col_reviewer")),
        "note": cc.TextColumn(t("review_reason_label"), width="large"),
    }


def _select() -> None:
    rows = st.session_state[TABLE_KEY].selection.rows
    ids = st.session_state.get("review_shown_ids") or []
    if rows and rows[0] < len(ids):
        st.session_state[REVIEW_DETAIL] = ids[rows[0]]


def _case(log: core.store.DecisionLog, decision_id: str) -> None:
    """One open case: the decision as logged, its reasons, and the form that closes it."""
    record = log.get(decision_id)
    if record is None:
        return
    with st.container(border=True):
        st.markdown(f"#### :material/rule: {t('review_case', id=short_id(decision_id))}")
        st.caption(
            t("dec_detail_meta", when=utc(record.created_at), channel=t("channel_" + record.channel),
              who=record.officer, client=record.client_id if record.client_id is not None else t("new_applicant"))
        )  # fmt: skip
        c1, c2, c3, c4 = st.columns(4)
        c1.metric(t("probability"), pct(record.probability or 0.0))
        points = resources.service().points.point(record.probability or 0.0)
        c2.metric(t("points_score"), num(points), delta=scorecard.band_text(resources.service().points.band(points)),
                  delta_color="off", delta_arrow="off")  # fmt: skip
        c3.metric(t("threshold"), pct(record.threshold or 0.0))
        c4.metric(t("dec_col_model"), decision_word(record.decision))
        if record.reasons:
            bundle = resources.bundle()
            lines = []
            for r in record.reasons:
                reason = core.Reason(r["feature"], r.get("value"), float(r.get("contribution") or 0.0),
                                     r.get("direction", "default"), None)  # fmt: skip
                lines.append(f"- {core.reason_sentence(reason, lang(), bundle.schema)}")
            st.markdown("\n".join(lines))
        done = st.session_state.get(REVIEW_DONE)
        if done is not None and done.overrides == decision_id:
            st.success(
                t("review_closed", decision=decision_word(done.decision), who=done.officer, when=utc(done.created_at),
                  id=short_id(done.decision_id)),
                icon=":material/how_to_reg:",
            )  # fmt: skip
            return
        scorecard.review_form(decision_id, record.decision or "REFUSED", "queue")


bundle = page_setup("title_reviews")
actor = identity.actor()
log = resources.store().log
st.caption(t("review_page_intro"))
_band(resources.service().grey_zone)
filters: dict[str, Any] = {}
if actor is not None and actor.role not in core.READ_ALL:
    filters["officer"] = actor.name
open_cases = log.review_queue(status="open", **filters)
closed_cases = log.review_queue(status="closed", limit=500, **filters)
m1, m2 = st.columns(2)
m1.metric(t("review_open_count"), num(len(open_cases)))
m2.metric(t("review_closed_count"), num(len(closed_cases)))
status_names = {s: t("review_show_" + s) for s in ("open", "closed")}  # in the page's language
status = st.radio(
    t("review_show"),
    ["open", "closed"],
    key=lang_key(STATUS_KEY),  # one widget per language: the browser keeps a widget's labels
    horizontal=True,
    format_func=status_names.__getitem__,
)
cases = open_cases if status == "open" else closed_cases
done = st.session_state.get(REVIEW_DONE)
if done is not None and status == "open" and done.overrides not in set(open_cases["decision_id"]):
    st.success(
        t("review_closed", decision=decision_word(done.decision), who=done.officer, when=utc(done.created_at),
          id=short_id(done.decision_id)),
        icon=":material/how_to_reg:",
    )  # fmt: skip
if cases.empty:
    st.info(t("review_empty_open" if status == "open" else "review_empty_closed"), icon=":material/inbox:")
else:
    st.session_state["review_shown_ids"] = cases["decision_id"].tolist()
    safe_dataframe(
        _shown(cases, status == "closed"), hide_index=True, width="stretch", column_config=_columns(),
        key=TABLE_KEY, on_select=_select, selection_mode="single-row",
    )  # fmt: skip
    if status == "open":
        ids = cases["decision_id"].tolist()
        clients = cases["client_id"].astype("string").fillna(t("new_applicant"))
        labels = {i: f"{short_id(i)} — {t('col_client')} {c}" for i, c in zip(ids, clients, strict=True)}
        if st.session_state.get(REVIEW_DETAIL) not in ids:
            st.session_state[REVIEW_DETAIL] = ids[0]
        st.selectbox(
            t("review_pick"), ids, key=REVIEW_DETAIL,
            format_func=labels.__getitem__,
        )  # fmt: skip
        _case(log, st.session_state[REVIEW_DETAIL])
