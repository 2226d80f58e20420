"""Model card: what the model is, its data, metrics, threshold, limitations, version and hashes."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.components import page_setup
from dashboard.i18n import num, pct, t, t_or

bundle = page_setup("title_card")
prov = bundle.provenance
if prov is not None and prov.synthetic:
    st.error(t("card_synthetic"), icon=":material/science:")
c1, c2, c3, c4 = st.columns(4)
c1.metric(t("threshold"), pct(bundle.threshold))
c2.metric(t("card_costs"), f"FN {bundle.cost_weights.fn:g} · FP {bundle.cost_weights.fp:g}")
c3.metric(t("card_n_features"), len(bundle.schema.names))
c4.metric(t("card_origin"), t("origin_hf") if bundle.source.startswith("hf:") else t("origin_local"))
st.markdown(f"#### {t('card_what')}")
st.markdown(
    t(
        "card_what_text",
        n=len(bundle.schema.names),
        model=bundle.model.__class__.__name__,
        trees=bundle.model.tree_count_,
        fn=f"{bundle.cost_weights.fn:g}",
        fp=f"{bundle.cost_weights.fp:g}",
    )
)
if bundle.intended_use:
    st.markdown(f"**{t('card_use')}** {bundle.intended_use}")
st.markdown(f"#### {t('card_identity')}")
identity = [
    (t("card_name"), bundle.name),
    (t("card_version"), bundle.version),
    (t("card_format"), bundle.format),
    (t("card_source"), bundle.source),
    (t("card_created"), bundle.created_at or "—"),
]
st.dataframe(
    pd.DataFrame(identity, columns=[t("card_item"), t("card_value")]), hide_index=True, width="stretch"
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
    m[0].metric("ROC AUC", num(test["roc_auc"], 3))
    m[1].metric(t("cost_per_client"), num(test["cost_per_client"], 3))
    m[2].metric(t("recall"), pct(test["recall"], 0))
    m[3].metric(t("precision"), pct(test["precision"], 0))
    m[4].metric("Brier", num(test["brier"], 4))
    st.caption(t("card_test_counts", n=test["n"], tp=test["tp"], fp=test["fp"], tn=test["tn"], fn=test["fn"]))
    if bundle.metrics.get("benchmark"):
        st.markdown(f"**{t('card_benchmark')}**")
        bench = pd.DataFrame(bundle.metrics["benchmark"]).round(4)
        st.dataframe(bench.rename(columns=lambda c: t_or(f"bench_{c}", c)), hide_index=True, width="stretch")
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
