"""Plotly figure builders: pure functions of data (tested directly, since AppTest cannot read plotly)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from core import NO_HISTORY
from core.monitoring.psi import MISSING_LABEL

ACCEPTED, REFUSED, NEUTRAL, INK = "#0072B2", "#D55E00", "#8C96A0", "#1B1F24"
TOWARD_DEFAULT, TOWARD_REPAYMENT = REFUSED, ACCEPTED
_LAYOUT = {
    "font": {"family": "sans-serif", "size": 13, "color": INK},
    "paper_bgcolor": "white",
    "plot_bgcolor": "white",
    "margin": {"l": 10, "r": 10, "t": 40, "b": 10},
}


def wrap(text: str, width: int = 32) -> str:
    """A long label on several lines (plotly breaks lines at ``<br>``), so that narrow charts keep it whole."""
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    return "<br>".join(lines)


def _unique(names: list[str]) -> list[str]:
    """Category names made distinct (plotly merges bars of equal names) without changing what is read."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, -1) + 1
        out.append(name + "\u200b" * seen[name])
    return out


def _rows_height(names: list[str], least: int) -> int:
    """Height of a chart's rows: plotly spaces rows evenly, so each gets the room of the longest label."""
    lines = max((n.count("<br>") + 1 for n in names), default=1)
    return len(names) * max(least, 16 * lines + 8)


def _style(fig: go.Figure, title: str, height: int = 320) -> go.Figure:
    fig.update_layout(title={"text": title, "x": 0, "font": {"size": 15}}, height=height, **_LAYOUT)
    fig.update_xaxes(gridcolor="#E6EAF0", zerolinecolor="#C9D1DB")
    fig.update_yaxes(gridcolor="#E6EAF0", zerolinecolor="#C9D1DB")
    return fig


def risk_gauge(
    probability: float,
    threshold: float,
    *,
    title: str,
    threshold_label: str,
    fmt: Callable[[float], str] = "{:.1%}".format,
) -> go.Figure:
    """Horizontal bar of the probability of default with the threshold marked (pattern + colour).

    ``fmt`` writes a probability for the reader (e.g. '3,7 %' in French).
    """
    refused = probability >= threshold
    fig = go.Figure(
        go.Bar(
            x=[probability], y=[""], orientation="h", width=0.5,
            marker={"color": REFUSED if refused else ACCEPTED, "pattern": {"shape": "/" if refused else ""}},
            text=[fmt(probability)], textposition="outside", cliponaxis=False, hoverinfo="skip",
        )
    )  # fmt: skip
    fig.add_vline(x=threshold, line={"color": INK, "width": 3, "dash": "dash"})
    fig.add_annotation(  # above the bar, so it never collides with the probability's text
        x=threshold,
        y=1,
        yref="paper",
        text=f"{threshold_label} {fmt(threshold)}",
        showarrow=False,
        yanchor="bottom",
        bgcolor="white",
    )
    upper = max(0.5, probability * 1.25, threshold * 1.6)
    fig.update_xaxes(range=[0, min(1.0, upper)], tickformat=".0%")
    fig.update_yaxes(visible=False)
    fig = _style(fig, title, height=190)
    fig.update_layout(margin={"t": 64})
    return fig


def group_rows(contributions: pd.DataFrame, names: list[str], *, into: str = NO_HISTORY) -> pd.DataFrame:
    """Contributions with the rows of ``names`` summed into one row ``into`` (value None), by |shap| desc.

    A new applicant's unknown history is one fact: its many features make one bar, as in the reasons.
    """
    grouped = contributions["feature"].isin(names)
    if not grouped.any():
        return contributions
    row = pd.DataFrame(
        {"feature": [into], "value": [None], "shap": [float(contributions.loc[grouped, "shap"].sum())],
         "percentile": [None]}
    )  # fmt: skip
    out = pd.concat([contributions[~grouped], row], ignore_index=True)
    order = np.argsort(-np.abs(out["shap"].to_numpy()), kind="stable")
    return out.iloc[order].reset_index(drop=True)


