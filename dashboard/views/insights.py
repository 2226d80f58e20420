"""Model insights: global SHAP importance, beeswarm summary, dependence plot."""

from __future__ import annotations

import streamlit as st

from core.serving.presentation import label
from dashboard import charts, resources
from dashboard.components import chart_alt, page_setup
from dashboard.i18n import t
from dashboard.state import lang

bundle = page_setup("title_insights")
if bundle.reference is None:
    st.info(t("insights_unavailable"))
    st.stop()
st.caption(t("insights_intro", n=min(len(bundle.reference), 5000)))
key = resources.version_key()
importance = resources.global_importance(key)
labels = {n: label(n, lang()) for n in bundle.schema.names}  # type: ignore[arg-type]
left, right = st.columns(2)
with left:
    st.plotly_chart(
        charts.importance_bar(
            importance, labels=labels, top=20, title=t("importance_title"), x_label=t("mean_abs_shap")
        ),
        width="stretch",
    )
    top3 = ", ".join(labels[f] for f in importance["feature"].head(3))
    chart_alt(t("importance_alt", top=top3))
with right:
    shap, rows = resources.explainer().global_shap()
    top = importance["feature"].head(15).tolist()
    st.plotly_chart(
        charts.beeswarm(
            shap.values,
            rows[bundle.schema.names],
            top,
            labels=labels,
            title=t("beeswarm_title"),
            x_label=t("shap_value"),
            scale=(t("beeswarm_scale"), t("low"), t("high")),
        ),
        width="stretch",
    )
    chart_alt(t("beeswarm_alt"))
st.markdown(f"#### {t('dependence_title')}")
options = importance["feature"].tolist()
feature = st.selectbox(
    t("dependence_feature"), options, format_func=lambda f: f"{labels[f]} ({f})" if labels[f] != f else f
)
dep = resources.dependence(key, feature)
spec = bundle.schema.get(feature)
if spec.description:
    st.caption(spec.description)
st.plotly_chart(
    charts.dependence(dep, title=labels[feature], x_label=t("feature_value"), y_label=t("shap_value")),
    width="stretch",
)
corr = (
    dep[["value", "shap"]].apply(lambda c: c.rank()).corr().iloc[0, 1]
    if spec.kind != "categorical"
    else float("nan")
)
chart_alt(
    t(
        "dependence_alt",
        f=labels[feature],
        trend=t("trend_up") if corr > 0.2 else (t("trend_down") if corr < -0.2 else t("trend_flat")),
    )
)
