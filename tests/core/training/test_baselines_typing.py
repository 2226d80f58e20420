"""Column typing of the baselines benchmark and of the benchmarked families: text never reaches a model
as a number, and a predictor reads its own columns by name from a wider frame."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.training.models import fit_model

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
from benchmarks.baselines import (  # noqa: E402
    BASELINES,
    _catboost_fit,
    baseline_fit,
    categorical_columns,
)


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    """Application-like table: Y/N flags (one a known categorical field, one not), numbers, extras."""
    rng = np.random.default_rng(0)
    n = 240
    y = (rng.random(n) < 0.25).astype(int)
    return pd.DataFrame(
        {
            "FLAG_OWN_CAR": rng.choice(["Y", "N"], n),  # in APP_CATEGORICAL
            "FLAG_TEXT": np.where(rng.random(n) < 0.1, None, rng.choice(["Y", "N"], n)),  # not in it
            "EXT_SOURCE_2": np.where(y == 1, 0.3, 0.6) + rng.normal(0, 0.2, n),
            "AMT_CREDIT": rng.uniform(1e5, 1e6, n),
            "EXTRA_A": rng.choice(["x", "y"], n),  # columns a model did not see, first in the frame
            "TARGET": y,
        }
    )[["EXTRA_A", "TARGET", "FLAG_TEXT", "AMT_CREDIT", "FLAG_OWN_CAR", "EXT_SOURCE_2"]]


def test_every_text_column_is_categorical(frame):
    cols = ["FLAG_OWN_CAR", "FLAG_TEXT", "EXT_SOURCE_2", "AMT_CREDIT"]
    assert categorical_columns(frame, cols) == ["FLAG_OWN_CAR", "FLAG_TEXT"]


@pytest.mark.parametrize("name", BASELINES)
def test_each_baseline_fits_and_predicts_from_a_wider_frame(frame, name):
    cols = ["FLAG_OWN_CAR", "FLAG_TEXT", "EXT_SOURCE_2", "AMT_CREDIT"]
    y = frame["TARGET"].to_numpy()
    predict = baseline_fit(name, cols, categorical_columns(frame, cols), seed=0, trees=8)(frame, y)
    p = predict(frame)  # every column, in another order: the predictor picks its own by name
    assert p.shape == (len(frame),) and np.all((p >= 0) & (p <= 1))
    assert np.allclose(p, predict(frame[cols]))
    assert p[y == 1].mean() > p[y == 0].mean()  # EXT_SOURCE_2 separates the classes


def test_fit_model_reads_its_columns_by_name(frame):
    """The bug the benchmark met: CatBoost fed a wider frame by position read 'N' as a number."""
    cols = ["AMT_CREDIT", "FLAG_OWN_CAR", "EXT_SOURCE_2"]
    model = fit_model("catboost", frame[cols], frame["TARGET"].to_numpy(), ["FLAG_OWN_CAR"], seed=0, trees=5)
    assert np.allclose(model.predict_proba(frame), model.predict_proba(frame[cols]))


def test_monotone_pipeline_model_never_rises_with_the_external_score(frame):
    cols = ["FLAG_OWN_CAR", "EXT_SOURCE_2", "AMT_CREDIT"]
    params = {"depth": 2, "learning_rate": 0.2}
    predict = _catboost_fit(cols, ["FLAG_OWN_CAR"], params, 20, 0, monotone=True, seeds=2)(
        frame, frame["TARGET"].to_numpy()
    )
    grid = frame.iloc[[0] * 50].copy()
    grid["EXT_SOURCE_2"] = np.linspace(-0.5, 1.5, 50)
    assert np.all(np.diff(predict(grid)) <= 1e-12)