def waterfall(
    contributions: pd.DataFrame,
    base_value: float,
    *,
    labels: dict[str, str],
    top: int,
    title: str,
    others_label: str,
    base_label: str,
    total_label: str,
    fmt: Callable[[float], str] = "{:.2f}".format,
    x_label: str = "",
) -> go.Figure:
    """Local SHAP waterfall in log-odds, from the average score to the client's: top features, the rest grouped.

    ``fmt`` writes a log-odds number for the reader (e.g. '−0,40' in French); long labels are wrapped.
    """
    head = contributions.head(top)
    rest = float(contributions["shap"].iloc[top:].sum())
    deltas = [*head["shap"].tolist(), rest]
    raw = base_value + sum(deltas)
    names = _unique([wrap(labels.get(f, f), 30) for f in head["feature"]] + [others_label, total_label])
    texts = [("+" if d >= 0 else "−") + fmt(abs(d)) for d in deltas] + [fmt(raw)]
    fig = go.Figure(
        go.Waterfall(
            orientation="h", y=names, x=[*deltas, 0.0], base=base_value,
            measure=["relative"] * len(deltas) + ["total"], text=texts, textposition="outside",
            increasing={"marker": {"color": TOWARD_DEFAULT}}, decreasing={"marker": {"color": TOWARD_REPAYMENT}},
            totals={"marker": {"color": NEUTRAL}}, connector={"line": {"color": "#C9D1DB"}},
        )
    )  # fmt: skip
    fig.update_yaxes(
        autorange="reversed"
    )  # the biggest contribution on top, the client's score at the bottom
    fig.add_vline(x=base_value, line={"color": INK, "dash": "dot", "width": 1})
    ends = base_value + np.cumsum([0.0, *deltas])  # where each bar starts or ends
    pad = 0.18 * max(float(ends.max() - ends.min()), 1e-6)  # room for the texts outside the bars
    lo, hi = float(ends.min()) - pad, float(ends.max()) + pad
    fig.add_annotation(  # anchored on the side with room, so that a narrow chart never cuts it
        x=base_value,
        y=1,
        yref="paper",
        text=f"{base_label} {fmt(base_value)}",
        showarrow=False,
        yanchor="bottom",
        xanchor="right" if base_value > (lo + hi) / 2 else "left",
    )
    fig.update_xaxes(range=[lo, hi])
    if x_label:
        fig.update_xaxes(title=x_label)
    return _style(fig, title, height=100 + _rows_height(names, 34))


def population(
    values: pd.Series, client_value: float | str | None, *, title: str, client_label: str
) -> go.Figure:
    """Where the client stands in the reference population (histogram or category shares)."""
    fig = go.Figure()
    if pd.api.types.is_numeric_dtype(values) and not isinstance(client_value, str):
        clean = values.dropna()
        fig.add_trace(
            go.Histogram(
                x=clean, nbinsx=40, marker={"color": NEUTRAL}, hovertemplate="%{x}: %{y}<extra></extra>"
            )
        )
        if client_value is not None and not (isinstance(client_value, float) and np.isnan(client_value)):
            fig.add_vline(x=float(client_value), line={"color": INK, "width": 3})
            fig.add_annotation(
                x=float(client_value),
                y=1,
                yref="paper",
                text=client_label,
                showarrow=False,
                yanchor="bottom",
                bgcolor="white",
            )
    else:
        shares = values.fillna("—").astype(str).value_counts(normalize=True).head(12)
        colors = [INK if c == client_value else NEUTRAL for c in shares.index]
        fig.add_trace(go.Bar(x=shares.to_numpy(), y=shares.index, orientation="h", marker={"color": colors}))
        fig.update_xaxes(tickformat=".0%")
    fig.update_layout(showlegend=False, bargap=0.05)
    text = wrap(title, 34)
    extra = 18 * text.count("<br>")  # room for a title on several lines
    fig = _style(fig, text, height=230 + extra)
    fig.update_layout(margin={"t": 40 + extra})
    return fig


def score_distribution(
    proba: np.ndarray,
    threshold: float,
    *,
    title: str,
    x_label: str,
    names: tuple[str, str] = ("ACCEPTED", "REFUSED"),
) -> go.Figure:
    """Histogram of scores, accepted and refused in two colours and patterns, threshold marked."""
    proba = np.asarray(proba, dtype=float)
    upper = float(min(1.0, max(0.2, threshold * 2, float(proba.max(initial=0.0)) * 1.05)))
    bins = {"start": 0.0, "end": upper, "size": upper / 50}
    fig = go.Figure()
    fig.add_trace(
        go.Histogram(x=proba[proba < threshold], xbins=bins, name=names[0], marker={"color": ACCEPTED})
    )
    fig.add_trace(
        go.Histogram(
            x=proba[proba >= threshold],
            xbins=bins,
            name=names[1],
            marker={"color": REFUSED, "pattern": {"shape": "/"}},
        )
    )
    fig.add_vline(x=threshold, line={"color": INK, "width": 2, "dash": "dash"})
    fig.update_layout(barmode="stack", bargap=0.05, legend={"orientation": "h", "y": -0.25})
    fig.update_xaxes(title=x_label, tickformat=".0%", range=[0, upper])
    return _style(fig, title)


