"""An :class:`~core.training.evaluation.EvaluationReport` as terminal text and as a self-contained HTML page."""

from __future__ import annotations

import base64
import html
import io
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from core.training.evaluation import EvaluationReport  # noqa: E402

NAMES = {
    "roc_auc": "ROC AUC",
    "gini": "Gini",
    "ks": "KS",
    "cost_per_client": "cost per client (bundle's threshold)",
    "brier": "Brier score",
    "default_rate": "default rate",
}


def _fmt(v: Any, digits: int = 4) -> str:
    return f"{v:.{digits}f}" if isinstance(v, float) else str(v)


def _figure_lines(report: EvaluationReport) -> list[str]:
    level = int(100 * report.bootstrap["level"])
    return [
        f"{NAMES[k]:<38} {_fmt(v['value'])}  [{_fmt(v['low'])}, {_fmt(v['high'])}] ({level} %)"
        for k, v in report.figures.items()
    ]


def _confusion_line(name: str, c: dict[str, Any]) -> str:
    return (
        f"{name:<22} threshold {c['threshold']:.4f}: cost/client {c['cost_per_client']:.4f}  "
        f"TP {c['tp']} FP {c['fp']} TN {c['tn']} FN {c['fn']}  recall {c['recall']:.3f}  "
        f"acceptance {c['acceptance_rate']:.3f}"
    )


def report_text(report: EvaluationReport) -> str:
    """The report for a terminal."""
    lines = [
        f"bundle {report.bundle} on {report.data}",
        f"{report.n} clients scored ({report.n_rejected} rejected by validation, "
        f"{report.history_known} with a known history); costs FN {report.cost_weights['fn']:g}, FP {report.cost_weights['fp']:g}",
        "",
        *_figure_lines(report),
        "",
        _confusion_line("at the bundle's", report.at_threshold),
        _confusion_line("at this data's optimum", report.at_optimum),
        "  (the optimum is chosen on this population itself: an optimistic bound)",
        "",
        "reliability (mean predicted -> observed, n):",
        *[f"  {r['predicted']:.4f} -> {r['observed']:.4f}  ({r['n']})" for r in report.reliability],
        "",
        f"{'segment':<20} {'value':<28} {'n':>6} {'default':>8} {'accept':>7} {'AUC [95 %]':>22} {'cost/client [95 %]':>24}",
    ]
    for s in report.segments:
        auc = (
            f"{s['roc_auc']:.3f} [{s['roc_auc_low']:.3f}, {s['roc_auc_high']:.3f}]" if "roc_auc" in s else "—"
        )
        cost = (
            f"{s['cost_per_client']:.3f} [{s['cost_per_client_low']:.3f}, {s['cost_per_client_high']:.3f}]"
            if "cost_per_client" in s
            else "—"
        )
        lines.append(
            f"{s['segment']:<20} {s['value'][:28]:<28} {s['n']:>6} {s['default_rate']:>8.3f} "
            f"{s['acceptance_rate']:>7.3f} {auc:>22} {cost:>24}"
        )
    return "\n".join(lines)


def _png(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _plots(report: EvaluationReport) -> list[tuple[str, str]]:
    out = []
    fig, ax = plt.subplots(figsize=(4.5, 4))
    ax.plot(report.roc.get("fpr", []), report.roc.get("tpr", []), color="#1f4e79")
    ax.plot([0, 1], [0, 1], ls="--", color="grey", lw=0.8)
    auc = report.figures["roc_auc"]["value"]
    ax.set(xlabel="false positive rate", ylabel="true positive rate", title=f"ROC (AUC {auc:.3f})")
    out.append(("ROC curve", _png(fig)))
    fig, ax = plt.subplots(figsize=(4.5, 4))
    pred = [r["predicted"] for r in report.reliability]
    obs = [r["observed"] for r in report.reliability]
    top = max([*pred, *obs, 0.01]) * 1.1
    ax.plot([0, top], [0, top], ls="--", color="grey", lw=0.8)
    ax.plot(pred, obs, marker="o", color="#1f4e79")
    brier = report.figures["brier"]["value"]
    ax.set(
        xlabel="mean predicted probability",
        ylabel="observed default rate",
        title=f"Reliability (Brier {brier:.4f})",
    )
    out.append(("Reliability curve", _png(fig)))
    seg = [s for s in report.segments if "cost_per_client" in s]
    if seg:
        fig, ax = plt.subplots(figsize=(6, 0.35 * len(seg) + 1))
        labels = [f"{s['segment']}: {s['value']}" for s in seg]
        vals = [s["cost_per_client"] for s in seg]
        err = [
            [v - s["cost_per_client_low"] for v, s in zip(vals, seg, strict=True)],
            [s["cost_per_client_high"] - v for v, s in zip(vals, seg, strict=True)],
        ]
        ax.barh(labels, vals, xerr=err, color="#8fb3d9")
        ax.invert_yaxis()
        ax.set(xlabel="cost per client at the bundle's threshold (95 % interval)", title="By segment")
        out.append(("Cost by segment", _png(fig)))
    return out


def _table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "<p>—</p>"
    cols = list(dict.fromkeys(k for r in rows for k in r))
    head = "".join(f"<th>{html.escape(c)}</th>" for c in cols)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_fmt(r.get(c, '—')))}</td>" for c in cols) + "</tr>" for r in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def report_html(report: EvaluationReport) -> str:
    """A self-contained HTML page (plots embedded as PNG)."""
    figures = [
        {"figure": NAMES[k], "value": v["value"], "low (95 %)": v["low"], "high (95 %)": v["high"]}
        for k, v in report.figures.items()
    ]
    confusion = [
        {"at": "bundle's threshold", **report.at_threshold},
        {"at": "optimum on this data", **report.at_optimum},
    ]
    plots = "".join(
        f'<figure><img alt="{html.escape(t)}" src="data:image/png;base64,{b}"><figcaption>{html.escape(t)}</figcaption></figure>'
        for t, b in _plots(report)
    )
    e = html.escape
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Evaluation of {e(report.bundle)}</title>
<style>body{{font-family:system-ui,sans-serif;margin:2rem;max-width:1100px;color:#1b1b1b}}
table{{border-collapse:collapse;margin:.5rem 0 1.5rem;font-size:.9rem}}td,th{{border:1px solid #ccc;padding:.25rem .5rem;text-align:right}}
th{{background:#eef3f8}}td:first-child,th:first-child{{text-align:left}}figure{{display:inline-block;margin:0 1rem 1rem 0}}</style></head>
<body><h1>Model evaluation</h1>
<p>Bundle <code>{e(report.bundle)}</code> on <code>{e(report.data)}</code>: {report.n} clients scored,
{report.n_rejected} rejected by validation, {report.history_known} with a known credit history.
Business cost = {report.cost_weights["fn"]:g}·FN + {report.cost_weights["fp"]:g}·FP (positive class: default).
Intervals: {e(str(report.bootstrap["resamples"]))} bootstrap resamples, {e(report.bootstrap["method"])}.</p>
<h2>Figures</h2>{_table(figures)}
<h2>Decisions</h2>{_table(confusion)}
<p>The optimum is chosen on this population itself: an optimistic bound, not a threshold to deploy.</p>
<h2>Plots</h2>{plots}
<h2>Reliability</h2>{_table(report.reliability)}
<h2>By segment</h2>{_table(report.segments)}
</body></html>
"""
