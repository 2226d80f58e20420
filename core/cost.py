"""Business cost of decisions and threshold maths.

Convention: the positive class is **default** (TARGET = 1). A client is REFUSED when their
probability of default is >= the threshold. A false negative (FN) is a defaulter who was
accepted; a false positive (FP) is a good client who was refused. Costs are positive numbers
to be minimised: ``cost = w_fn * FN + w_fp * FP``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field


class CostWeights(BaseModel):
    """Cost of each kind of error (positive, minimised). Default: a missed defaulter costs 10."""

    model_config = ConfigDict(frozen=True)

    fn: float = Field(10.0, gt=0, description="cost of accepting a client who defaults")
    fp: float = Field(1.0, ge=0, description="cost of refusing a client who would have repaid")


@dataclass(frozen=True)
class ConfusionAtThreshold:
    """Confusion counts and business figures at one threshold."""

    threshold: float
    tp: int
    fp: int
    tn: int
    fn: int
    cost: float
    cost_per_client: float
    recall: float
    precision: float
    specificity: float
    acceptance_rate: float

    @property
    def n(self) -> int:
        """Number of clients."""
        return self.tp + self.fp + self.tn + self.fn


def _check(y_true: np.ndarray, proba: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y_true).astype(float).ravel()
    p = np.asarray(proba, dtype=float).ravel()
    if y.shape != p.shape:
        raise ValueError(f"y_true has {y.size} values but proba has {p.size}; they must match.")
    if y.size == 0:
        raise ValueError("no clients: the cost needs at least one labelled prediction.")
    if not np.isin(y, (0.0, 1.0)).all():
        raise ValueError("y_true must contain only 0 (repaid) and 1 (default).")
    if not np.isfinite(p).all() or (p < 0).any() or (p > 1).any():
        raise ValueError("proba must contain finite probabilities in [0, 1].")
    return y.astype(int), p


def _safe_div(a: float, b: float) -> float:
    return float(a / b) if b else 0.0


def confusion_at(
    y_true: np.ndarray, proba: np.ndarray, threshold: float, weights: CostWeights | None = None
) -> ConfusionAtThreshold:
    """Confusion counts, cost, recall/precision/specificity when refusing ``proba >= threshold``."""
    w = weights or CostWeights()
    y, p = _check(y_true, proba)
    refused = p >= threshold
    tp = int((refused & (y == 1)).sum())
    fp = int((refused & (y == 0)).sum())
    fn = int((~refused & (y == 1)).sum())
    tn = int((~refused & (y == 0)).sum())
    cost = w.fn * fn + w.fp * fp
    return ConfusionAtThreshold(
        threshold=float(threshold),
        tp=tp,
        fp=fp,
        tn=tn,
        fn=fn,
        cost=float(cost),
        cost_per_client=cost / y.size,
        recall=_safe_div(tp, tp + fn),
        precision=_safe_div(tp, tp + fp),
        specificity=_safe_div(tn, tn + fp),
        acceptance_rate=_safe_div(tn + fn, y.size),
    )


def cost_curve(y_true: np.ndarray, proba: np.ndarray, weights: CostWeights | None = None) -> pd.DataFrame:
    """Cost at every distinct threshold, in O(n log n): sort once, cumulative sums.

    Candidate thresholds are the distinct predicted probabilities plus a value above the
    maximum (refuse nobody). Returns one row per threshold, ascending, with columns
    ``threshold, tp, fp, tn, fn, cost, cost_per_client, recall, precision, acceptance_rate``.
    """
    w = weights or CostWeights()
    y, p = _check(y_true, proba)
    order = np.argsort(-p, kind="stable")
    p_sorted, y_sorted = p[order], y[order]
    # Refusing everyone with proba >= t: positives/negatives among the top-k scores.
    tp_cum = np.cumsum(y_sorted)
    fp_cum = np.cumsum(1 - y_sorted)
    last_of_value = np.r_[p_sorted[1:] != p_sorted[:-1], True]
    thresholds = p_sorted[last_of_value]
    tp = tp_cum[last_of_value]
    fp = fp_cum[last_of_value]
    # Add "refuse nobody": a threshold above every score (midway to 1 when possible).
    top = float(p_sorted[0])
    refuse_nobody = (top + 1.0) / 2 if top < 1.0 else float(np.nextafter(1.0, np.inf))
    thresholds = np.r_[refuse_nobody, thresholds]
    tp = np.r_[0, tp]
    fp = np.r_[0, fp]
    pos, n = int(y.sum()), y.size
    fn = pos - tp
    tn = (n - pos) - fp
    cost = w.fn * fn + w.fp * fp
    with np.errstate(invalid="ignore", divide="ignore"):
        recall = np.where(pos > 0, tp / max(pos, 1), 0.0)
        precision = np.where(tp + fp > 0, tp / np.maximum(tp + fp, 1), 0.0)
    frame = pd.DataFrame(
        {
            "threshold": thresholds,
            "tp": tp,
            "fp": fp,
            "tn": tn,
            "fn": fn,
            "cost": cost.astype(float),
            "cost_per_client": cost / n,
            "recall": recall,
            "precision": precision,
            "acceptance_rate": (tn + fn) / n,
        }
    )
    return frame.iloc[::-1].reset_index(drop=True)


def optimal_threshold(y_true: np.ndarray, proba: np.ndarray, weights: CostWeights | None = None) -> float:
    """Threshold minimising ``w_fn*FN + w_fp*FP``; ties go to the lowest cost then highest threshold.

    The returned threshold is placed midway between the two neighbouring scores, so that the
    decision is stable for scores near it. When refusing nobody is optimal it is above every
    score (and may exceed 1 only when some score equals 1).
    """
    curve = cost_curve(y_true, proba, weights)
    costs = curve["cost"].to_numpy()
    best = int(np.flatnonzero(costs == costs.min())[-1])
    t = float(curve["threshold"].iloc[best])
    if 0 < best < len(curve) - 1:
        # midway to the next lower distinct score: same confusion counts, more margin
        mid = (t + float(curve["threshold"].iloc[best - 1])) / 2
        t = mid if mid > float(curve["threshold"].iloc[best - 1]) else t
    return t


def bootstrap_cost_band(
    y_true: np.ndarray,
    proba: np.ndarray,
    *,
    weights: CostWeights | None = None,
    grid: np.ndarray | None = None,
    n_boot: int = 200,
    level: float = 0.9,
    seed: int = 0,
) -> pd.DataFrame:
    """Bootstrap confidence band of the cost per client on a threshold grid.

    Returns columns ``threshold, cost_per_client, low, high`` (percentile interval at ``level``).
    The scores are sorted once: a resample is the count of each client drawn, and its cost on the
    whole grid is two cumulative sums of those counts read at the grid's positions (no sort per
    resample, no Python loop over thresholds).
    """
    w = weights or CostWeights()
    y, p = _check(y_true, proba)
    grid = np.linspace(0.0, 1.0, 101) if grid is None else np.asarray(grid, dtype=float)
    rng = np.random.default_rng(seed)
    order = np.argsort(p, kind="stable")
    ys = y[order]
    k = np.searchsorted(p[order], grid, side="left")  # clients accepted (proba < t), per threshold
    rank = np.empty(y.size, dtype=np.int64)
    rank[order] = np.arange(y.size)  # where each client sits in the sorted order

    def per_client(counts: np.ndarray) -> np.ndarray:
        # counts[j]: how many times the j-th client (sorted by score) is in the sample
        accepted = np.r_[0, np.cumsum(counts)][k]
        pos_below = np.r_[0, np.cumsum(counts * ys)][k]  # defaulters accepted
        neg_above = (y.size - accepted) - (int((counts * ys).sum()) - pos_below)  # good clients refused
        return (w.fn * pos_below + w.fp * neg_above) / y.size

    point = per_client(np.ones(y.size, dtype=np.int64))
    boots = np.empty((n_boot, grid.size))
    for b in range(n_boot):
        idx = rng.integers(0, y.size, y.size)
        boots[b] = per_client(np.bincount(rank[idx], minlength=y.size))
    alpha = (1 - level) / 2
    return pd.DataFrame(
        {
            "threshold": grid,
            "cost_per_client": point,
            "low": np.quantile(boots, alpha, axis=0),
            "high": np.quantile(boots, 1 - alpha, axis=0),
        }
    )