def cost_curve(
    curve: pd.DataFrame,
    band: pd.DataFrame | None,
    *,
    current: float,
    optimal: float,
    production: float,
    labels: dict[str, str],
    fmt: Callable[[float], str] = "{:.3f}".format,
) -> go.Figure:
    """Cost per client against the threshold, with its bootstrap band and three thresholds marked
    (each written with ``fmt`` in the legend: the page passes its language's)."""
    fig = go.Figure()
    if band is not None:
        fig.add_trace(
            go.Scatter(
                x=np.r_[band["threshold"], band["threshold"][::-1]],
                y=np.r_[band["high"], band["low"][::-1]],
                fill="toself",
                fillcolor="rgba(0,114,178,0.15)",
                line={"width": 0},
                name=labels["band"],
                hoverinfo="skip",
            )
        )
    fig.add_trace(
        go.Scatter(
            x=curve["threshold"],
            y=curve["cost_per_client"],
            mode="lines",
            line={"color": ACCEPTED, "width": 2},
            name=labels["cost"],
        )
    )
    for x, name, dash, color in (
        (optimal, labels["optimal"], "dot", REFUSED),
        (production, labels["production"], "dash", INK),
        (current, labels["current"], "solid", "#009E73"),
    ):
        fig.add_vline(x=x, line={"color": color, "dash": dash, "width": 2})
        fig.add_trace(
            go.Scatter(
                x=[x], y=[None], mode="lines", line={"color": color, "dash": dash}, name=f"{name} ({fmt(x)})"
            )
        )
    fig.update_xaxes(title=labels["x"], range=[0, 1])
    fig.update_yaxes(title=labels["y"])
    fig.update_layout(legend={"orientation": "h", "y": -0.25})
    return _style(fig, labels["title"], height=380)


def confusion(
    tp: int,
    fp: int,
    tn: int,
    fn: int,
    *,
    labels: dict[str, str],
    fmt: Callable[[float], str] = "{:,.0f}".format,
) -> go.Figure:
    """2x2 confusion matrix with counts written in each cell (with ``fmt``: the page's language)."""
    z = [[tn, fp], [fn, tp]]
    text = [
        [f"{labels['tn']}<br>{fmt(tn)}", f"{labels['fp']}<br>{fmt(fp)}"],
        [f"{labels['fn']}<br>{fmt(fn)}", f"{labels['tp']}<br>{fmt(tp)}"],
    ]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[labels["pred_accept"], labels["pred_refuse"]],
            y=[labels["true_repaid"], labels["true_default"]],
            text=text,
            texttemplate="%{text}",
            textfont={"size": 14, "color": INK},
            colorscale=[[0, "#F2F5F9"], [1, "#7FB2D5"]],
            showscale=False,
            hoverinfo="skip",
        )
    )
    fig.update_yaxes(autorange="reversed", title=labels.get("y_title", ""))
    fig.update_xaxes(title=labels.get("x_title", ""), side="top")
    return _style(fig, labels["title"], height=320)


def importance_bar(
    importance: pd.DataFrame,
    *,
    labels: dict[str, str],
    top: int,
    title: str,
    x_label: str,
    label_width: int = 34,
) -> go.Figure:
    """Mean |SHAP| of the most important features."""
    head = importance.head(top).iloc[::-1]
    fig = go.Figure(
        go.Bar(
            x=head["mean_abs_shap"],
            y=_unique([wrap(labels.get(f, f), label_width) for f in head["feature"]]),
            orientation="h",
            marker={"color": ACCEPTED},
        )
    )
    fig.update_xaxes(title=x_label)
    return _style(fig, title, height=60 + _rows_height(list(fig.data[0].y), 24))


