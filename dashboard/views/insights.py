"""Model insights: global SHAP importance, beeswarm summary, dependence plot — every feature by its label."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import core
from dashboard import charts, forms, resources
from dashboard.components import chart_alt, page_setup, show_chart
from dashboard.i18n import t
from dashboard.state import lang


def _readable(feature: str, dep: pd.DataFrame, schema: core.FeatureSchema) -> tuple[pd.DataFrame, str]:
    """Dependence values as people read them: ages in years, categories in words; and the axis title."""
    info = core.field_info(feature, schema)
    out = dep.copy()
    if core.in_years(info):
        sentinel = info.sentinel if info is not None else None
        values = out["value"].where(out["value"] != sentinel)
        out["value"] = values.map(forms.to_years, na_action="ignore").astype(float)
        return out, t("feature_value_years")
    if out["value"].dtype == object:
        out["value"] = out["value"].map(
            lambda v: core.category_label(info, str(v), lang()), na_action="ignore"
        )  # type: ignore[arg-type]
    return out, t("feature_value")


def _labels(bundle: core.Bundle) -> dict[str, str]:
    return {n: core.label(n, lang(), bundle.schema) for n in bundle.schema.names}


def _importance_chart(importance: pd.DataFrame, labels: dict[str, str]) -> None:
    """Mean |SHAP| of the top 20, full width (history labels are long), with its text alternative."""
    show_chart(
        charts.importance_bar(
            importance,
            labels=labels,
            top=20,
            title=t("importance_title"),
            x_label=t("mean_abs_shap"),
            label_width=60,
        ),
        width="stretch",
    )
    chart_alt(t("importance_alt", top=", ".join(labels[f] for f in importance["feature"].head(3))))


def _uploaded_population(bundle: core.Bundle) -> None:
    """A bundle without reference data (legacy): global SHAP over clients the analyst uploads."""
    st.info(t("insights_upload"), icon=":material/upload_file:")
    upload = st.file_uploader(t("insights_upload_label"), type=["csv"], key="insights_upload")
    if upload is None:
        return
    try:
        service = resources.service()
        batch = service.score_frame(core.read_clients_csv(upload, service.schema))
    except core.FileValidationError as exc:
        st.error(str(exc))
        return
    if not batch.n_scored:
        st.warning(t("insights_upload_none"))
        return
    st.caption(t("insights_upload_done", n=batch.n_scored, rejected=batch.n_rows - batch.n_scored))
    shap = resources.service().explainer.population_shap(batch.features)
    importance = core.importance_of(shap)
    _importance_chart(importance, _labels(bundle))


@st.fragment
def _dependence(bundle: core.Bundle, options: list[str], labels: dict[str, str], key: str) -> None:
    """The dependence plot of the chosen feature: choosing another reruns this part of the page only."""
    st.markdown(f"#### {t('dependence_title')}")
    feature = st.selectbox(t("dependence_feature"), options, format_func=lambda f: labels[f])
    info = core.field_info(feature, bundle.schema)
    if info is not None and info.description(lang()):
        st.caption(info.description(lang()))
    raw = resources.dependence(key, feature)
    dep, x_label = _readable(feature, raw, bundle.schema)
    show_chart(
        charts.dependence(dep, title=labels[feature], x_label=x_label, y_label=t("shap_value")),
        width="stretch",
    )
    spec = bundle.schema.get(feature)
    corr = (
        raw[["value", "shap"]].apply(lambda c: c.rank()).corr().iloc[0, 1]
        if spec.kind != "categorical"
        else float("nan")
    )
    if core.in_years(info):
        corr = -corr  # days count back: more days = older, longer; the trend is read in years
    trend = t("trend_up") if corr > 0.2 else (t("trend_down") if corr < -0.2 else t("trend_flat"))
    chart_alt(t("dependence_alt", f=labels[feature], trend=trend))


bundle = page_setup("title_insights")
if bundle.reference is None:
    _uploaded_population(bundle)
    st.stop()
st.caption(t("insights_intro", n=min(len(bundle.reference), 5000)))
key = resources.version_key()
importance = resources.global_importance(key)
labels = _labels(bundle)
_importance_chart(importance, labels)
shap, rows = resources.explainer().global_shap()
top = importance["feature"].head(15).tolist()
show_chart(
    charts.beeswarm(
        shap.values,
        rows[bundle.schema.names],
        top,
        labels=labels,
        title=t("beeswarm_title"),
        x_label=t("shap_value"),
        scale=(t("beeswarm_scale"), t("low"), t("high")),
        label_width=60,
    ),
    width="stretch",
)
chart_alt(t("beeswarm_alt"))
_dependence(bundle, importance["feature"].tolist(), labels, key)
