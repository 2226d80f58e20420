"""PSI of one feature: hand-computed values, bins, bands and edge cases."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.monitoring.psi import (
    MISSING_LABEL,
    OTHER_LABEL,
    SHARE_FLOOR,
    band,
    categorical_psi,
    feature_psi,
    numeric_psi,
    psi_from_shares,
    quantile_edges,
)

ln = math.log


def test_numeric_psi_matches_the_hand_computed_value():
    # reference 1..8 in 4 bins: the inverted-CDF quartiles are 2, 4 and 6 (F(2) = .25, F(4) = .5,
    # F(6) = .75), so the bins are <= 2, (2, 4], (4, 6], > 6 with 2 values = 25 % each.
    # current: {1} | {3, 4} | {5, 5, 6} | {7, 8, 9, 100} -> 10 %, 20 %, 30 %, 40 %; no missing on
    # either side, so the missing bin is floored to 1e-4 on both and contributes 0.
    expected = (
        (0.10 - 0.25) * ln(0.10 / 0.25)  # 0.137444
        + (0.20 - 0.25) * ln(0.20 / 0.25)  # 0.011157
        + (0.30 - 0.25) * ln(0.30 / 0.25)  # 0.009116
        + (0.40 - 0.25) * ln(0.40 / 0.25)  # 0.070501
    )
    assert expected == pytest.approx(0.228218, abs=1e-6)
    ref = pd.Series(np.arange(1, 9, dtype=float))
    cur = pd.Series([1, 3, 4, 5, 5, 6, 7, 8, 9, 100], dtype=float)
    drift = numeric_psi(ref, cur, bins=4, name="X")
    assert drift.edges == (2.0, 4.0, 6.0)
    assert [b.label for b in drift.bins] == ["≤ 2", "(2, 4]", "(4, 6]", "> 6", MISSING_LABEL]
    assert [b.reference_share for b in drift.bins] == [0.25, 0.25, 0.25, 0.25, 0.0]
    assert [b.current_share for b in drift.bins] == pytest.approx([0.1, 0.2, 0.3, 0.4, 0.0])
    assert drift.psi == pytest.approx(expected, rel=1e-12)
    assert drift.band == "watch" and drift.kind == "numeric" and drift.name == "X"
    assert (drift.n_reference, drift.n_current) == (8, 10)
    assert drift.table()["contribution"].sum() == pytest.approx(drift.psi)


def test_missing_values_are_a_bin_and_empty_bins_are_floored():
    # reference 1, 2, 3, 4 in 2 bins (edge 2): 50 % / 50 %, no missing.
    # current 1, NaN, NaN, 5: 25 % / 25 % / 50 % missing; the reference's empty missing bin counts 1e-4.
    expected = 2 * (0.25 - 0.5) * ln(0.25 / 0.5) + (0.5 - SHARE_FLOOR) * ln(0.5 / SHARE_FLOOR)
    assert expected == pytest.approx(0.346574 + 4.257745, abs=1e-6)
    drift = numeric_psi(pd.Series([1.0, 2, 3, 4]), pd.Series([1, None, None, 5], dtype=float), bins=2)
    assert drift.bins[-1].label == MISSING_LABEL and drift.bins[-1].current_count == 2
    assert drift.psi == pytest.approx(expected, rel=1e-12)
    assert drift.band == "shift"


def test_categorical_psi_matches_the_hand_computed_value():
    # reference A 50 %, B 30 %, C 20 %; current A 40 %, B 20 %, C 0 %, D (unseen) 20 %, missing 20 %.
    # C, (other) and (missing) are empty on one side: that side counts 1e-4.
    empty_side = (0.2 - SHARE_FLOOR) * ln(0.2 / SHARE_FLOOR)  # 1.519420, three times
    expected = (0.4 - 0.5) * ln(0.4 / 0.5) + (0.2 - 0.3) * ln(0.2 / 0.3) + 3 * empty_side
    assert expected == pytest.approx(0.022314 + 0.040547 + 3 * 1.519420, abs=1e-5)
    ref = pd.Series(["A"] * 5 + ["B"] * 3 + ["C"] * 2)
    cur = pd.Series(["A"] * 4 + ["B"] * 2 + ["D"] * 2 + [None] * 2, dtype=object)
    drift = categorical_psi(ref, cur, name="CAT")
    assert [b.label for b in drift.bins] == ["A", "B", "C", OTHER_LABEL, MISSING_LABEL]
    assert [b.current_count for b in drift.bins] == [4, 2, 0, 2, 2]
    assert drift.psi == pytest.approx(expected, rel=1e-12)
    assert drift.band == "shift" and drift.kind == "categorical"


@pytest.mark.parametrize(
    ("psi", "expected"),
    [(0.0, "stable"), (0.0999, "stable"), (0.1, "watch"), (0.25, "watch"), (0.2501, "shift"), (9.0, "shift")],
)
def test_bands(psi, expected):
    assert band(psi) == expected


@pytest.mark.parametrize("bad", [-0.1, math.nan])
def test_band_refuses_what_is_not_a_psi(bad):
    with pytest.raises(ValueError, match="is not a population stability index"):
        band(bad)


def test_identical_populations_have_zero_psi():
    rng = np.random.default_rng(0)
    values = pd.Series(np.where(rng.random(500) < 0.1, np.nan, rng.normal(size=500)))
    assert numeric_psi(values, values.copy()).psi == 0.0
    cats = pd.Series(rng.choice(["a", "b", "c", None], 500), dtype=object)
    assert categorical_psi(cats, cats.copy()).psi == 0.0
    # same distribution, other order and size: still 0
    assert numeric_psi(
        values, pd.concat([values, values]).sample(frac=1, random_state=1)
    ).psi == pytest.approx(0)


def test_empty_current_population_is_a_clear_error():
    with pytest.raises(ValueError, match=r"AMT_CREDIT: the current population is empty \(0 rows\)"):
        numeric_psi(pd.Series([1.0, 2.0]), pd.Series([], dtype=float), name="AMT_CREDIT")
    with pytest.raises(ValueError, match="current population is empty"):
        categorical_psi(pd.Series(["a"]), pd.Series([], dtype=object), name="C")
    with pytest.raises(ValueError, match="reference population is empty"):
        numeric_psi(pd.Series([], dtype=float), pd.Series([1.0]), name="X")


def test_all_missing_columns():
    nan = pd.Series([np.nan] * 5)
    both = numeric_psi(nan, nan.copy(), name="X")
    assert both.psi == 0.0 and [b.label for b in both.bins] == ["all values", MISSING_LABEL]
    # the reference always missing, the current filled in: everything moved out of the missing bin
    filled = numeric_psi(nan, pd.Series([1.0, 2.0]), name="X")
    assert filled.band == "shift"
    assert filled.psi == pytest.approx(2 * (1 - SHARE_FLOOR) * ln(1 / SHARE_FLOOR))
    # the current always missing
    gone = numeric_psi(pd.Series([1.0, 2.0, 3.0]), nan, name="X")
    assert gone.bins[-1].current_share == 1.0 and gone.band == "shift"
    cats = categorical_psi(pd.Series([None, None], dtype=object), pd.Series([None], dtype=object))
    assert cats.psi == 0.0 and [b.label for b in cats.bins] == [OTHER_LABEL, MISSING_LABEL]


def test_unseen_categories_go_to_other():
    drift = categorical_psi(pd.Series(["F", "M", "F"]), pd.Series(["XNA", "Other", "F"]))
    other = next(b for b in drift.bins if b.label == OTHER_LABEL)
    assert other.reference_count == 0 and other.current_count == 2
    assert drift.band == "shift"


def test_constant_reference_column():
    ref = pd.Series([5.0] * 20)
    drift = numeric_psi(ref, pd.Series([5.0] * 7))
    assert drift.edges == (5.0,) and drift.psi == 0.0
    assert [b.label for b in drift.bins] == ["≤ 5", "> 5", MISSING_LABEL]
    moved = numeric_psi(ref, pd.Series([5.0, 6.0]))
    assert moved.bins[1].current_share == 0.5 and moved.band == "shift"


def test_tied_and_binary_values_stay_in_one_bin():
    flags = pd.Series([0.0] * 70 + [1.0] * 30)
    drift = numeric_psi(flags, flags)
    assert drift.edges == (0.0, 1.0)
    assert [b.reference_count for b in drift.bins] == [70, 30, 0, 0]
    assert len(quantile_edges(np.arange(100.0), 10)) == 9


def test_values_beyond_the_reference_fall_in_the_open_bins():
    drift = numeric_psi(pd.Series(np.arange(10.0)), pd.Series([-np.inf, -100.0, 1e9, np.inf]), bins=5)
    assert drift.bins[0].current_count == 2 and drift.bins[-2].current_count == 2


def test_a_numeric_feature_refuses_text():
    with pytest.raises(
        ValueError, match=r"AMT_CREDIT: the current population holds a value that is not a number \('lots'\)"
    ):
        numeric_psi(pd.Series([1.0]), pd.Series(["1", "lots"], dtype=object), name="AMT_CREDIT")


def test_feature_psi_dispatches_on_kind():
    ref, cur = pd.Series(["a", "b"]), pd.Series(["a", "a"])
    assert feature_psi(ref, cur, kind="categorical").psi == categorical_psi(ref, cur).psi
    with pytest.raises(ValueError, match="kind='text' is not a feature kind"):
        feature_psi(ref, cur, kind="text")  # type: ignore[arg-type]


shares = st.lists(st.integers(0, 50), min_size=2, max_size=8).filter(lambda xs: sum(xs) > 0)


@given(shares, shares)
def test_psi_is_non_negative_and_symmetric(a, b):
    n = min(len(a), len(b))
    a, b = a[:n], b[:n]
    if not sum(a) or not sum(b):
        return
    p, q = np.array(a) / sum(a), np.array(b) / sum(b)
    assert psi_from_shares(p, q) >= 0
    assert psi_from_shares(p, q) == pytest.approx(psi_from_shares(q, p))
    assert psi_from_shares(p, p) == 0
