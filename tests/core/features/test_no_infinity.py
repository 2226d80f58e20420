"""No engineered feature is ever an infinity: a zero or missing denominator gives null, online and in batch."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from core.data import generate
from core.features.application import APPLICATION_FIELDS, application_rows
from core.features.build import build_features
from core.features.registry import registry

NUMERIC = [c for c in APPLICATION_FIELDS if registry()[c].unit != "category"]
values = st.one_of(
    st.none(),
    st.just(0.0),
    st.floats(-1e9, 1e9, allow_nan=False),
    st.sampled_from([1e-300, -1e-300, 365243.0]),
)


@settings(max_examples=200, deadline=None)
@given(st.fixed_dictionaries({c: values for c in NUMERIC}))
def test_application_features_are_never_infinite(record):
    row = application_rows([record]).row(0, named=True)
    bad = {k: v for k, v in row.items() if isinstance(v, float) and math.isinf(v)}
    assert not bad


def test_batch_features_on_adversarial_tables_are_never_infinite():
    tables = generate(300, 5)
    app = tables["application_train"]
    app.loc[app.index[:50], ["AMT_INCOME_TOTAL", "AMT_CREDIT", "AMT_ANNUITY", "AMT_GOODS_PRICE"]] = 0.0
    app.loc[app.index[50:80], [c for c in APPLICATION_FIELDS if registry()[c].unit != "category"]] = np.nan
    for table, cols in {
        "bureau": ["AMT_CREDIT_SUM", "AMT_CREDIT_SUM_DEBT"],
        "installments_payments": ["AMT_INSTALMENT", "AMT_PAYMENT"],
        "previous_application": ["AMT_APPLICATION", "AMT_GOODS_PRICE", "AMT_CREDIT"],
        "credit_card_balance": ["AMT_CREDIT_LIMIT_ACTUAL", "AMT_BALANCE"],
    }.items():
        frame = tables[table]
        frame.loc[frame.index[: len(frame) // 3], cols] = 0.0
    features = build_features(tables)
    numeric = features.select_dtypes("number").drop(columns=["SK_ID_CURR"])
    inf = np.isinf(numeric.to_numpy(dtype=float))
    assert not inf.any(), list(numeric.columns[inf.any(axis=0)])
    assert isinstance(features, pd.DataFrame)


_SIDE = (
    "bureau",
    "bureau_balance",
    "previous_application",
    "POS_CASH_balance",
    "installments_payments",
    "credit_card_balance",
)
_BASE = generate(40, 11)
_MODES = st.sampled_from(["keep", "zero", "missing", "tiny", "negative", "huge"])


def _adversarial(frame: pd.DataFrame, column: str, mode: str) -> None:
    n = len(frame)
    frame[column] = {
        "keep": frame[column].to_numpy(dtype=float),
        "zero": np.zeros(n),
        "missing": np.full(n, np.nan),
        "tiny": np.full(n, 1e-300),
        "negative": -np.abs(frame[column].to_numpy(dtype=float)),
        "huge": np.full(n, 1e9),
    }[mode]


_NUMERIC_SIDE = {
    t: [
        c
        for c in _BASE[t].columns
        if not c.startswith("SK_ID") and pd.api.types.is_numeric_dtype(_BASE[t][c])
    ]
    for t in _SIDE
}


@settings(max_examples=8, deadline=None)
@given(
    st.fixed_dictionaries({f"{t}:{c}": _MODES for t, cols in _NUMERIC_SIDE.items() for c in cols}),
    st.fixed_dictionaries(
        {
            c: _MODES
            for c in (
                "AMT_INCOME_TOTAL",
                "AMT_CREDIT",
                "AMT_ANNUITY",
                "AMT_GOODS_PRICE",
                "CNT_FAM_MEMBERS",
                "DAYS_BIRTH",
            )
        }
    ),
)
def test_every_engineered_column_history_included_is_never_infinite(side_modes, app_modes):
    """Property over every engineered column (application and history aggregates, ratios included):
    any mix of zero, missing, tiny, negative and large values in any numeric column gives no infinity."""
    tables = {name: frame.copy() for name, frame in _BASE.items()}
    for key, mode in side_modes.items():
        table, column = key.split(":")
        _adversarial(tables[table], column, mode)
    for column, mode in app_modes.items():
        _adversarial(tables["application_train"], column, mode)
    features = build_features(tables)
    numeric = features.select_dtypes("number").drop(columns=["SK_ID_CURR"])
    assert numeric.shape[1] > 500  # every engineered column is checked, history ones included
    inf = np.isinf(numeric.to_numpy(dtype=float))
    assert not inf.any(), list(numeric.columns[inf.any(axis=0)])
