"""Model card: what the model is, its data, metrics (with and without credit history), threshold, limits."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

import core
from dashboard import charts, resources
from dashboard.components import page_setup, safe_dataframe, show_chart
from dashboard.fairness_card import fairness_section
from dashboard.i18n import bundle_text, num, pct, t, t_or
from dashboard.state import lang


def _quality(m: dict[str, Any]) -> None:
    """The figures an evaluation records: ROC AUC, cost per client, recall, precision, Brier score."""
    shown = [
        ("roc_auc", "ROC AUC", lambda x: num(x, 3), t("auc_help")),
        ("cost_per_client", t("cost_per_client"), lambda x: num(x, 3), None),
        ("recall", t("recall"), lambda x: pct(x, 0), t("recall_help")),
        ("precision", t("precision"), lambda x: pct(x, 0), t("precision_help")),
        ("brier", "Brier", lambda x: num(x, 4), t("brier_help")),
    ]
    cols = st.columns(5)
    for col, (key, text, write, help_text) in zip(cols, [s for s in shown if s[0] in m], strict=False):
        col.metric(text, write(m[key]), help=help_text)
    if all(k in m for k in ("tp", "fp", "tn", "fn")):
        n = m.get("n", m["tp"] + m["fp"] + m["tn"] + m["fn"])
        st.caption(t("card_test_counts", n=n, tp=m["tp"], fp=m["fp"], tn=m["tn"], fn=m["fn"]))


def _real_sample(real: dict[str, Any]) -> None:
    """ROC AUC and cost per client on real Home Credit applicants, with and without their credit history."""
    runs = {k: real[k] for k in ("with_history", "without_history") if isinstance(real.get(k), dict)}
    if not runs:
        return
    st.markdown(f"**{t('card_real')}**")
    st.caption(t("card_real_help"))
    cols = st.columns(4)
    i = 0
    for key, run in runs.items():
        if "roc_auc" in run:
            cols[i].metric(t(f"card_real_auc_{key}"), num(run["roc_auc"], 3), help=t("auc_help"))
            i += 1
    for key, run in runs.items():
        if "cost_per_client" in run:
            cols[i].metric(t(f"card_real_cost_{key}"), num(run["cost_per_client"], 3))
            i += 1
    first = next(iter(runs.values()))
    if "n" in first:
        st.caption(
            t(
                "card_real_counts",
                n=num(first["n"]),
                rate=pct(first.get("default_rate", float("nan")), 1),
                known=num(runs.get("with_history", {}).get("history_known", 0)),
                data=real.get("data", "—"),
            )
        )


def _signed(x: float, decimals: int = 4) -> str:
    return ("+" if x >= 0 else "−") + num(abs(x), decimals)


def _evaluation(ev: dict[str, Any]) -> None:
    """How the figures were obtained: data, split, folds, threshold source, intervals."""
    st.markdown(f"#### {t('card_evaluation')}")
    lines = [t("card_eval_split", split=ev.get("split", "—"))]
    if ev.get("threshold_from"):
        lines.append(t("card_eval_threshold", source=ev["threshold_from"]))
    if ev.get("benchmark"):
        lines.append(t("card_eval_benchmark", benchmark=ev["benchmark"]))
    if ev.get("tuning"):
        lines.append(t("card_eval_tuning", tuning=ev["tuning"]))
    intervals = ev.get("intervals") or {}
    if intervals.get("method"):
        lines.append(
            t(
                "card_eval_intervals",
                method=intervals["method"],
                level=round(100 * intervals.get("level", 0.95)),
            )
        )
    st.markdown("\n".join(f"- {line}" for line in lines))
    figures = intervals.get("test") or {}
    if figures:
        rows = [
            {t("card_eval_figure"): t_or(f"bench_{k}", k), t("card_eval_value"): v["value"],
             t("card_eval_low"): v["low"], t("card_eval_high"): v["high"]}
            for k, v in figures.items()
        ]  # fmt: skip
        safe_dataframe(pd.DataFrame(rows).round(4), hide_index=True, width="stretch")


def _calibration(metrics: dict[str, Any]) -> None:
    """Reliability curve, Brier score and the calibration decision."""
    table = metrics.get("calibration_test")
    cal = metrics.get("calibration") or {}
    if not table and not cal:
        return
    st.markdown(f"#### {t('card_calibration')}")
    if table:
        fig = charts.reliability(
            pd.DataFrame(table), title=t("card_calibration_chart"), x_label=t("card_calibration_x"),
            y_label=t("card_calibration_y"),
        )  # fmt: skip
        show_chart(fig, width="stretch")
    if "brier" in (metrics.get("test") or {}):
        st.metric("Brier", num(metrics["test"]["brier"], 4), help=t("brier_help"))
    if cal:
        st.markdown(
            t(
                "card_calibration_applied",
                method=t_or(f"card_calibration_{cal.get('applied')}", str(cal.get("applied"))),
            )
        )
        rows = [
            {t("card_calibration_method"): t_or(f"card_calibration_{m}", m), t("cost_per_client"): r["test_cost_per_client"],
             "Brier": r["test_brier"]}
            for m, r in (cal.get("methods") or {}).items()
        ]  # fmt: skip
        if rows:
            st.caption(t("card_calibration_table"))
            safe_dataframe(pd.DataFrame(rows).round(4), hide_index=True, width="stretch")
    st.caption(t("card_shap_scale"))


def _family_gap(gap: dict[str, Any]) -> None:
    st.markdown(f"**{t('card_family_gap')}**")
    st.markdown(
        t(
            "card_family_gap_text",
            cost_model=t_or(f"model_{gap['best_other_by_cost']}", gap["best_other_by_cost"]),
            cost_diff=_signed(gap["cost_difference"]),
            auc_model=t_or(f"model_{gap['best_other_by_auc']}", gap["best_other_by_auc"]),
            auc_diff=_signed(gap["auc_difference"]),
        )
    )


def _sensitive(sens: dict[str, Any]) -> None:
    """What leaving the sensitive attributes out of training costs (which ones the model reads and what
    the audit found: :func:`dashboard.fairness_card.fairness_section`)."""
    comp = sens.get("comparison")
    if not comp and not sens.get("excluded_fields"):
        return
    st.markdown(f"#### {t('card_sensitive_training')}")
    if sens.get("excluded_fields"):
        st.markdown(t("card_sensitive_excluded", fields=", ".join(sens["excluded_fields"])))
    if comp:
        st.markdown(
            t(
                "card_sensitive_cost",
                fields=", ".join(sens.get("compared_fields") or []),
                auc=_signed(-comp["auc_lost_by_excluding"]),
                cost=_signed(comp["cost_added_by_excluding"]),
                served=t(f"card_sensitive_served_{comp['served']}"),
            )
        )


def _features_table(bundle: core.Bundle) -> pd.DataFrame:
    schema = bundle.schema
    rows = []
    for spec in schema.by_importance():
        info = core.field_info(spec.name, schema)
        section = info.section if info is not None else "other"
        rows.append(
            {
                t("card_rank"): spec.importance_rank,
                t("card_feature"): core.label(spec.name, lang(), schema),  # type: ignore[arg-type]
                t("card_section"): t_or("section_" + section, t("section_other")),
                t("card_description"): info.description(lang())
                if info is not None
                else (spec.description or ""),
            }
        )
    return pd.DataFrame(rows)


bundle = page_setup("title_card")
prov = bundle.provenance
schema = bundle.schema
if prov is not None and prov.synthetic:
    st.error(t("card_synthetic"), icon=":material/science:")
c1, c2, c3, c4 = st.columns(4)
c1.metric(t("threshold"), pct(bundle.threshold))
c2.metric(t("card_costs"), f"FN {bundle.cost_weights.fn:g} · FP {bundle.cost_weights.fp:g}")
c3.metric(t("card_n_features"), len(schema.names))
c4.metric(t("card_origin"), t("origin_hf") if bundle.source.startswith("hf:") else t("origin_local"))
st.markdown(f"#### {t('card_what')}")
st.markdown(
    t(
        "card_what_text",
        n=len(schema.names),
        model=bundle.model.__class__.__name__,
        trees=bundle.model.tree_count_,
        fn=f"{bundle.cost_weights.fn:g}",
        fp=f"{bundle.cost_weights.fp:g}",
    )
)
if schema.contract == "application":
    st.markdown(
        t(
            "card_application",
            k=len(schema.used_inputs()),
            h=len(schema.history_features),
            n=len(schema.names),
        )
    )
if bundle.intended_use:
    st.markdown(f"**{t('card_use')}** {bundle_text(bundle.intended_use)}")
st.markdown(f"#### {t('card_identity')}")
identity = [
    (t("card_name"), bundle.name),
    (t("card_version"), bundle.version),
    (t("card_format"), bundle.format),
    (t("card_contract"), t("contract_" + schema.contract)),
    (t("card_source"), bundle.source),
    (t("card_created"), bundle.created_at or "—"),
]
safe_dataframe(
    pd.DataFrame(identity, columns=[t("card_item"), t("card_value")]), hide_index=True, width="stretch"
)
st.markdown(f"#### {t('card_data')}")
if prov is None:
    st.info(t("card_unavailable_item", item=t("card_data")))
else:
    st.markdown(
        f"{bundle_text(prov.description)}\n\n- {t('card_n_train')}: {prov.n_train or '—'}\n- {t('card_n_test')}: {prov.n_test or '—'}\n- {t('card_code')}: {prov.code_version or '—'}"
    )
st.markdown(f"#### {t('card_metrics')}")
test = bundle.metrics.get("test")
if test:
    _quality(test)
    no_history = bundle.metrics.get("test_no_history")
    if no_history:
        st.markdown(f"**{t('card_no_history')}**")
        st.caption(t("card_no_history_help"))
        _quality(no_history)
    real = bundle.metrics.get("real_sample")
    if isinstance(real, dict) and real:
        _real_sample(real)
    if bundle.metrics.get("benchmark"):
        st.markdown(f"**{t('card_benchmark')}**")
        bench = pd.DataFrame(bundle.metrics["benchmark"]).round(4)
        if "model" in bench.columns:
            bench["model"] = [t_or(f"model_{m}", str(m)) for m in bench["model"]]
        numbers = {
            c: st.column_config.NumberColumn(t_or(f"bench_{c}", c), format="localized")
            for c in bench.columns
            if pd.api.types.is_numeric_dtype(bench[c])
        }
        safe_dataframe(
            bench.rename(columns=lambda c: c if c in numbers else t_or(f"bench_{c}", c)),
            hide_index=True,
            width="stretch",
            column_config=numbers,
        )
    if isinstance(bundle.metrics.get("family_gap"), dict) and bundle.metrics["family_gap"]:
        _family_gap(bundle.metrics["family_gap"])
else:
    st.info(t("card_unavailable_item", item=t("card_metrics")))
if isinstance(bundle.metrics.get("evaluation"), dict):
    _evaluation(bundle.metrics["evaluation"])
_calibration(bundle.metrics)
fairness_section(bundle, resources.version_key())
if isinstance(bundle.metrics.get("sensitive"), dict):
    _sensitive(bundle.metrics["sensitive"])
st.markdown(f"#### {t('card_limitations')}")
for item in bundle.limitations or [t("card_no_limitations")]:
    st.markdown(f"- {bundle_text(item)}")
if bundle.unavailable:
    st.warning(t("card_unavailable", items=", ".join(bundle.unavailable)))
with st.expander(t("card_hashes")):
    safe_dataframe(
        pd.DataFrame(sorted(bundle.hashes.items()), columns=[t("card_file"), "sha256"]),
        hide_index=True,
        width="stretch",
    )
with st.expander(t("card_features", n=len(schema.names))):
    safe_dataframe(_features_table(bundle), hide_index=True, width="stretch")
