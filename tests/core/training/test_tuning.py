"""Tuning: early stopping on a share of each training fold, the tree count of the final model,
Optuna's median pruner."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import core
from core.cost import CostWeights
from core.training import tuning
from tests.toy import toy_frame

CAT = ["CODE_GENDER", "NAME_EDUCATION_TYPE"]


@pytest.fixture(scope="module")
def toy_xy(toy_bundle):
    frame = toy_frame(600, 4)
    return core.to_model_frame(frame, toy_bundle.schema), frame["TARGET"].to_numpy()


def test_early_stopping_stops_each_fold_before_its_ceiling(toy_xy):
    x, y = toy_xy
    params = {"depth": 4, "learning_rate": 0.3}
    cv = tuning.cv_fit(x, y, CAT, params, iterations=400, folds=3, seed=2, early_stopping=10)
    assert len(cv.best_iterations) == 3
    assert all(1 <= n < 400 for n in cv.best_iterations)
    # each fold fits on its training part less the early-stopping share (never on its evaluation fold)
    assert cv.fit_rows == pytest.approx(600 * 2 / 3 * (1 - tuning.EARLY_STOPPING_SHARE), abs=1)
    assert np.all((cv.oof > 0) & (cv.oof < 1))
    again = tuning.cv_fit(x, y, CAT, params, iterations=400, folds=3, seed=2, early_stopping=10)
    np.testing.assert_array_equal(cv.oof, again.oof)
    assert cv.best_iterations == again.best_iterations


def test_without_early_stopping_every_fold_keeps_its_trees(toy_xy):
    x, y = toy_xy
    cv = tuning.cv_fit(x, y, CAT, {"depth": 3}, iterations=20, folds=3, seed=2)
    assert cv.best_iterations == ()
    assert tuning.final_iterations(cv, n_rows=600, cap=20) == 20
    np.testing.assert_array_equal(
        cv.oof, tuning.cv_predictions(x, y, CAT, {"depth": 3}, iterations=20, folds=3, seed=2)
    )


def test_final_tree_count_is_the_median_scaled_to_the_training_size():
    cv = tuning.CvFit(oof=np.zeros(3), best_iterations=(100, 300, 200), fit_rows=720.0)
    assert tuning.final_iterations(cv, n_rows=1000, cap=2000) == round(200 * 1000 / 720)
    assert tuning.final_iterations(cv, n_rows=1000, cap=250) == 250


def _signal(n: int = 800) -> tuple[pd.DataFrame, np.ndarray]:
    """A population whose costs differ between parameter sets (the toy frame's 5 % defaults leave
    every trial at the cost of refusing no one)."""
    rng = np.random.default_rng(0)
    x = pd.DataFrame(rng.normal(size=(n, 6)), columns=list("abcdef"))
    logit = 1.2 * x["a"] - 0.8 * x["b"] + 0.5 * x["c"] * x["d"] - 1.5
    return x, (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)


def test_the_median_pruner_stops_trials_worse_than_the_median():
    x, y = _signal()
    common = dict(weights=CostWeights(), trials=8, timeout=300, iterations=30, folds=4, seed=0)
    _, trials = tuning.tune(x, y, [], prune_after=2, **common)
    states = trials["state"].astype(str)
    assert (states == "PRUNED").any(), states.tolist()
    assert (states[:2] == "COMPLETE").all()  # the first trials are never pruned: they set the median
    _, unpruned = tuning.tune(x, y, [], prune_after=0, **common)
    assert set(unpruned["state"].astype(str)) == {"COMPLETE"}
    # TPE samples at random for its first 10 trials, so both searches tried the same parameters:
    # pruning only stopped some of them early
    done = states == "COMPLETE"
    np.testing.assert_allclose(trials["value"][done], unpruned["value"][done])


def test_tuning_records_each_trials_early_stopped_tree_counts(toy_xy):
    x, y = toy_xy
    params, trials = tuning.tune(
        x, y, CAT, weights=CostWeights(), trials=2, timeout=300, iterations=300, folds=3, seed=0,
        early_stopping=10,
    )  # fmt: skip
    counts = trials["user_attrs_best_iterations"]
    assert all(len(c) == 3 and max(c) < 300 for c in counts)
    assert set(params) == {"depth", "learning_rate", "l2_leaf_reg", "random_strength"}
