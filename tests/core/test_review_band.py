"""The grey zone's default band: the minimum of 10·FN + FP + c·reviews, against a brute force."""

from __future__ import annotations

import numpy as np
import pytest

from core.cost import CostWeights, optimal_review_band, review_band_at
from core.serving.review import GreyZone, parse_band


def _brute(y, p, t, c, w):
    lows = np.r_[0.0, np.unique(p[p < t]), t]
    highs = np.r_[t, np.unique(p[p >= t]), 1.0 + 1e-9]
    best = None
    for lo in lows:
        for hi in highs:
            review = (p >= lo) & (p < hi)
            cost = w.fn * ((p < t) & ~review & (y == 1)).sum() + w.fp * ((p >= t) & ~review & (y == 0)).sum()
            cost += c * review.sum()
            best = cost if best is None else min(best, cost)
    return best


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("c", [0.0, 0.4, 0.9, 3.0])
def test_the_band_minimises_the_cost_with_reviews(seed, c):
    rng = np.random.default_rng(seed)
    p = np.round(rng.random(80) ** 2, 2)  # ties
    y = (rng.random(80) < p).astype(int)
    t, w = 0.2, CostWeights()
    band = optimal_review_band(y, p, t, review_cost=c, weights=w)
    assert band.cost == pytest.approx(_brute(y, p, t, c, w))
    assert band.low <= t <= band.high
    again = review_band_at(y, p, t, low=band.low, high=band.high, review_cost=c, weights=w)
    assert (again.n_review, again.cost) == (band.n_review, pytest.approx(band.cost))
    assert band.cost <= band.cost_without_review + 1e-9


def test_an_expensive_review_sends_nobody():
    p = np.array([0.05, 0.1, 0.3, 0.6])
    y = np.array([0, 1, 0, 1])
    band = optimal_review_band(y, p, 0.2, review_cost=100.0)
    assert band.n_review == 0 and band.cost == band.cost_without_review
    zone = GreyZone(band.low, band.high, "optimised", 100.0, band)
    assert set(zone.statuses(p).tolist()) == {"not_required"}


def test_a_hand_made_case():
    # accepted below 0.5: a defaulter at 0.4 costs 10 if accepted, 1 if reviewed; refused above: a good
    # client at 0.55 costs 1 if refused, 1 if reviewed (a tie: not reviewed)
    p = np.array([0.1, 0.4, 0.55, 0.9])
    y = np.array([0, 1, 0, 1])
    band = optimal_review_band(y, p, 0.5, review_cost=1.0)
    assert band.n_review == 1 and band.low == pytest.approx(0.25) and band.high == 0.5
    zone = GreyZone(band.low, band.high, "optimised", 1.0)
    assert zone.statuses(p).tolist() == ["not_required", "to_review", "not_required", "not_required"]


def test_review_band_setting():
    assert parse_band("off") is None and parse_band("0.06, 0.11") == (0.06, 0.11)
    with pytest.raises(ValueError, match="REVIEW_BAND='lots'"):
        parse_band("lots")
    with pytest.raises(ValueError, match="LOW <= HIGH"):
        parse_band("0.2,0.1")
    with pytest.raises(ValueError, match="review_cost=-1"):
        optimal_review_band(np.array([0, 1]), np.array([0.1, 0.9]), 0.5, review_cost=-1)
