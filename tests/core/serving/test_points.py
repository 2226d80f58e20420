"""The points score: monotone in the probability, anchored where the settings say, banded as documented."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.serving.points import PointsScale


@given(st.lists(st.floats(0, 1), min_size=2, max_size=200), st.floats(1, 100), st.floats(5, 80))
@settings(max_examples=200, deadline=None)
def test_points_never_increase_with_the_probability(probabilities, odds, pdo):
    scale = PointsScale(base_odds=odds, pdo=pdo)
    p = np.sort(np.asarray(probabilities))
    points = scale.points(p)
    assert (np.diff(points) <= 0).all()
    assert ((points >= scale.min_points) & (points <= scale.max_points)).all()
    bands = scale.bands_of(points)
    rank = {name: i for i, name in enumerate([b for _, b in scale.bands] + [scale.last_band])}
    assert all(rank[a] <= rank[b] for a, b in zip(bands, bands[1:], strict=False))  # A before E


def test_anchor_and_points_to_double_the_odds():
    scale = PointsScale()  # 600 points at odds 50:1, 20 points to double them
    assert scale.point(1 / 51) == 600  # odds of repaying 50:1
    assert scale.point(1 / 101) == 620  # odds 100:1: doubled, +20 points
    assert scale.point(1 / 26) == 580  # odds 25:1: halved, -20 points
    assert scale.factor == pytest.approx(20 / math.log(2))
    assert scale.offset == pytest.approx(600 - 20 / math.log(2) * math.log(50))
    other = PointsScale(base_points=500, base_odds=10, pdo=40)
    assert other.point(1 / 11) == 500 and other.point(1 / 21) == 540


def test_bands_cut_where_documented():
    scale = PointsScale()
    assert [scale.band(x) for x in (850, 600, 599, 575, 574, 550, 549, 525, 524, 300)] == list("AABBCCDDEE")
    described = scale.describe()
    assert [d["band"] for d in described] == list("ABCDE")
    assert described[0]["max_probability"] == pytest.approx(0.0199, abs=1e-3)  # about 2 %
    assert scale.points(np.array([0.0, 1.0])).tolist() == [850, 300]  # extremes clipped, never infinite


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"pdo": 0}, "pdo=0"),
        ({"base_odds": -1}, "base_odds=-1"),
        ({"bands": ((500, "A"), (600, "B"))}, "decreasing"),
    ],
)
def test_bad_scales_are_refused_with_the_value(kwargs, match):
    with pytest.raises(ValueError, match=match):
        PointsScale(**kwargs)
