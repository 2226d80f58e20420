"""Synthetic Home Credit history: previous applications and their POS, instalment and card balances."""

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
from core.data.tables import DAYS_SENTINEL, SYNTHETIC_ID_START, columns

_STATUS = np.array(["Approved", "Canceled", "Refused", "Unused offer"], dtype=object)


def generate_previous(
    rng: np.random.Generator,
    clients: pd.DataFrame,
    behaviour: np.ndarray,
    first_id: int = SYNTHETIC_ID_START["SK_ID_PREV"],
) -> pd.DataFrame:
    """Previous applications: ~4.9 per client, ~5 % with none; risky clients are refused more often."""
    st = table_stats("previous_application")
    z_client = behaviour
    counts = child_counts(rng, len(clients), p_none=0.05, mean_if_any=5.2, z=z_client, beta=0.1)
    n = int(counts.sum())
    owner = np.repeat(np.arange(len(clients)), counts)
    z = z_client[owner]
    out: dict[str, object] = {
        "SK_ID_PREV": first_id + rng.permutation(n),
        "SK_ID_CURR": clients["SK_ID_CURR"].to_numpy()[owner],
    }
    for name in columns("previous_application")[2:]:
        if name in st["categorical"]:
            out[name] = sample_categorical(rng, st["categorical"][name], n)
        else:
            out[name] = sample_numeric(rng, st["numeric"][name], n)
    frame = pd.DataFrame(out)
    p_refused = sigmoid(-1.75 + 0.75 * z)
    r = rng.random(n)
    status = np.where(
        r < p_refused, 2, np.where(r < p_refused + 0.19, 1, np.where(r < p_refused + 0.21, 3, 0))
    )
    frame["NAME_CONTRACT_STATUS"] = _STATUS[status]
    refused = status == 2
    approved = status == 0
    frame.loc[~refused, "CODE_REJECT_REASON"] = "XAP"
    frame.loc[refused & (frame["CODE_REJECT_REASON"] == "XAP"), "CODE_REJECT_REASON"] = "HC"
    # credit close to the amount applied for; nothing granted when not approved
    ratio = np.clip(rng.normal(1.0, 0.1, n), 0.6, 1.4)
    frame["AMT_CREDIT"] = np.where(
        approved | (rng.random(n) < 0.5), (frame["AMT_APPLICATION"] * ratio).round(1), 0.0
    )
    frame["DAYS_DECISION"] = np.minimum(frame["DAYS_DECISION"], -1)
    first_due = frame["DAYS_DECISION"] + rng.integers(10, 60, n)
    cnt = frame["CNT_PAYMENT"].fillna(12).clip(1, 60)
    last_due = first_due + 30 * (cnt - 1)
    frame["DAYS_FIRST_DUE"] = np.where(approved, np.minimum(first_due, -1), np.nan)
    frame["DAYS_LAST_DUE_1ST_VERSION"] = np.where(approved, last_due, np.nan)
    frame["DAYS_LAST_DUE"] = np.where(approved, np.where(last_due > 0, DAYS_SENTINEL, last_due), np.nan)
    frame["DAYS_TERMINATION"] = np.where(
        approved, np.where(last_due > 0, DAYS_SENTINEL, last_due + 5), np.nan
    )
    frame["DAYS_FIRST_DRAWING"] = np.where(approved, DAYS_SENTINEL, np.nan)
    frame["CNT_PAYMENT"] = np.where(approved, cnt, frame["CNT_PAYMENT"])
    return frame[columns("previous_application")]


