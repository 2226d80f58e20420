"""Synthetic Credit Bureau tables: bureau (credits at other institutions) and bureau_balance (monthly)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.data.synthetic.sampling import (
    child_counts,
    risk_uniform,
    sample_categorical,
    sample_numeric,
    sigmoid,
    table_stats,
)
from core.data.tables import SYNTHETIC_ID_START, columns


def generate_bureau(
    rng: np.random.Generator,
    clients: pd.DataFrame,
    behaviour: np.ndarray,
    first_id: int = SYNTHETIC_ID_START["SK_ID_BUREAU"],
) -> pd.DataFrame:
    """Bureau credits: ~4.8 per client on average, ~14 % of clients with none; risk drives overdue and debt."""
    st = table_stats("bureau")
    counts = child_counts(rng, len(clients), p_none=0.14, mean_if_any=5.6, z=behaviour, beta=0.1)
    n = int(counts.sum())
    owner = np.repeat(np.arange(len(clients)), counts)
    z = behaviour[owner]
    out: dict[str, object] = {
        "SK_ID_CURR": clients["SK_ID_CURR"].to_numpy()[owner],
        "SK_ID_BUREAU": first_id + rng.permutation(n),
    }
    for name in columns("bureau")[2:]:
        if name in st["categorical"]:
            out[name] = sample_categorical(rng, st["categorical"][name], n)
        else:
            out[name] = sample_numeric(rng, st["numeric"][name], n)
    frame = pd.DataFrame(out)
    active = frame["CREDIT_ACTIVE"] == "Active"
    # a credit ends after it starts; closed credits have an actual end date, active ones none
    frame["DAYS_CREDIT"] = np.minimum(frame["DAYS_CREDIT"], -1)
    duration = rng.gamma(2.0, 400, n).round()
    frame["DAYS_CREDIT_ENDDATE"] = np.where(
        frame["DAYS_CREDIT_ENDDATE"].isna(), np.nan, frame["DAYS_CREDIT"] + duration
    )
    frame["DAYS_ENDDATE_FACT"] = np.where(
        active, np.nan, np.minimum(frame["DAYS_CREDIT"] + duration * rng.uniform(0.6, 1.2, n), -1).round()
    )
    frame["DAYS_CREDIT_UPDATE"] = np.maximum(frame["DAYS_CREDIT_UPDATE"], frame["DAYS_CREDIT"])
    # debt: a share of the credit that grows with risk; zero once closed
    share = risk_uniform(rng, z, 0.35)
    debt = np.round(frame["AMT_CREDIT_SUM"].fillna(0) * share * 1.1, 2)
    frame["AMT_CREDIT_SUM_DEBT"] = np.where(
        active, debt, np.where(frame["AMT_CREDIT_SUM_DEBT"].isna(), np.nan, 0.0)
    )
    # overdue now, and the maximum ever overdue, both more likely for risky clients
    overdue_now = active & (rng.random(n) < sigmoid(-4.8 + 1.1 * z))
    frame["CREDIT_DAY_OVERDUE"] = np.where(overdue_now, rng.gamma(1.5, 40, n).round() + 1, 0).astype(np.int64)
    frame["AMT_CREDIT_SUM_OVERDUE"] = np.where(overdue_now, (debt * rng.uniform(0.02, 0.3, n)).round(2), 0.0)
    ever = rng.random(n) < sigmoid(-2.6 + 0.9 * z)
    max_overdue = frame["AMT_CREDIT_MAX_OVERDUE"]
    frame["AMT_CREDIT_MAX_OVERDUE"] = np.where(
        max_overdue.isna(),
        np.nan,
        np.where(ever, (frame["AMT_CREDIT_SUM"].fillna(0) * rng.beta(1, 12, n)).round(2), 0.0),
    )
    frame["CNT_CREDIT_PROLONG"] = np.where(rng.random(n) < sigmoid(-5 + 0.6 * z), 1, 0).astype(np.int64)
    return frame[columns("bureau")]


def generate_bureau_balance(
    rng: np.random.Generator, bureau: pd.DataFrame, risk_by_client: pd.Series
) -> pd.DataFrame:
    """Monthly statuses for ~48 % of bureau credits (C closed, X unknown, 0-5 days-past-due buckets)."""
    covered = bureau[rng.random(len(bureau)) < 0.48]
    months = np.clip((-covered["DAYS_CREDIT"].to_numpy() / 30.4).astype(int) + 1, 1, 96)
    n = int(months.sum())
    owner = np.repeat(np.arange(len(covered)), months)
    start = np.repeat(np.cumsum(months) - months, months)
    age = np.arange(n) - start  # months since the first record, 0 = oldest
    month_balance = age - np.repeat(months, months) + 1  # ... -2, -1, 0
    z = risk_by_client.reindex(covered["SK_ID_CURR"]).to_numpy()[owner]
    closed = (covered["CREDIT_ACTIVE"].to_numpy() == "Closed")[owner]
    end_fact = covered["DAYS_ENDDATE_FACT"].to_numpy()[owner]
    closed_months = np.where(np.isnan(end_fact), 0, -end_fact / 30.4)
    status = np.full(n, "0", dtype=object)
    status[rng.random(n) < 0.22] = "X"
    late = rng.random(n) < sigmoid(-4.3 + 1.0 * z)
    bucket = np.minimum(1 + rng.geometric(0.6, n) - 1, 5)
    status[late] = bucket[late].astype(str)
    status[closed & (-month_balance < closed_months)] = "C"
    return pd.DataFrame(
        {
            "SK_ID_BUREAU": covered["SK_ID_BUREAU"].to_numpy()[owner],
            "MONTHS_BALANCE": month_balance,
            "STATUS": status,
        }
    )
