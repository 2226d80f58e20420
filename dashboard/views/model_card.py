"""Model card: what the model is, its data, metrics, threshold, limitations, version and hashes."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.components import page_setup
from dashboard.i18n import t

bundle = page_setup("title_card")
prov = bundle.provenance
if prov is not None and prov.synthetic:
    st.error(t("card_synthetic", description=prov.description), icon=":material/science:")
c1, c2, c3, c4 = st.columns(4)
c1.metric(t("card_version"), bundle.version)
c2.metric(t("card_format"), bundle.format)
c3.metric(t("threshold"), f"{bundle.threshold:.3f}")
c4.metric(t("card_costs"), f"FN {bundle.cost_weights.fn:g} · FP {bundle.cost_weights.fp:g}")
st.markdown(f"#### {t('card_what')}")
st.markdown(
    t(
        "card_what_text",
        n=len(bundle.schema.names),
        model=bundle.model.__class__.__name__,
        trees=bundle.model.tree_count_,
    )
)
if bundle.intended_use:
    st.markdown(f"**{t('card_use')}** {bundle.intended_use}")
st.markdown(
    f"**{t('card_source')}** `{bundle.source}`"
    + (f" · {t('card_created')} {bundle.created_at}" if bundle.created_at else "")
)
st.markdown(f"#### {t('card_data')}")
if prov is None:
    st.info(t("card_unavailable_item", item=t("card_data")))
else:
    st.markdown(
        f"{prov.description}\n\n- {t('card_n_train')}: {prov.n_train or '—'}\n- {t('card_n_test')}: {prov.n_test or '—'}\n- {t('card_code')}: {prov.code_version or '—'}"
    )
st.markdown(f"#### {t('card_metrics')}")
test = bundle.metrics.get("test")
if test:
    m = st.columns(5)
    m[0].metric("ROC AUC", f"{test['roc_auc']:.3f}")
    m[1].metric(t("cost_per_client"), f"{test['cost_per_client']:.3f}")
    m[2].metric(t("recall"), f"{test['recall']:.0%}")
    m[3].metric(t("precision"), f"{test['precision']:.0%}")
    m[4].metric("Brier", f"{test['brier']:.4f}")
    st.caption(t("card_test_counts", n=test["n"], tp=test["tp"], fp=test["fp"], tn=test["tn"], fn=test["fn"]))
    if bundle.metrics.get("benchmark"):
        st.markdown(f"**{t('card_benchmark')}**")
        st.dataframe(pd.DataFrame(bundle.metrics["benchmark"]).round(4), hide_index=True, width="stretch")
else:
    st.info(t("card_unavailable_item", item=t("card_metrics")))
st.markdown(f"#### {t('card_limitations')}")
for item in bundle.limitations or [t("card_no_limitations")]:
    st.markdown(f"- {item}")
if bundle.unavailable:
    st.warning(t("card_unavailable", items=", ".join(bundle.unavailable)))
with st.expander(t("card_hashes")):
    st.dataframe(
        pd.DataFrame(sorted(bundle.hashes.items()), columns=[t("card_file"), "sha256"]),
        hide_index=True,
        width="stretch",
    )
with st.expander(t("card_features", n=len(bundle.schema.names))):
    st.dataframe(
        pd.DataFrame([f.model_dump(exclude={"categories"}) for f in bundle.schema.by_importance()]),
        hide_index=True,
        width="stretch",
    )