def beeswarm(
    shap_values: np.ndarray,
    data: pd.DataFrame,
    features: list[str],
    *,
    labels: dict[str, str],
    title: str,
    x_label: str,
    scale: tuple[str, str, str] = ("value", "low", "high"),
    rng_seed: int = 0,
    label_width: int = 34,
) -> go.Figure:
    """SHAP summary: one dot per client and feature, coloured by the feature's value (low blue, high vermillion)."""
    rng = np.random.default_rng(rng_seed)
    fig = go.Figure()
    for i, feature in enumerate(features[::-1]):
        j = list(data.columns).index(feature)
        values = pd.to_numeric(data[feature], errors="coerce")
        rank = values.rank(pct=True).fillna(0.5).to_numpy()
        fig.add_trace(go.Scattergl(
            x=shap_values[:, j], y=i + rng.uniform(-0.3, 0.3, len(values)), mode="markers",
            marker={"size": 4, "color": rank, "colorscale": [[0, ACCEPTED], [0.5, "#E8E8E8"], [1, REFUSED]], "cmin": 0, "cmax": 1, "showscale": i == 0, "colorbar": {"title": scale[0], "tickvals": [0, 1], "ticktext": list(scale[1:]), "thickness": 12, "len": 0.6}},
            name=labels.get(feature, feature), hoverinfo="skip", showlegend=False,
        ))  # fmt: skip
    fig.update_yaxes(
        tickvals=list(range(len(features))),
        ticktext=[wrap(labels.get(f, f), label_width) for f in features[::-1]],
    )
    fig.update_xaxes(title=x_label, zeroline=True, zerolinewidth=2)
    return _style(
        fig, title, height=80 + _rows_height([wrap(labels.get(f, f), label_width) for f in features], 28)
    )


def dependence(frame: pd.DataFrame, *, title: str, x_label: str, y_label: str) -> go.Figure:
    """SHAP of one feature against its value over the reference sample."""
    fig = go.Figure(
        go.Scattergl(
            x=frame["value"],
            y=frame["shap"],
            mode="markers",
            marker={"size": 5, "color": ACCEPTED, "opacity": 0.5},
        )
    )
    fig.add_hline(y=0, line={"color": NEUTRAL})
    fig.update_xaxes(title=x_label)
    fig.update_yaxes(title=y_label)
    return _style(fig, title, height=360)


# ----------------------------------------------------------------------------- a stored client's history

#: colours of outcomes: the model's two decisions' colours for granted / refused, grey for the rest
STATUS_COLOURS = {"Approved": ACCEPTED, "Refused": REFUSED, "Active": ACCEPTED, "Closed": NEUTRAL,
                  "Bad debt": REFUSED, "Sold": "#CC79A7"}  # fmt: skip


