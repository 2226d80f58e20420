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


@dataclass(frozen=True)
class ReviewBand:
    """A band of probabilities ``[low, high)`` around the threshold whose applications a person reviews,
    with what it costs on labelled predictions (a reviewed application is taken to be decided right:
    it costs ``review_cost`` and no error)."""

    low: float
    high: float
    threshold: float
    review_cost: float
    n: int
    n_review: int
    cost: float  # w_fn·FN + w_fp·FP outside the band + review_cost·n_review
    cost_without_review: float  # the same clients decided by the threshold alone

    @property
    def review_share(self) -> float:
        """Share of the clients sent to review."""
        return self.n_review / self.n if self.n else 0.0

    @property
    def cost_per_client(self) -> float:
        """Cost per client with the band."""
        return self.cost / self.n if self.n else 0.0

    @property
    def cost_per_client_without_review(self) -> float:
        """Cost per client with the threshold alone."""
        return self.cost_without_review / self.n if self.n else 0.0


def _between(a: float, b: float) -> float:
    """Midway between two neighbouring scores (a < b), so that neither moves for a rounding."""
    mid = (a + b) / 2
    return mid if a < mid <= b else b


def optimal_review_band(
    y_true: np.ndarray,
    proba: np.ndarray,
    threshold: float,
    *,
    review_cost: float,
    weights: CostWeights | None = None,
) -> ReviewBand:
    """The band ``[low, high)`` around ``threshold`` minimising ``w_fn·FN + w_fp·FP + review_cost·reviews``.

    Below the threshold an application is accepted: reviewing the riskiest accepted ones saves ``w_fn``
    per defaulter among them; above it, reviewing the least risky refused ones saves ``w_fp`` per good
    client. The two sides are independent given the threshold, so each is one sort and one cumulative
    sum (O(n log n)). Ties go to the smaller band; bounds are placed midway between neighbouring scores.
    """
    if not review_cost >= 0:
        raise ValueError(f"review_cost={review_cost!r} is not valid: the cost of a review must be >= 0.")
    w = weights or CostWeights()
    y, p = _check(y_true, proba)
    order = np.argsort(p, kind="stable")
    ps, ys = p[order], y[order]
    cut = int(np.searchsorted(ps, threshold, side="left"))  # ps[:cut] accepted (p < threshold)
    pa, ya, pr, yr = ps[:cut], ys[:cut], ps[cut:], ys[cut:]
    # accepted side: the first k stay accepted, the others (p >= low) are reviewed; split between values
    fn_kept = np.r_[0, np.cumsum(ya)]
    k = np.arange(cut + 1)
    splits_a = np.r_[True, pa[1:] != pa[:-1], True] if cut else np.array([True])
    cost_a = np.where(splits_a, w.fn * fn_kept + review_cost * (cut - k), np.inf)
    ka = int(np.flatnonzero(cost_a == cost_a.min())[-1])  # ties: the smallest band
    # refused side: the first j (lowest p) are reviewed, the rest stay refused
    m = len(pr)
    good_reviewed = np.r_[0, np.cumsum(1 - yr)]
    j = np.arange(m + 1)
    splits_r = np.r_[True, pr[1:] != pr[:-1], True] if m else np.array([True])
    cost_r = np.where(splits_r, review_cost * j + w.fp * (good_reviewed[-1] - good_reviewed), np.inf)
    jr = int(np.flatnonzero(cost_r == cost_r.min())[0])
    low = float(threshold) if ka == cut else (_between(pa[ka - 1], pa[ka]) if ka > 0 else 0.0)
    if jr == 0:
        high = float(threshold)
    elif jr == m:
        high = float(np.nextafter(pr[-1], np.inf))
    else:
        high = _between(pr[jr - 1], pr[jr])
    low, high = min(low, float(threshold)), max(high, float(threshold))
    return ReviewBand(
        low=low, high=high, threshold=float(threshold), review_cost=float(review_cost), n=int(y.size),
        n_review=int((cut - ka) + jr), cost=float(cost_a[ka] + cost_r[jr]),
        cost_without_review=float(w.fn * ya.sum() + w.fp * (1 - yr).sum()),
    )  # fmt: skip


def review_band_at(
    y_true: np.ndarray,
    proba: np.ndarray,
    threshold: float,
    *,
    low: float,
    high: float,
    review_cost: float,
    weights: CostWeights | None = None,
) -> ReviewBand:
    """What a given band ``[low, high)`` sends to review and costs on labelled predictions."""
    if not low <= threshold <= high:
        raise ValueError(f"the review band [{low}, {high}) must contain the threshold {threshold}.")
    w = weights or CostWeights()
    y, p = _check(y_true, proba)
    review = (p >= low) & (p < high)
    refused = p >= threshold
    fn = int((~refused & ~review & (y == 1)).sum())
    fp = int((refused & ~review & (y == 0)).sum())
    return ReviewBand(
        low=float(low), high=float(high), threshold=float(threshold), review_cost=float(review_cost),
        n=int(y.size), n_review=int(review.sum()), cost=float(w.fn * fn + w.fp * fp + review_cost * review.sum()),
        cost_without_review=float(w.fn * (~refused & (y == 1)).sum() + w.fp * (refused & (y == 0)).sum()),
    )  # fmt: skip
