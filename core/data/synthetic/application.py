"""Synthetic application table: a Gaussian copula over every column, TARGET included."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from scipy import stats

from core.data.synthetic.sampling import (
    apply_missing,
    calibration,
    categorical_from_uniform,
    numeric_from_uniform,
    table_stats,
)
from core.data.tables import DAYS_SENTINEL, columns

_BUILDING = re.compile(r"_(AVG|MODE|MEDI)$")
_MISSING_GROUPS = {
    "building": lambda c: bool(_BUILDING.search(c)),
    "bureau_requests": lambda c: c.startswith("AMT_REQ_CREDIT_BUREAU_"),
    "social_circle": lambda c: c.endswith("_SOCIAL_CIRCLE"),
}


def _latent(rng: np.random.Generator, n: int) -> tuple[list[str], np.ndarray]:
    cop = table_stats("application")["copula"]
    corr = np.asarray(cop["corr"])
    chol = np.linalg.cholesky(corr)
    z = rng.standard_normal((n, corr.shape[0])) @ chol.T
    return cop["columns"], z


def generate_application(rng: np.random.Generator, n: int, first_id: int = 100001) -> pd.DataFrame:
    """``n`` clients with every application_train column; ``_RISK`` holds each client's risk latent.

    TARGET is 1 when the client's latent risk (correlated with every column as in the real data)
    exceeds the quantile giving the real default rate.
    """
    stats_app = table_stats("application")
    names, z = _latent(rng, n)
    u = stats.norm.cdf(z)
    col = {name: i for i, name in enumerate(names)}
    group_u = {g: rng.random(n) for g in _MISSING_GROUPS}
    data: dict[str, object] = {"SK_ID_CURR": np.arange(first_id, first_id + n)}
    risk = z[:, col["TARGET"]]
    rate = float(calibration()["target_rate"])
    data["TARGET"] = (risk > stats.norm.ppf(1 - rate)).astype(np.int64)
    for name in columns("application_train")[2:]:
        if name in stats_app["categorical"]:
            data[name] = categorical_from_uniform(stats_app["categorical"][name], u[:, col[name]])
            continue
        summary = stats_app["numeric"][name]
        values = numeric_from_uniform(summary, u[:, col[name]])
        if name == "OWN_CAR_AGE":  # missing exactly when the client owns no car (set below)
            data[name] = values
            continue
        shared = next((group_u[g] for g, match in _MISSING_GROUPS.items() if match(name)), None)
        data[name] = apply_missing(rng, summary, values, shared)
    frame = pd.DataFrame(data)
    frame["_RISK"] = risk
    return _make_coherent(frame, rng)


def _share(summary: dict, value: object) -> float:
    return float(sum(p for v, p in zip(summary["values"], summary["p"], strict=True) if v == value))


def _draw_except(rng: np.random.Generator, summary: dict, excluded: set, n: int) -> np.ndarray:
    """``n`` draws from a categorical summary without the ``excluded`` values (renormalised)."""
    kept = [(v, p) for v, p in zip(summary["values"], summary["p"], strict=True) if v not in excluded]
    values = np.array([v for v, _ in kept], dtype=object)
    probs = np.array([p for _, p in kept], dtype=float)
    return values[rng.choice(len(values), size=n, p=probs / probs.sum())] if n else values[:0]


def _make_coherent(frame: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Business rules the real data obeys, which independent marginals would break."""
    cats = table_stats("application")["categorical"]
    pension = frame["DAYS_EMPLOYED"] == DAYS_SENTINEL
    frame.loc[pension, "ORGANIZATION_TYPE"] = "XNA"
    frame.loc[pension, "NAME_INCOME_TYPE"] = "Pensioner"
    frame.loc[pension, "OCCUPATION_TYPE"] = None
    frame["FLAG_EMP_PHONE"] = (~pension).astype(np.int64)  # an employer's phone exactly when employed
    # the same columns for the employed: redraw what only pensioners have, from the other categories
    for col, only_pensioners in (("ORGANIZATION_TYPE", "XNA"), ("NAME_INCOME_TYPE", "Pensioner")):
        wrong = (~pension & (frame[col] == only_pensioners)).to_numpy()
        frame.loc[wrong, col] = _draw_except(rng, cats[col], {only_pensioners}, int(wrong.sum()))
    # pensioners have no occupation: give one to as many employed clients, keeping the real missing rate
    target = _share(cats["OCCUPATION_TYPE"], None)
    missing = frame["OCCUPATION_TYPE"].isna().to_numpy()
    excess = int(round((missing.mean() - target) * len(frame)))
    candidates = np.flatnonzero(missing & ~pension.to_numpy())
    if excess > 0 and len(candidates):
        chosen = rng.choice(candidates, size=min(excess, len(candidates)), replace=False)
        frame.loc[frame.index[chosen], "OCCUPATION_TYPE"] = _draw_except(
            rng, cats["OCCUPATION_TYPE"], {None}, len(chosen)
        )
    # employed for less time than the client has been an adult
    adult_days = frame["DAYS_BIRTH"] + 18 * 365
    too_long = ~pension & (frame["DAYS_EMPLOYED"] < adult_days)
    frame.loc[too_long, "DAYS_EMPLOYED"] = np.round(
        adult_days[too_long] * rng.uniform(0.1, 0.9, too_long.sum())
    )
    frame["CNT_FAM_MEMBERS"] = np.fmax(frame["CNT_FAM_MEMBERS"], frame["CNT_CHILDREN"] + 1)
    frame.loc[frame["FLAG_OWN_CAR"] == "N", "OWN_CAR_AGE"] = np.nan
    # goods price close to (and not above) the credit for most cash and consumer loans
    frame["AMT_GOODS_PRICE"] = np.where(
        frame["AMT_GOODS_PRICE"].notna(),
        np.fmin(frame["AMT_GOODS_PRICE"], frame["AMT_CREDIT"]),
        frame["AMT_GOODS_PRICE"],
    )
    frame["AMT_ANNUITY"] = np.fmin(frame["AMT_ANNUITY"], frame["AMT_CREDIT"] / 3)
    return frame