def previous_applications(
    previous: pd.DataFrame, *, labels: dict[str, str], title: str, count_label: str, amount_label: str,
    fmt: Callable[[float], str],
) -> go.Figure:  # fmt: skip
    """Previous applications per outcome (NAME_CONTRACT_STATUS): how many, and the amount they asked for."""
    frame = previous.assign(status=previous["NAME_CONTRACT_STATUS"].fillna("?").astype(str))
    grouped = frame.groupby("status", sort=False).agg(
        n=("status", "size"), amount=("AMT_APPLICATION", lambda s: float(pd.to_numeric(s).fillna(0).sum()))
    )
    order = [s for s in ("Approved", "Refused", "Canceled", "Unused offer") if s in grouped.index]
    grouped = grouped.loc[order + [s for s in grouped.index if s not in order]]
    names = [labels.get(s, s) for s in grouped.index]
    fig = go.Figure(
        go.Bar(
            x=names, y=grouped["n"], marker_color=[STATUS_COLOURS.get(s, NEUTRAL) for s in grouped.index],
            text=grouped["n"], textposition="outside", cliponaxis=False,
            customdata=[fmt(a) for a in grouped["amount"]],
            hovertemplate="%{x}: %{y}<br>" + amount_label + ": %{customdata}<extra></extra>",
        )
    )  # fmt: skip
    fig.update_yaxes(title=count_label, rangemode="tozero", dtick=max(1, int(grouped["n"].max() // 5) or 1))
    return _style(fig, title, height=300)


def bureau_credits(
    bureau: pd.DataFrame, *, labels: dict[str, str], title: str, amount_label: str, debt_label: str,
    fmt: Callable[[float], str],
) -> go.Figure:  # fmt: skip
    """Credits at other institutions per status (active, closed…): total amount and outstanding debt."""
    frame = bureau.assign(
        status=bureau["CREDIT_ACTIVE"].fillna("?").astype(str),
        amount=pd.to_numeric(bureau["AMT_CREDIT_SUM"], errors="coerce").fillna(0.0),
        debt=pd.to_numeric(bureau["AMT_CREDIT_SUM_DEBT"], errors="coerce").fillna(0.0).clip(lower=0),
    )
    grouped = frame.groupby("status", sort=False).agg(n=("status", "size"), amount=("amount", "sum"),
                                                       debt=("debt", "sum"))  # fmt: skip
    order = [s for s in ("Active", "Closed", "Sold", "Bad debt") if s in grouped.index]
    grouped = grouped.loc[order + [s for s in grouped.index if s not in order]]
    names = [f"{labels.get(s, s)} ({n})" for s, n in zip(grouped.index, grouped["n"], strict=True)]
    fig = go.Figure()
    for column, name, colour in (("amount", amount_label, ACCEPTED), ("debt", debt_label, REFUSED)):
        fig.add_bar(
            x=names, y=grouped[column], name=name, marker_color=colour,
            text=[fmt(v) for v in grouped[column]], textposition="outside", cliponaxis=False,
            hovertemplate="%{x}<br>" + name + ": %{text}<extra></extra>",
        )  # fmt: skip
    fig.update_layout(barmode="group", legend={"orientation": "h", "y": -0.15})
    fig.update_yaxes(rangemode="tozero", showticklabels=False)
    return _style(fig, title, height=300)


def payments_per_year(
    payments: pd.DataFrame, *, title: str, year_label: Callable[[int], str],
    names: tuple[str, str, str],
) -> go.Figure:  # fmt: skip
    """Instalments per year (most recent on the right): paid on time and in full, paid late, paid short."""
    frame = payments.sort_values("years_ago", ascending=False)
    years = [year_label(int(y)) for y in frame["years_ago"]]
    total = frame["instalments"].astype(int)
    late, short = frame["late"].astype(int), frame["short"].astype(int)
    fig = go.Figure()
    for values, name, colour in (
        (total, names[0], NEUTRAL),
        (late, names[1], REFUSED),
        (short, names[2], "#E69F00"),
    ):
        fig.add_bar(x=years, y=values, name=name, marker_color=colour, textposition="outside", cliponaxis=False,
                    text=[str(v) if v else "" for v in values])  # fmt: skip
    fig.update_layout(barmode="group", legend={"orientation": "h", "y": -0.2})
    fig.update_yaxes(rangemode="tozero")
    fig.update_xaxes(tickangle=0)
    return _style(fig, title, height=300)


# ----------------------------------------------------------------------------- drift monitoring

BAND_COLOURS = {"stable": "#009E73", "watch": "#E69F00", "shift": REFUSED}


def psi_bars(
    table: pd.DataFrame, *, labels: dict[str, str], title: str, x_label: str, top: int = 15,
    band_names: dict[str, str] | None = None,
) -> go.Figure:  # fmt: skip
    """The features that drifted most (PSI), coloured by band, with the 0.1 and 0.25 limits."""
    rows = table.sort_values("psi", ascending=False).head(top).iloc[::-1]
    names = _unique([wrap(labels.get(f, f), 40) for f in rows["feature"]])
    band_names = band_names or {}
    fig = go.Figure(
        go.Bar(
            x=rows["psi"], y=names, orientation="h", marker_color=[BAND_COLOURS[b] for b in rows["band"]],
            text=[f"{p:.3f}" for p in rows["psi"]], textposition="outside", cliponaxis=False,
            customdata=[band_names.get(b, b) for b in rows["band"]],
            hovertemplate="%{y}: PSI %{x:.3f} (%{customdata})<extra></extra>",
        )
    )  # fmt: skip
    top_psi = float(rows["psi"].max()) if len(rows) else 0.3
    for limit in (0.1, 0.25):  # the band limits (named only where the scale leaves room for both)
        named = {"annotation_text": f"{limit}", "annotation_position": "top"} if top_psi < 1.5 else {}
        fig.add_vline(x=limit, line_dash="dot", line_color=INK, **named)
    fig.update_xaxes(title=x_label, range=[0, max(0.3, top_psi * 1.2)])
    fig.update_layout(margin={"l": 10, "r": 40, "t": 50, "b": 10})
    return _style(fig, title, height=max(260, _rows_height(names, 22) + 100))


def psi_bins(
    bins: pd.DataFrame, *, title: str, names: tuple[str, str], y_label: str, x_label: str,
    fmt: Callable[[float], str], missing: str = MISSING_LABEL,
) -> go.Figure:  # fmt: skip
    """Share of the reference and of the current population in each bin of one feature (or the score);
    ``missing`` names the bin of missing values in the page's language."""
    labels = [_bin_label(r, fmt, missing) for r in bins.itertuples()]
    fig = go.Figure()
    for column, name, colour in (
        ("reference_share", names[0], NEUTRAL),
        ("current_share", names[1], ACCEPTED),
    ):
        fig.add_bar(x=labels, y=bins[column] * 100, name=name, marker_color=colour,
                    hovertemplate="%{x}<br>" + name + ": %{y:.1f}%<extra></extra>")  # fmt: skip
    fig.update_layout(barmode="group", legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0})
    fig.update_yaxes(title=y_label, rangemode="tozero", ticksuffix="%")
    fig.update_xaxes(title=x_label, type="category", tickangle=-35)
    fig = _style(fig, title, height=380)
    fig.update_layout(margin={"l": 10, "r": 10, "t": 70, "b": 10})
    return fig


def _bin_label(row: object, fmt: Callable[[float], str], missing: str = MISSING_LABEL) -> str:
    lower, upper = getattr(row, "lower", None), getattr(row, "upper", None)
    lower = None if lower is None or lower != lower else lower
    upper = None if upper is None or upper != upper else upper
    if lower is None and upper is None:
        label = str(getattr(row, "label", ""))
        return missing if label == MISSING_LABEL else label
    if lower is None:
        return f"≤ {fmt(upper)}"  # type: ignore[arg-type]
    if upper is None:
        return f"> {fmt(lower)}"
    return f"{fmt(lower)}–{fmt(upper)}"


def daily_rates(
    daily: pd.DataFrame, *, title: str, names: tuple[str, str, str], rate_label: str, count_label: str,
) -> go.Figure:  # fmt: skip
    """Decisions per day (bars) with the acceptance and override rates (lines, right axis)."""
    days = pd.to_datetime(daily["day"]).dt.strftime("%Y-%m-%d")
    fig = go.Figure()
    fig.add_bar(x=days, y=daily["decisions"], name=names[0], marker_color="#D7DDE4", yaxis="y")
    for column, name, colour in (
        ("acceptance_rate", names[1], ACCEPTED),
        ("override_rate", names[2], REFUSED),
    ):
        fig.add_scatter(x=days, y=daily[column] * 100, name=name, mode="lines+markers", yaxis="y2",
                        line={"color": colour, "width": 2})  # fmt: skip
    fig.update_layout(
        yaxis={"title": count_label, "rangemode": "tozero"},
        yaxis2={"title": rate_label, "overlaying": "y", "side": "right", "range": [0, 105], "ticksuffix": "%",
                "showgrid": False, "tickvals": [0, 20, 40, 60, 80, 100]},
        legend={"orientation": "h", "y": -0.25}, xaxis={"type": "category"},
    )  # fmt: skip
    return _style(fig, title, height=340)


def latency_bars(latency: pd.DataFrame, *, title: str, labels: dict[str, str], y_label: str) -> go.Figure:
    """p50 / p90 / p99 latency per channel (ms)."""
    names = [labels.get(c, c) for c in latency["channel"]]
    fig = go.Figure()
    for column, colour in (("p50_ms", "#56B4E9"), ("p90_ms", ACCEPTED), ("p99_ms", "#003F63")):
        fig.add_bar(x=names, y=latency[column], name=column.removesuffix("_ms"), marker_color=colour,
                    text=[f"{v:.0f}" for v in latency[column]], textposition="outside", cliponaxis=False)  # fmt: skip
    fig.update_layout(barmode="group", legend={"orientation": "h", "y": -0.2})
    fig.update_yaxes(title=y_label, rangemode="tozero")
    return _style(fig, title, height=300)


def reliability(table: pd.DataFrame, *, title: str, x_label: str, y_label: str) -> go.Figure:
    """Reliability curve: observed default rate against the mean predicted probability per bin."""
    top = float(max(table["predicted"].max(), table["observed"].max(), 0.01)) * 1.1
    fig = go.Figure(
        [
            go.Scatter(x=[0, top], y=[0, top], mode="lines", line={"color": NEUTRAL, "dash": "dash"}, hoverinfo="skip"),
            go.Scatter(x=table["predicted"], y=table["observed"], mode="lines+markers", line={"color": ACCEPTED},
                       customdata=table["n"], hovertemplate="%{x:.3f} → %{y:.3f} (n=%{customdata})<extra></extra>"),
        ]
    )  # fmt: skip
    fig.update_layout(showlegend=False)
    fig.update_xaxes(title=x_label, range=[0, top])
    fig.update_yaxes(title=y_label, range=[0, top])
    return _style(fig, title, height=340)
