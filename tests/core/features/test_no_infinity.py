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
