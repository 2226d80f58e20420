"""Decision-log figures: acceptance and override rates per day, latency percentiles per channel."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest

from core.monitoring.decisions import (
    DAILY_COLUMNS,
    LATENCY_COLUMNS,
    daily_rates,
    latency_percentiles,
    load_decision_log,
)


@pytest.fixture()
def log() -> pd.DataFrame:
    rows = [
        # day 1: 4 decisions (3 accepted, 1 of them later overridden), 1 override event, 1 refused input
        ("2026-03-01 08:00", "api", "decision", "ACCEPTED", False, 10.0),
        ("2026-03-01 09:00", "api", "decision", "ACCEPTED", True, 20.0),
        ("2026-03-01 10:00", "dashboard", "decision", "ACCEPTED", False, 30.0),
        ("2026-03-01 23:59", "dashboard", "decision", "REFUSED", False, None),
        ("2026-03-01 12:00", "dashboard", "override", "REFUSED", False, None),
        ("2026-03-01 13:00", "api", "refused_input", None, False, 5.0),
        # day 2: one refused decision
        ("2026-03-02 00:00", "cli", "decision", "REFUSED", None, 40.0),
        # day 3: only a refused input (no decision: no rates)
        ("2026-03-03 07:00", "api", "refused_input", None, False, 1.0),
    ]
    frame = pd.DataFrame(
        rows, columns=["created_at", "channel", "kind", "decision", "overridden", "latency_ms"]
    )
    frame["created_at"] = pd.to_datetime(frame["created_at"])
    return frame


def test_daily_rates(log):
    daily = daily_rates(log)
    assert list(daily.columns) == DAILY_COLUMNS
    assert [d.isoformat() for d in daily["day"]] == ["2026-03-01", "2026-03-02", "2026-03-03"]
    first = daily.iloc[0]
    assert (first["decisions"], first["accepted"], first["refused"]) == (4, 3, 1)
    assert first["acceptance_rate"] == 3 / 4 and first["override_rate"] == 1 / 4
    assert (first["overridden"], first["overrides"], first["refused_inputs"]) == (1, 1, 1)
    assert daily.iloc[1]["acceptance_rate"] == 0.0 and daily.iloc[1]["override_rate"] == 0.0
    assert np.isnan(daily.iloc[2]["acceptance_rate"]) and daily.iloc[2]["refused_inputs"] == 1


def test_days_are_utc_days(log):
    aware = log.assign(created_at=log["created_at"].dt.tz_localize("Europe/Paris"))
    # 2026-03-02 00:00 in Paris is 2026-03-01 23:00 UTC: the cli decision joins the first day
    daily = daily_rates(aware)
    assert daily.iloc[0]["decisions"] == 5


def test_latency_percentiles(log):
    lat = latency_percentiles(log)
    assert list(lat.columns) == LATENCY_COLUMNS
    assert lat["channel"].tolist() == ["api", "cli", "dashboard"]  # events without a latency left out
    api = lat.set_index("channel").loc["api"]
    assert api["count"] == 4
    assert api["p50_ms"] == pytest.approx(np.percentile([10, 20, 5, 1], 50))
    assert api["p99_ms"] == pytest.approx(np.percentile([10, 20, 5, 1], 99))
    assert lat.set_index("channel").loc["dashboard", "count"] == 1


def test_empty_log_gives_empty_tables(log):
    assert daily_rates(log.iloc[:0]).empty and list(daily_rates(log.iloc[:0]).columns) == DAILY_COLUMNS
    assert latency_percentiles(log.iloc[:0]).empty


def test_missing_columns_are_named(log):
    with pytest.raises(ValueError, match=r"lacks columns \['overridden'\]"):
        daily_rates(log.drop(columns="overridden"))


def test_the_decision_log_is_read_through_the_store(monkeypatch, log):
    calls = []

    class FakeStore:
        @staticmethod
        def decisions_frame(since, until):
            calls.append((since, until))
            return log

    monkeypatch.setitem(sys.modules, "core.store", FakeStore)
    since = datetime(2026, 3, 1, tzinfo=UTC)
    assert load_decision_log(since) is log and calls == [(since, None)]


def test_no_store_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "core.store", None)  # import of core.store fails
    with pytest.raises(ValueError, match="the decision log is not available: "):
        load_decision_log(datetime(2026, 3, 1, tzinfo=UTC))
