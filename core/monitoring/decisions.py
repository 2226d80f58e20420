"""Figures from the decision log: acceptance and override rates per day, latency per channel.

A decision-log frame has one row per logged event: ``created_at`` (UTC), ``channel`` (dashboard,
api or cli), ``kind`` (``decision`` — a model decision —, ``override`` — an officer replacing one —
or ``refused_input`` — a record that could not be scored), ``decision`` (ACCEPTED / REFUSED, None for
refused inputs), ``overridden`` (whether a decision was later overridden by an officer) and
``latency_ms``. :func:`core.store.decisions_frame` reads such a frame from the store, adding each
decision's model features and ``probability``.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd

LOG_COLUMNS = ("created_at", "channel", "kind", "decision", "overridden", "latency_ms")
DAILY_COLUMNS = [
    "day", "decisions", "accepted", "refused", "acceptance_rate",
    "overridden", "override_rate", "overrides", "refused_inputs",
]  # fmt: skip
LATENCY_COLUMNS = ["channel", "count", "p50_ms", "p90_ms", "p99_ms"]


def check_log(log: pd.DataFrame, needed: tuple[str, ...] = LOG_COLUMNS) -> None:
    """Raise a ValueError naming the columns a decision-log frame lacks."""
    missing = [c for c in needed if c not in log.columns]
    if missing:
        raise ValueError(
            f"the decision-log frame lacks columns {missing}; it needs {list(needed)} "
            "(see core.store.decisions_frame)."
        )


def _days(created_at: pd.Series) -> pd.Series:
    """The UTC calendar day of each timestamp (naive timestamps are taken as UTC)."""
    stamps = pd.to_datetime(created_at, utc=True)
    return stamps.dt.date


def _flag(values: pd.Series) -> pd.Series:
    """True / False per row; a missing flag is False."""
    return values.astype("boolean").fillna(False).astype(bool)


def daily_rates(log: pd.DataFrame) -> pd.DataFrame:
    """Decisions, acceptance rate and override rate per UTC day, oldest day first.

    ``acceptance_rate`` is the share of the day's model decisions that were ACCEPTED; ``override_rate``
    the share of them that an officer later overrode (``overridden``); ``overrides`` counts the
    override events logged that day and ``refused_inputs`` the records that could not be scored.
    A day without a model decision has no rates (NaN).
    """
    check_log(log, ("created_at", "kind", "decision", "overridden"))
    if log.empty:
        return pd.DataFrame(columns=DAILY_COLUMNS)
    frame = pd.DataFrame(
        {
            "day": _days(log["created_at"]).to_numpy(),
            "is_decision": (log["kind"] == "decision").to_numpy(),
            "accepted": ((log["kind"] == "decision") & (log["decision"] == "ACCEPTED")).to_numpy(),
            "refused": ((log["kind"] == "decision") & (log["decision"] == "REFUSED")).to_numpy(),
            "overridden": ((log["kind"] == "decision") & _flag(log["overridden"])).to_numpy(),
            "overrides": (log["kind"] == "override").to_numpy(),
            "refused_inputs": (log["kind"] == "refused_input").to_numpy(),
        }
    )
    out = frame.groupby("day", sort=True).sum().reset_index().rename(columns={"is_decision": "decisions"})
    decisions = out["decisions"].where(out["decisions"] > 0)  # NaN rather than a division by zero
    out["acceptance_rate"] = out["accepted"] / decisions
    out["override_rate"] = out["overridden"] / decisions
    return out[DAILY_COLUMNS]


def latency_percentiles(log: pd.DataFrame) -> pd.DataFrame:
    """Latency percentiles (p50, p90, p99, in ms) and event count per channel, over logged latencies.

    Events without a latency (None / NaN) are left out; a channel without any is not listed.
    """
    check_log(log, ("channel", "latency_ms"))
    timed = pd.DataFrame(
        {
            "channel": log["channel"].astype(object),
            "latency": pd.to_numeric(log["latency_ms"], errors="coerce"),
        }
    ).dropna()
    rows = []
    for channel, group in timed.groupby("channel", sort=True):
        p50, p90, p99 = np.percentile(group["latency"].to_numpy(dtype=float), [50, 90, 99])
        rows.append((str(channel), len(group), float(p50), float(p90), float(p99)))
    return pd.DataFrame(rows, columns=LATENCY_COLUMNS)


def load_decision_log(since: datetime, until: datetime | None = None) -> pd.DataFrame:
    """The decision log between ``since`` and ``until`` (UTC), read by :func:`core.store.decisions_frame`.

    The store is imported here, lazily: monitoring works from frames without a database, and a
    missing or older store gives one clear ValueError.
    """
    try:
        from core.store import decisions_frame
    except ImportError as exc:
        raise ValueError(f"the decision log is not available: {exc}.") from None
    frame = decisions_frame(since, until)
    check_log(frame)
    return frame
