"""The model card's fairness section: which sensitive attributes the model reads, and what the audit found."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import core
from core.monitoring import fairness as audit
from dashboard.components import safe_dataframe
from dashboard.i18n import num, t
from dashboard.state import lang


@st.cache_data(show_spinner=False)
def _found(version: str, _bundle: core.Bundle) -> list | None:
    """The audit of the bundle's validation set by gender and age band (None without one)."""
    try:
        population = audit.validation_population(_bundle)
    except ValueError:
        return None
    attributes = [
        a
        for a, need in (("CODE_GENDER", "CODE_GENDER"), (audit.AGE_BAND, "DAYS_BIRTH"))
        if need in population
    ]
    return [
        audit.fairness_audit(population, a, threshold=_bundle.threshold, source="validation")
        for a in attributes
    ]


def fairness_section(bundle: core.Bundle, version: str) -> None:
    """Sensitive inputs of the model, then the audit's lowest approval-rate ratios and flagged groups."""
    st.markdown(f"#### {t('card_fairness')}")
    used = audit.sensitive_inputs(bundle.schema)
    rows = []
    for item in used:
        how = {
            "direct": t("card_sensitive_direct"),
            "derived": t("card_sensitive_derived"),
            "no": t("card_sensitive_no"),
        }[str(item["used"])]
        via = ", ".join(core.label(v, lang(), bundle.schema) for v in item["via"])  # type: ignore[arg-type]
        rows.append(
            {
                t("card_sensitive_field"): core.label(str(item["field"]), lang(), bundle.schema),  # type: ignore[arg-type]
                t("card_sensitive_meaning"): t("sensitive_" + str(item["field"]).lower()),
                t("card_sensitive_used"): how + (f" ({via})" if via else ""),
            }
        )
    inputs = [r for r in used if r["used"] != "no"]
    st.markdown(
        t("card_sensitive_uses", items=", ".join(t("sensitive_" + str(r["field"]).lower()) for r in inputs))
        if inputs
        else t("card_sensitive_none")
    )
    safe_dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    found = _found(version, bundle)
    if found is None:
        st.info(t("card_fairness_unavailable"), icon=":material/info:")
        return
    for result in found:
        name = (
            t("fair_age_band")
            if result.attribute == audit.AGE_BAND
            else core.label(result.attribute, lang(), bundle.schema)
        )  # type: ignore[arg-type]

        def word(group: str, attribute: str = result.attribute) -> str:
            if attribute == audit.AGE_BAND:
                return t("fair_missing") if group == audit.MISSING else t("fair_years", band=group)
            return core.category_label(core.field_info(attribute, bundle.schema), group, lang())  # type: ignore[arg-type]

        flagged = ", ".join(word(g) for g in result.flagged) if result.flagged else t("card_fairness_none")
        st.markdown(
            f"- {t('card_fairness_found', name=name, n=num(result.n), ratio=num(result.min_ratio, 2), best=word(result.best_group), flagged=flagged)}"
        )
    st.caption(t("card_fairness_note"))
