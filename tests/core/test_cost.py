"""Cost maths against a brute-force reference on random data."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.cost import CostWeights, bootstrap_cost_band, confusion_at, cost_curve, optimal_threshold


def brute_force_costs(y, p, thresholds, w):
    return np.array(
        [w.fn * np.sum((p < t) & (y == 1)) + w.fp * np.sum((p >= t) & (y == 0)) for t in thresholds]
    )


@pytest.mark.parametrize("seed", range(5))
def test_cost_curve_matches_brute_force(seed):
    rng = np.random.default_rng(seed)
    n = 500
    y = (rng.random(n) < 0.1).astype(int)
    p = np.round(rng.random(n), 2)  # many ties
    w = CostWeights(fn=10, fp=1)
    curve = cost_curve(y, p, w)
    expected = brute_force_costs(y, p, curve["threshold"].to_numpy(), w)
    np.testing.assert_allclose(curve["cost"].to_numpy(), expected)
    assert (curve["tp"] + curve["fp"] + curve["tn"] + curve["fn"] == n).all()
    # every distinct decision rule is covered: brute force over a fine grid never beats the curve's minimum
    grid = np.linspace(0, 1.01, 2000)
    assert curve["cost"].min() <= brute_force_costs(y, p, grid, w).min()


@given(
    st.lists(st.tuples(st.integers(0, 1), st.floats(0, 1)), min_size=1, max_size=60),
    st.floats(0.5, 50),
    st.floats(0.1, 5),
)
@settings(max_examples=150, deadline=None)
def test_optimal_threshold_is_optimal(pairs, fn, fp):
    y = np.array([a for a, _ in pairs])
    p = np.array([b for _, b in pairs])
    w = CostWeights(fn=fn, fp=fp)
    t = optimal_threshold(y, p, w)
    best = confusion_at(y, p, t, w).cost
    candidates = np.r_[np.unique(p), 1.0 + 1e-9, 0.0]
    assert best <= brute_force_costs(y, p, candidates, w).min() + 1e-9


def test_optimal_threshold_unchanged_when_costs_scaled():
    rng = np.random.default_rng(1)
    y = (rng.random(2000) < 0.08).astype(int)
    p = np.clip(rng.normal(0.1 + 0.2 * y, 0.1), 0, 1)
    t1 = optimal_threshold(y, p, CostWeights(fn=10, fp=1))
    t2 = optimal_threshold(y, p, CostWeights(fn=100, fp=10))
    assert t1 == pytest.approx(t2)


def test_higher_fn_cost_lowers_threshold():
    rng = np.random.default_rng(2)
    y = (rng.random(3000) < 0.08).astype(int)
    p = np.clip(rng.normal(0.1 + 0.2 * y, 0.1), 0, 1)
    thresholds = [optimal_threshold(y, p, CostWeights(fn=fn, fp=1)) for fn in (2, 5, 10, 20, 50)]
    assert thresholds == sorted(thresholds, reverse=True)


def test_confusion_counts_and_rates():
    y = np.array([1, 1, 0, 0, 0])
    p = np.array([0.9, 0.2, 0.6, 0.1, 0.3])
    c = confusion_at(y, p, 0.5)
    assert (c.tp, c.fn, c.fp, c.tn) == (1, 1, 1, 2)
    assert c.cost == 10 * 1 + 1 * 1
    assert c.cost_per_client == pytest.approx(11 / 5)
    assert c.recall == 0.5 and c.precision == 0.5
    assert c.specificity == pytest.approx(2 / 3)
    assert c.acceptance_rate == pytest.approx(3 / 5)


@pytest.mark.parametrize(
    ("y", "p", "match"),
    [
        ([0, 1], [0.1], "must match"),
        ([], [], "at least one"),
        ([0, 2], [0.1, 0.2], "only 0"),
        ([0, 1], [0.1, 1.5], r"\[0, 1\]"),
        ([0, 1], [0.1, float("nan")], "finite"),
    ],
)
def test_bad_inputs_are_named(y, p, match):
    with pytest.raises(ValueError, match=match):
        cost_curve(np.array(y), np.array(p))


def test_cost_weights_reject_nonpositive_fn():
    with pytest.raises(ValueError, match="fn"):
        CostWeights(fn=0)


def test_bootstrap_band_contains_point_estimate():
    rng = np.random.default_rng(3)
    y = (rng.random(1000) < 0.1).astype(int)
    p = np.clip(rng.normal(0.1 + 0.3 * y, 0.1), 0, 1)
    band = bootstrap_cost_band(y, p, n_boot=100, seed=0)
    assert len(band) == 101
    assert (band["low"] <= band["high"]).all()
    inside = (band["low"] - 1e-9 <= band["cost_per_client"]) & (
        band["cost_per_client"] <= band["high"] + 1e-9
    )
    assert inside.mean() > 0.9
    # point estimate agrees with the exact confusion at the same thresholds
    for t in (0.2, 0.5):
        row = band.loc[np.isclose(band["threshold"], t)].iloc[0]
        assert row["cost_per_client"] == pytest.approx(confusion_at(y, p, t).cost_per_client)
    assert bootstrap_cost_band(y, p, n_boot=20, seed=5).equals(bootstrap_cost_band(y, p, n_boot=20, seed=5))


def _band_sorting_each_resample(y, p, weights, n_boot, seed):
    """The band as first written (one sort per resample): the oracle of the sort-once version."""
    grid = np.linspace(0.0, 1.0, 101)
    rng = np.random.default_rng(seed)

    def per_client(yb, pb):
        order = np.argsort(pb)
        ps, ys = pb[order], yb[order]
        k = np.searchsorted(ps, grid, side="left")
        pos_below = np.r_[0, np.cumsum(ys)][k]
        neg_above = (ys.size - k) - (ys.sum() - pos_below)
        return (weights.fn * pos_below + weights.fp * neg_above) / ys.size

    boots = np.empty((n_boot, grid.size))
    for b in range(n_boot):
        idx = rng.integers(0, y.size, y.size)
        boots[b] = per_client(y[idx], p[idx])
    alpha = (1 - 0.9) / 2  # as the band computes it (not exactly 0.05)
    return per_client(y, p), np.quantile(boots, alpha, axis=0), np.quantile(boots, 1 - alpha, axis=0)


@pytest.mark.parametrize("seed", range(4))
def test_bootstrap_band_is_the_same_resamples_sorted_once(seed):
    """Counting each client drawn gives bit for bit the band of sorting every resample (ties included)."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 3000))
    y = (rng.random(n) < 0.15).astype(int)
    p = np.round(np.clip(rng.normal(0.1 + 0.3 * y, 0.15), 0, 1), int(rng.integers(1, 4)))  # many ties
    weights = CostWeights(fn=float(rng.integers(1, 20)), fp=float(rng.random() + 0.5))
    band = bootstrap_cost_band(y, p, weights=weights, n_boot=60, seed=seed)
    point, low, high = _band_sorting_each_resample(y, p, weights, 60, seed)
    assert np.array_equal(band["cost_per_client"].to_numpy(), point)
    assert np.array_equal(band["low"].to_numpy(), low)
    assert np.array_equal(band["high"].to_numpy(), high)