def _months(
    prev: pd.DataFrame, rng: np.random.Generator, max_months: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row owners and MONTHS_BALANCE for monthly histories of approved loans (up to ``max_months``)."""
    start_month = np.minimum((prev["DAYS_FIRST_DUE"].to_numpy() / 30.4).astype(int), -1)
    length = np.clip(prev["CNT_PAYMENT"].to_numpy().astype(int), 1, max_months)
    length = np.minimum(length, -start_month)
    owner = np.repeat(np.arange(len(prev)), length)
    k = np.arange(int(length.sum())) - np.repeat(np.cumsum(length) - length, length)
    return owner, start_month[owner] + k, length


def generate_pos_cash(rng: np.random.Generator, prev: pd.DataFrame, risk: pd.Series) -> pd.DataFrame:
    """Monthly POS/cash loan balances of approved non-revolving loans; risk drives days past due."""
    loans = prev[
        (prev["NAME_CONTRACT_STATUS"] == "Approved") & (prev["NAME_CONTRACT_TYPE"] != "Revolving loans")
    ]
    loans = loans[rng.random(len(loans)) < 0.8]
    owner, month, length = _months(loans, rng, 24)
    z = risk.reindex(loans["SK_ID_CURR"]).to_numpy()[owner]
    n = len(owner)
    cnt = loans["CNT_PAYMENT"].to_numpy()[owner]
    k = month - month[np.r_[0, np.cumsum(length)[:-1]]][np.repeat(np.arange(len(loans)), length)]
    future = np.maximum(cnt - k - 1, 0)
    late = rng.random(n) < sigmoid(-4.0 + 0.9 * z)
    dpd = np.where(late, rng.geometric(0.08, n), 0)
    status = np.where(future == 0, "Completed", "Active").astype(object)
    return pd.DataFrame(
        {
            "SK_ID_PREV": loans["SK_ID_PREV"].to_numpy()[owner],
            "SK_ID_CURR": loans["SK_ID_CURR"].to_numpy()[owner],
            "MONTHS_BALANCE": month,
            "CNT_INSTALMENT": cnt,
            "CNT_INSTALMENT_FUTURE": future.astype(float),
            "NAME_CONTRACT_STATUS": status,
            "SK_DPD": dpd,
            "SK_DPD_DEF": np.where(rng.random(n) < 0.3, dpd, 0),
        }
    )


def generate_installments(rng: np.random.Generator, prev: pd.DataFrame, risk: pd.Series) -> pd.DataFrame:
    """Instalments due and paid for approved loans: risky clients pay later and less."""
    loans = prev[(prev["NAME_CONTRACT_STATUS"] == "Approved") & prev["DAYS_FIRST_DUE"].notna()]
    loans = loans[rng.random(len(loans)) < 0.85]
    owner, month, length = _months(loans, rng, 36)
    n = len(owner)
    z = risk.reindex(loans["SK_ID_CURR"]).to_numpy()[owner]
    number = np.arange(n) - np.repeat(np.cumsum(length) - length, length) + 1
    due = loans["DAYS_FIRST_DUE"].to_numpy()[owner] + 30.0 * (number - 1)
    annuity = loans["AMT_ANNUITY"].fillna(loans["AMT_ANNUITY"].median()).to_numpy()[owner]
    late = rng.random(n) < sigmoid(-2.7 + 0.8 * z)
    delay = np.where(late, rng.gamma(1.2, 12, n).round() + 1, -rng.gamma(1.5, 6, n).round())
    paid_ratio = np.where(rng.random(n) < sigmoid(-4.0 + 0.7 * z), rng.uniform(0.1, 0.95, n), 1.0)
    paid_ratio[rng.random(n) < 0.03] = 1.5  # some clients pay in advance
    return pd.DataFrame(
        {
            "SK_ID_PREV": loans["SK_ID_PREV"].to_numpy()[owner],
            "SK_ID_CURR": loans["SK_ID_CURR"].to_numpy()[owner],
            "NUM_INSTALMENT_VERSION": np.where(
                number == 1, 1.0, rng.choice([0.0, 1.0, 2.0], n, p=[0.25, 0.65, 0.1])
            ),
            "NUM_INSTALMENT_NUMBER": number,
            "DAYS_INSTALMENT": due,
            "DAYS_ENTRY_PAYMENT": np.where(rng.random(n) < 0.0005, np.nan, np.minimum(due + delay, -1)),
            "AMT_INSTALMENT": annuity.round(3),
            "AMT_PAYMENT": (annuity * paid_ratio).round(3),
        }
    )


def generate_credit_card(rng: np.random.Generator, prev: pd.DataFrame, risk: pd.Series) -> pd.DataFrame:
    """Monthly card balances of revolving loans; risky clients use more of their limit and the ATM."""
    st = table_stats("credit_card_balance")
    cards = prev[
        (prev["NAME_CONTRACT_TYPE"] == "Revolving loans") & (prev["NAME_CONTRACT_STATUS"] == "Approved")
    ]
    length = rng.integers(3, 60, len(cards))
    owner = np.repeat(np.arange(len(cards)), length)
    n = len(owner)
    month = np.arange(n) - np.repeat(np.cumsum(length), length)
    z = risk.reindex(cards["SK_ID_CURR"]).to_numpy()[owner]
    out: dict[str, object] = {
        "SK_ID_PREV": cards["SK_ID_PREV"].to_numpy()[owner],
        "SK_ID_CURR": cards["SK_ID_CURR"].to_numpy()[owner],
        "MONTHS_BALANCE": month,
    }
    for name in columns("credit_card_balance")[3:]:
        if name in st["categorical"]:
            out[name] = sample_categorical(rng, st["categorical"][name], n)
        else:
            out[name] = sample_numeric(rng, st["numeric"][name], n)
    frame = pd.DataFrame(out)
    limit = np.maximum(frame["AMT_CREDIT_LIMIT_ACTUAL"].to_numpy(), 1.0)
    utilisation = risk_uniform(rng, z, 0.45) * 1.05
    utilisation[rng.random(n) < 0.35] = 0.0
    frame["AMT_BALANCE"] = (limit * utilisation).round(3)
    atm = rng.random(n) < sigmoid(-1.6 + 0.6 * z)
    frame["CNT_DRAWINGS_ATM_CURRENT"] = np.where(
        frame["CNT_DRAWINGS_ATM_CURRENT"].isna(), np.nan, np.where(atm, rng.geometric(0.4, n), 0.0)
    )
    frame["AMT_DRAWINGS_ATM_CURRENT"] = np.where(
        frame["AMT_DRAWINGS_ATM_CURRENT"].isna(),
        np.nan,
        np.where(atm, (limit * rng.beta(1, 6, n)).round(-2), 0.0),
    )
    late = rng.random(n) < sigmoid(-4.2 + 0.9 * z)
    frame["SK_DPD"] = np.where(late, rng.geometric(0.1, n), 0)
    frame["SK_DPD_DEF"] = np.where(late & (rng.random(n) < 0.4), frame["SK_DPD"], 0)
    return frame[columns("credit_card_balance")]
