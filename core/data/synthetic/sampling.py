"""Sampling from the calibration's marginals: quantile functions, category frequencies, missingness."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

from core.data.tables import DAYS_SENTINEL

CALIBRATION_FILE = Path(__file__).resolve().parent.parent / "calibration.json"


@lru_cache(maxsize=1)
def calibration() -> dict[str, Any]:
    """The generator's calibration (summary statistics of the real samples)."""
    return json.loads(CALIBRATION_FILE.read_text(encoding="utf-8"))


def table_stats(table: str) -> dict[str, Any]:
    """Calibration of one table (``application`` for the application tables)."""
    return calibration()["tables"][table]


def risk_uniform(rng: np.random.Generator, z: np.ndarray, rho: float) -> np.ndarray:
    """Uniforms correlated with the risk latent ``z`` (Gaussian copula with correlation ``rho``)."""
    eps = rng.standard_normal(z.shape[0])
    return stats.norm.cdf(rho * z + np.sqrt(1 - rho**2) * eps)


def numeric_from_uniform(summary: dict[str, Any], u: np.ndarray) -> np.ndarray:
    """Inverse-CDF sample of a numeric column (sentinel share at the top, rounded if integer)."""
    out = np.full(u.shape, np.nan)
    sentinel = float(summary.get("sentinel", 0.0))
    is_sentinel = u > 1 - sentinel
    scaled = np.clip(u / (1 - sentinel), 0, 1) if sentinel < 1 else u
    if "support" in summary:  # discrete column: inverse CDF of the frequency table
        cum = np.cumsum(summary["p"])
        idx = np.minimum(np.searchsorted(cum / cum[-1], scaled, side="right"), len(cum) - 1)
        out = np.asarray(summary["support"], dtype=float)[idx]
    elif summary.get("q") is not None:
        q = summary["q"]
        out = np.interp(scaled, np.linspace(0, 1, len(q)), q)
    else:
        return out
    if summary.get("integer"):
        out = np.round(out)
    out[is_sentinel] = DAYS_SENTINEL
    return out


def apply_missing(
    rng: np.random.Generator, summary: dict[str, Any], values: np.ndarray, u: np.ndarray | None = None
) -> np.ndarray:
    """Blank a share ``summary['missing']`` of values; ``u`` (shared uniforms) makes columns missing together."""
    rate = float(summary.get("missing", 0.0))
    if rate <= 0:
        return values
    draws = np.asarray(rng.random(values.shape[0]) if u is None else u)
    values = values.astype(float, copy=True)
    values[draws < rate] = np.nan
    return values


def sample_numeric(
    rng: np.random.Generator, summary: dict[str, Any], n: int, u: np.ndarray | None = None
) -> np.ndarray:
    """Sample a numeric column from its marginal, with its missing share."""
    u = rng.random(n) if u is None else u
    return apply_missing(rng, summary, numeric_from_uniform(summary, u))


def categorical_from_uniform(summary: dict[str, Any], u: np.ndarray) -> np.ndarray:
    """Category for each uniform (None for a missing value), in the calibration's category order."""
    values = np.array(summary["values"], dtype=object)
    cum = np.cumsum(summary["p"])
    idx = np.searchsorted(cum / cum[-1], u, side="right")
    return values[np.minimum(idx, len(values) - 1)]


def sample_categorical(rng: np.random.Generator, summary: dict[str, Any], n: int) -> np.ndarray:
    """Sample a categorical column from its frequencies (None = missing)."""
    return categorical_from_uniform(summary, rng.random(n))


def child_counts(
    rng: np.random.Generator,
    n: int,
    *,
    p_none: float,
    mean_if_any: float,
    z: np.ndarray | None = None,
    beta: float = 0.0,
) -> np.ndarray:
    """Number of child rows per parent: zero-inflated ``1 + Poisson``; ``beta`` ties the mean to risk ``z``."""
    lam = np.full(n, max(mean_if_any - 1, 0.0))
    if z is not None and beta:
        lam = lam * np.exp(beta * z - beta**2 / 2)
    counts = 1 + rng.poisson(lam)
    counts[rng.random(n) < p_none] = 0
    return counts


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Logistic function."""
    return 1 / (1 + np.exp(-x))
