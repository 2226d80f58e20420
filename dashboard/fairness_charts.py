"""The fairness page's figure: acceptance rate by group with its interval and the four-fifths line (pure)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.charts import ACCEPTED, INK, REFUSED, _style, wrap


def acceptance_by_group(
    table: pd.DataFrame,
    *,
    title: str,
    x_label: str,
    rule_label: str,
    fmt: Callable[[float], str],
    rule: float = 0.8,
) -> go.Figure:
    """Horizontal bars of each group's acceptance rate (flagged groups hatched, orange), their bootstrap
    intervals, and the line at ``rule`` times the best group's rate (below it: the four-fifths rule fails)."""
    rate = table["acceptance_rate"].to_numpy(dtype=float)
    # the rate is written in the row's label: a hatched bar cannot carry readable text
    names = [wrap(f"{g} · {fmt(r)}", 28) for g, r in zip(table["group"], rate, strict=True)]
    flag = table["flag"].to_numpy(dtype=bool)
    fig = go.Figure(
        go.Bar(
            x=rate, y=names, orientation="h",
            marker={"color": [REFUSED if f else ACCEPTED for f in flag],
                    "pattern": {"shape": ["/" if f else "" for f in flag]}},
            error_x={"type": "data", "symmetric": False, "color": INK,
                     "array": table["acceptance_rate_high"].to_numpy(dtype=float) - rate,
                     "arrayminus": rate - table["acceptance_rate_low"].to_numpy(dtype=float)},
            hovertemplate="%{y}: %{x:.1%}<extra></extra>",
        )
    )  # fmt: skip
    line = rule * float(np.nanmax(rate)) if len(rate) else 0.0
    fig.add_vline(x=line, line={"color": INK, "width": 2, "dash": "dash"})
    fig.add_annotation(
        x=line, y=1, yref="paper", text=f"{rule_label} {fmt(line)}", showarrow=False, yanchor="bottom",
        bgcolor="white",
    )  # fmt: skip
    fig.update_xaxes(title=x_label, range=[0, 1], tickformat=".0%")
    fig.update_yaxes(autorange="reversed")
    return _style(fig, title, height=120 + 38 * len(names))
