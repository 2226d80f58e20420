"""Threshold & cost: confusion matrix, 10·FN + 1·FP, recall/precision and the cost curve, live."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import streamlit as st

import core
from dashboard import charts, resources
from dashboard.components import chart_alt, file_rejected, page_setup, show_chart
from dashboard.i18n import num, pct, t
from dashboard.state import COST_FN, COST_FP, THRESHOLD


def _labelled(bundle: core.Bundle) -> tuple[np.ndarray, np.ndarray, str] | None:
    with st.expander(
        t("threshold_other_data"), expanded=bundle.validation is None, icon=":material/upload_file:"
    ):
        upload = st.file_uploader(t("threshold_upload"), type=["csv"], help=t("threshold_upload_help"))
    if upload is not None:
        frame = None
        try:
            frame = core.read_clients_csv(io.BytesIO(upload.getvalue()), bundle.schema)
            if "TARGET" not in frame.columns:
                raise core.FileValidationError(t("threshold_need_target"))
            if "probability" in frame.columns:
                y = pd.to_numeric(frame["TARGET"], errors="coerce")
                p = pd.to_numeric(frame["probability"], errors="coerce")
                ok = y.isin([0, 1]) & p.between(0, 1)
                if (~ok).any():
                    st.warning(t("threshold_dropped", n=int((~ok).sum())))
                return (
                    y[ok].to_numpy(dtype=int),
                    p[ok].to_numpy(dtype=float),
                    t("source_upload", n=int(ok.sum())),
                )
            batch = resources.service().score_frame(frame, explain=False)
            if batch.errors:
                st.warning(t("threshold_dropped", n=len({e.row for e in batch.errors})))
            if batch.target is None:
                raise core.FileValidationError(t("threshold_need_target"))
            y, p, unlabelled = batch.labelled()
            if unlabelled:
                st.warning(t("threshold_unlabelled", n=unlabelled), icon=":material/warning:")
            if not len(y):
                raise core.FileValidationError(t("threshold_no_labels"))
            return y, p, t("source_upload", n=len(y))
        except core.FileValidationError as exc:
            file_rejected(bundle.schema, frame, exc)
            return None
    if bundle.validation is not None:
        v = bundle.validation
        return (
            v["TARGET"].to_numpy(dtype=int),
            v["probability"].to_numpy(dtype=float),
            t("source_bundle", n=len(v)),
        )
    st.info(t("threshold_no_validation"))
    return None


@st.fragment
def _costs(bundle: core.Bundle, y: np.ndarray, p: np.ndarray) -> None:
    """The cost weights, the threshold and what they move: changing one reruns this part of the page only."""
    st.session_state.setdefault(COST_FN, float(bundle.cost_weights.fn))
    st.session_state.setdefault(COST_FP, float(bundle.cost_weights.fp))
    st.session_state.setdefault(THRESHOLD, float(bundle.threshold))  # exact: the model card's figures
    c1, c2, c3 = st.columns([1, 1, 3])
    c1.number_input(
        t("cost_fn"), min_value=0.1, max_value=1000.0, step=1.0, key=COST_FN, help=t("cost_fn_help")
    )
    c2.number_input(
        t("cost_fp"), min_value=0.0, max_value=1000.0, step=1.0, key=COST_FP, help=t("cost_fp_help")
    )
    c3.slider(t("threshold"), min_value=0.0, max_value=1.0, step=0.001, key=THRESHOLD, format="%.4f")
    weights = core.CostWeights(fn=st.session_state[COST_FN], fp=st.session_state[COST_FP])
    threshold = float(st.session_state[THRESHOLD])
    at = core.confusion_at(y, p, threshold, weights)
    curve, band, optimal = resources.cost_tables(
        resources.version_key(), resources.data_key(y, p), y, p, weights.fn, weights.fp
    )
    best = core.confusion_at(y, p, optimal, weights)
    m = st.columns(5)
    m[0].metric(t("cost_total"), num(at.cost))
    m[1].metric(
        t("cost_per_client"),
        num(at.cost_per_client, 3),
        delta=f"{'+' if at.cost_per_client >= best.cost_per_client else '−'}"
        f"{num(abs(at.cost_per_client - best.cost_per_client), 3)} vs {t('optimal')}",
        delta_color="inverse",
    )
    m[2].metric(t("recall"), pct(at.recall, 0), help=t("recall_help"))
    m[3].metric(t("precision"), pct(at.precision, 0), help=t("precision_help"))
    m[4].metric(t("acceptance_rate"), pct(at.acceptance_rate, 0))
    st.caption(
        t(
            "cost_formula",
            fn=f"{weights.fn:g}",
            fp=f"{weights.fp:g}",
            n_fn=at.fn,
            n_fp=at.fp,
            total=num(at.cost),
        )
    )
    left, right = st.columns(2)
    with left:
        cm_labels = {
            k: t(f"cm_{k}")
            for k in (
                "tp",
                "fp",
                "tn",
                "fn",
                "pred_accept",
                "pred_refuse",
                "true_repaid",
                "true_default",
                "title",
                "x_title",
                "y_title",
            )
        }
        show_chart(charts.confusion(at.tp, at.fp, at.tn, at.fn, labels=cm_labels, fmt=num), width="stretch")
        chart_alt(t("cm_alt", tp=at.tp, fp=at.fp, tn=at.tn, fn=at.fn))
    with right:
        labels = {
            k: t(f"curve_{k}")
            for k in ("band", "cost", "optimal", "production", "current", "x", "y", "title")
        }
        show_chart(
            charts.cost_curve(
                curve,
                band,
                current=threshold,
                optimal=optimal,
                production=bundle.threshold,
                labels=labels,
                fmt=lambda x: num(x, 3),
            ),
            width="stretch",
        )
        chart_alt(
            t(
                "curve_alt",
                opt=num(optimal, 3),
                cost=num(best.cost_per_client, 3),
                prod=num(bundle.threshold, 3),
            )
        )
    st.caption(t("threshold_why", prod=num(bundle.threshold, 4), opt=num(optimal, 4)))


bundle = page_setup("title_threshold")
st.caption(t("threshold_intro", fn=f"{bundle.cost_weights.fn:g}", fp=f"{bundle.cost_weights.fp:g}"))
data = _labelled(bundle)
if data is not None:
    y, p, source = data
    if len(y) == 0:
        st.error(t("threshold_empty"))
        st.stop()
    st.caption(source)
    _costs(bundle, y, p)
