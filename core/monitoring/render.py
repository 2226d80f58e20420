"""A drift report as JSON, as a spreadsheet-safe CSV, or as one self-contained HTML page."""

from __future__ import annotations

import json
import math
from html import escape
from typing import Any

import pandas as pd

from core.export import neutralise_formulas
from core.monitoring.psi import SHARE_FLOOR, SHIFT_ABOVE, STABLE_BELOW, Band, FeatureDrift
from core.monitoring.report import DriftReport

#: Background colour of each band in the HTML report (green, amber, red; readable as text too).
BAND_COLOURS: dict[Band, str] = {"stable": "#d8f0dc", "watch": "#fbe7b5", "shift": "#f6c6c2"}


def _number(value: Any) -> Any:
    """A JSON-safe value: NaN and infinities as null, numpy scalars unwrapped, dates in ISO 8601."""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _records(frame: pd.DataFrame | None) -> list[dict[str, Any]] | None:
    if frame is None:
        return None
    return [{k: _number(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]


def _drift_dict(drift: FeatureDrift) -> dict[str, Any]:
    return {
        "name": drift.name,
        "kind": drift.kind,
        "psi": drift.psi,
        "band": drift.band,
        "n_reference": drift.n_reference,
        "n_current": drift.n_current,
        "edges": list(drift.edges),
        "bins": [{k: _number(v) for k, v in vars(b).items()} for b in drift.bins],
    }


def to_dict(report: DriftReport) -> dict[str, Any]:
    """The report as plain JSON-ready data (what :func:`to_json` writes)."""
    return {
        "bundle": {"name": report.bundle_name, "version": report.bundle_version},
        "created_at": report.created_at,
        "source": report.source,
        "n_reference": report.n_reference,
        "n_current": report.n_current,
        "bands": {"stable_below": STABLE_BELOW, "shift_above": SHIFT_ABOVE, "share_floor": SHARE_FLOOR},
        "counts": report.counts,
        "score": _drift_dict(report.score),
        "features": [_drift_dict(f) for f in report.features],
        "daily": _records(report.daily),
        "latency": _records(report.latency),
    }


def to_json(report: DriftReport) -> str:
    """The report as JSON (strict: no NaN; missing figures are null)."""
    return json.dumps(to_dict(report), indent=1, ensure_ascii=False, allow_nan=False)


def to_csv(report: DriftReport) -> str:
    """One row per feature (the score first): scope, feature, kind, psi, band, counts; formulas neutralised."""
    rows = [("score", report.score), *(("feature", f) for f in report.features)]
    frame = pd.DataFrame(
        [(scope, d.name, d.kind, d.psi, d.band, d.n_reference, d.n_current) for scope, d in rows],
        columns=["scope", "feature", "kind", "psi", "band", "n_reference", "n_current"],
    )
    return str(neutralise_formulas(frame).to_csv(index=False))


# ---------------------------------------------------------------------------- HTML
_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2em auto;max-width:70em;
color:#1d1d1f;line-height:1.4}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em}
table{border-collapse:collapse;margin:.5em 0}th,td{padding:.25em .6em;border-bottom:1px solid #ddd;
text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}
.band{padding:.1em .5em;border-radius:.3em;font-weight:600}
.bar{display:inline-block;height:.7em;background:#6b8fb5}.bar.cur{background:#c2753d}
details{margin:.4em 0}summary{cursor:pointer}.note{color:#555;font-size:.9em}
"""


def _band(band: Band) -> str:
    return f'<span class="band" style="background:{BAND_COLOURS[band]}">{escape(band)}</span>'


def _bar(share: float, cls: str) -> str:
    return f'<span class="bar {cls}" style="width:{max(share * 12, 0):.2f}em"></span>'


def _bin_table(drift: FeatureDrift) -> str:
    head = "<tr><th>bin</th><th>reference</th><th>current</th><th>contribution</th></tr>"
    rows = "".join(
        f"<tr><td>{escape(b.label)}</td>"
        f'<td class="n">{b.reference_share:.1%} {_bar(b.reference_share, "ref")}</td>'
        f'<td class="n">{b.current_share:.1%} {_bar(b.current_share, "cur")}</td>'
        f'<td class="n">{b.contribution:.4f}</td></tr>'
        for b in drift.bins
    )
    return f"<table>{head}{rows}</table>"


def _feature_section(drift: FeatureDrift, *, open_: bool = False) -> str:
    return (
        f"<details{' open' if open_ else ''}><summary><b>{escape(drift.name)}</b> ({drift.kind}) — "
        f"PSI {drift.psi:.4f} {_band(drift.band)}</summary>{_bin_table(drift)}</details>"
    )


def _summary_table(report: DriftReport) -> str:
    head = "<tr><th>#</th><th>feature</th><th>kind</th><th>PSI</th><th>band</th></tr>"
    rows = "".join(
        f'<tr><td class="n">{i}</td><td>{escape(f.name)}</td><td>{f.kind}</td>'
        f'<td class="n">{f.psi:.4f}</td><td>{_band(f.band)}</td></tr>'
        for i, f in enumerate(report.features, start=1)
    )
    return f"<table>{head}{rows}</table>"


def _frame_table(frame: pd.DataFrame) -> str:
    def cell(v: Any) -> str:
        if isinstance(v, float):
            return "—" if not math.isfinite(v) else f"{v:.3f}"
        return escape(str(v))

    head = "".join(f"<th>{escape(str(c))}</th>" for c in frame.columns)
    rows = "".join(
        "<tr>" + "".join(f"<td>{cell(v)}</td>" for v in row) + "</tr>"
        for row in frame.itertuples(index=False)
    )
    return f"<table><tr>{head}</tr>{rows}</table>"


def to_html(report: DriftReport) -> str:
    """A self-contained HTML page (inline CSS, no script): counts, score drift, one table per feature."""
    counts = " ".join(f"{_band(b)} {n}" for b, n in report.counts.items())
    parts = [
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
        f"<title>Drift report — {escape(report.bundle_name)} {escape(report.bundle_version)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>Drift report — {escape(report.bundle_name)} {escape(report.bundle_version)}</h1>",
        f"<p>{report.n_current} current rows{' (' + escape(report.source) + ')' if report.source else ''} "
        f"against the bundle's reference sample of {report.n_reference} clients; made {escape(report.created_at)}.</p>",
        f'<p class="note">Population stability index: PSI = Σ (cur% − ref%)·ln(cur%/ref%) over the '
        f"reference's bins; below {STABLE_BELOW} stable, {STABLE_BELOW}–{SHIFT_ABOVE} watch, above "
        f"{SHIFT_ABOVE} shift. Empty bins count as {SHARE_FLOOR:.0e} of a population.</p>",
        f"<p>Features by band: {counts}</p>",
        "<h2>Score: probability of default</h2>",
        _feature_section(report.score, open_=True),
        "<h2>Features, by PSI</h2>",
        _summary_table(report),
    ]
    if report.daily is not None:
        parts += ["<h2>Decisions per day</h2>", _frame_table(report.daily)]
    if report.latency is not None:
        parts += ["<h2>Latency per channel (ms)</h2>", _frame_table(report.latency)]
    parts += ["<h2>Bins of each feature</h2>", *(_feature_section(f) for f in report.features)]
    parts.append("</body></html>")
    return "\n".join(parts)
