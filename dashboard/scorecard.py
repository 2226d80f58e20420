"""Widgets of the points score and of the grey zone, shared by the scoring, batch, decisions and review
pages (kept apart from the pages so that each page adds one call)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

import core
from dashboard import identity, resources
from dashboard.components import decision_word, short_id, utc
from dashboard.i18n import num, pct, t
from dashboard.state import REVIEW_DONE, REVIEW_ERROR, REVIEW_REASON, lang


def band_text(band: str | None) -> str:
    """A band in words: 'B — low risk'."""
    return "—" if band is None else f"{band} — {t('band_' + band.lower())}"


def points_metric(container: Any, result: core.ScoringResult) -> None:
    """The points score beside the probability (metric with the band and how it is read)."""
    if result.points_score is None:
        return
    scale = resources.service().points
    container.metric(
        t("points_score"), num(result.points_score), delta=band_text(result.points_band), delta_color="off",
        delta_arrow="off",
        help=t("points_help", base=num(scale.base_points), odds=num(scale.base_odds), pdo=num(scale.pdo)),
    )  # fmt: skip


def bands_legend() -> None:
    """The bands with their points and probabilities of default (a caption)."""
    parts = []
    for b in resources.service().points.describe():
        parts.append(
            f"**{b['band']}** {num(float(b['min_points']))}–{num(float(b['max_points']))} "
            f"({pct(float(b['min_probability']))}–{pct(float(b['max_probability']))})"
        )
    st.caption(t("bands_legend") + " · ".join(parts))


def review_status_word(status: str | None) -> str:
    """to_review / not_required in words."""
    return {"to_review": t("review_to_review"), "not_required": t("review_not_required")}.get(
        status or "", "—"
    )


def _close(decision_id: str, key: str, model_decision: str) -> None:
    """Record the officer's final decision (a callback: the page reruns once after it)."""
    decision = st.session_state.get(f"review_choice_{key}_{lang()}") or model_decision
    st.session_state[REVIEW_ERROR] = None
    actor = identity.actor()
    reason = str(st.session_state.get(REVIEW_REASON) or "").strip()
    if actor is None:
        st.session_state[REVIEW_ERROR] = t("name_required")
        return
    if not reason:
        st.session_state[REVIEW_ERROR] = t("review_reason_required")
        return
    try:
        st.session_state[REVIEW_DONE] = resources.store().log.close_review(
            decision_id, decision=decision, reason=reason, actor=actor, channel="dashboard"
        )
    except (core.DecisionLogError, core.StoreError) as exc:
        st.session_state[REVIEW_ERROR] = str(exc)
        return
    st.session_state[REVIEW_REASON] = ""


def review_form(decision_id: str, model_decision: str, key: str) -> None:
    """The officer's final decision on a case of the grey zone: a choice and a mandatory reason."""
    with st.form(f"review_form_{key}", border=False):
        words = {d: decision_word(d) for d in ("ACCEPTED", "REFUSED")}  # in the page's language
        st.segmented_control(
            t("review_final"), ["ACCEPTED", "REFUSED"], default=model_decision, format_func=words.__getitem__,
            key=f"review_choice_{key}_{lang()}",  # one widget per language: the browser keeps its labels
        )  # fmt: skip
        st.text_area(
            t("review_reason_label") + " *", key=REVIEW_REASON, placeholder=t("review_reason_placeholder"),
            max_chars=1000, height=80,
        )  # fmt: skip
        error = st.session_state.get(REVIEW_ERROR)
        if error:
            st.error(error, icon=":material/error:")
        st.form_submit_button(
            t("review_button"), type="primary", icon=":material/how_to_reg:", on_click=_close,
            args=(decision_id, key, model_decision),
        )  # fmt: skip


def review_notice(result: core.ScoringResult, logged: core.DecisionRecord | None) -> None:
    """On the scoring page: the grey zone's message and, for a recorded case, the form that closes it."""
    zone = resources.service().grey_zone
    if result.review_status != "to_review" or zone is None:
        return
    with st.container(border=True):
        st.markdown(f"#### :material/rule: {t('review_title')}")
        st.warning(
            t("review_marked", p=pct(result.probability), low=pct(zone.low), high=pct(zone.high),
              decision=decision_word(result.decision)),
            icon=":material/rule:",
        )  # fmt: skip
        if logged is None:
            return
        done = st.session_state.get(REVIEW_DONE)
        if done is not None and done.overrides == logged.decision_id:
            who = done.officer if done.authenticated else t("officer_unauthenticated", name=done.officer)
            st.success(
                t("review_closed", decision=decision_word(done.decision), who=who, when=utc(done.created_at),
                  id=short_id(done.decision_id)),
                icon=":material/how_to_reg:",
            )  # fmt: skip
            st.markdown(f"{t('review_reason_label')} : *{done.override_reason}*")
            return
        st.caption(t("review_intro"))
        review_form(logged.decision_id, result.decision, "score")


def table_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Batch table: the points band and the review status in words (the points stay numbers)."""
    out = frame.copy()
    if "points_band" in out:
        out["points_band"] = out["points_band"].map(lambda b: b if b is None or b != b else band_text(b))
    if "review_status" in out:
        out["review_status"] = out["review_status"].map(review_status_word)
    return out


def column_config() -> dict[str, Any]:
    """The column headers of the points and review columns."""
    cc = st.column_config
    return {
        "points_score": cc.NumberColumn(
            t("points_score"), format="%d", width="small", help=t("points_short_help")
        ),
        "points_band": cc.TextColumn(t("points_band"), width="small"),
        "review_status": cc.TextColumn(t("review_col"), width="small"),
    }
