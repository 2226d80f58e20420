"""Each application feature is one formula with two backends — a polars expression for tables and a
plain-Python function for one row (the online path). They agree bit for bit (nulls included; the
sign of a zero aside, which no model split can see) on random and adversarial applications, and on
the real sample when it is present."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.data import generate
from core.data.tables import DAYS_SENTINEL
from core.features.application import (
    APP_CATEGORICAL,
    APPLICATION_FIELDS,
    CANONICAL,
    DERIVED,
    application_features,
    application_row,
)
from core.features.build import to_pandas
from tests.conftest import HOMECREDIT

NUMERIC = [c for c in APPLICATION_FIELDS if c not in APP_CATEGORICAL]
OUT = [c for c in CANONICAL] + [d.name for d in DERIVED]


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) and math.isnan(a):
        return isinstance(b, float) and math.isnan(b)
    return bool(a == b)  # 0.0 == -0.0: min/max of a signed zero may keep either sign


def _table(records: list[dict]) -> list[dict]:
    frame = pl.from_dicts([{c: r.get(c) for c in CANONICAL} for r in records], schema=CANONICAL, strict=False)
    return application_features(frame).collect(engine="in-memory").select(OUT).to_dicts()


def _assert_rows_equal_table(records: list[dict]) -> None:
    table = _table(records)
    for i, (record, batch) in enumerate(zip(records, table, strict=True)):
        online = application_row(record)
        bad = {c: (online[c], batch[c]) for c in OUT if not _same(online[c], batch[c])}
        assert not bad, f"row {i}: online vs table {bad}"


number = st.one_of(
    st.none(),
    st.sampled_from([0.0, -0.0, 1.0, 1e-300, -1e-300, 1e308, -1e308, float(DAYS_SENTINEL), 3.0, 0.5]),
    st.floats(-1e12, 1e12, allow_nan=False, allow_infinity=False),
    st.floats(0, 1, allow_nan=False),
)
category = st.one_of(
    st.none(), st.sampled_from(["Y", "N", "M", "F", "XNA", "Working", "une valeur inconnue"])
)


flag = st.sampled_from([None, 0.0, 1.0])  # FLAG_DOCUMENT_* are yes/no fields: validation gives 0/1
application = st.fixed_dictionaries(
    {
        **{c: (flag if c.startswith("FLAG_DOCUMENT_") else number) for c in NUMERIC},
        **{c: category for c in APP_CATEGORICAL},
    }
)


@settings(max_examples=60, deadline=None)
@given(st.lists(application, min_size=1, max_size=25))
def test_one_row_equals_the_table_on_any_application(records):
    _assert_rows_equal_table(records)


def _records(frame: pd.DataFrame) -> list[dict]:
    cols = [c for c in ["SK_ID_CURR", *APPLICATION_FIELDS] if c in frame.columns]
    out = frame[cols].astype(object).where(frame[cols].notna(), None).to_dict(orient="records")
    return out


def test_one_row_equals_the_table_on_synthetic_applications():
    app = generate(2_000, 9)["application_train"]
    _assert_rows_equal_table(_records(app))


@pytest.mark.skipif(not HOMECREDIT.is_dir(), reason=f"the real Home Credit samples are absent ({HOMECREDIT})")
def test_one_row_equals_the_table_on_the_real_sample():
    app = pd.read_csv(HOMECREDIT / "application_train.csv")
    _assert_rows_equal_table(_records(app))


def test_table_backend_is_what_training_uses():
    """``application_features`` is the function ``pad features`` calls; its values round-trip to pandas."""
    app = generate(50, 1)["application_train"]
    frame = to_pandas(application_features(pl.from_pandas(app)).collect())
    assert {d.name for d in DERIVED} <= set(frame.columns)
    assert np.isfinite(frame[[d.name for d in DERIVED]].astype(float).fillna(0).to_numpy()).all()
