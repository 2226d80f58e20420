"""The synthetic generator speaks the Kaggle schema, keeps referential integrity, and is deterministic."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from core.data.synthetic import generate
from core.data.tables import KEYS, TABLES, columns
from tests.conftest import HOMECREDIT, REPO


def test_every_table_has_the_kaggle_columns_and_types(tables):
    assert set(tables) == set(TABLES)
    for name, frame in tables.items():
        assert list(frame.columns) == columns(name), name
        for col, kind in TABLES[name]:
            if kind in ("id", "int", "target"):
                assert pd.api.types.is_integer_dtype(frame[col]), (name, col)
            elif kind == "float":
                assert pd.api.types.is_float_dtype(frame[col]), (name, col)
            else:
                values = frame[col].dropna()
                assert values.map(lambda v: isinstance(v, str)).all(), (name, col)


@pytest.mark.realdata
def test_columns_match_the_real_headers(tables):
    if not HOMECREDIT.is_dir():
        pytest.skip(f"real samples not found at {HOMECREDIT}")
    for name in tables:
        header = pd.read_csv(HOMECREDIT / f"{name}.csv", nrows=0).columns.tolist()
        assert header == list(tables[name].columns), name


def test_referential_integrity(tables):
    clients = set(tables["application_train"]["SK_ID_CURR"]) | set(tables["application_test"]["SK_ID_CURR"])
    assert not set(tables["application_train"]["SK_ID_CURR"]) & set(tables["application_test"]["SK_ID_CURR"])
    for name, (own, parent) in KEYS.items():
        frame = tables[name]
        if own:
            assert frame[own].is_unique, name
        if parent == "SK_ID_CURR":
            assert set(frame[parent]) <= clients, name
    assert set(tables["bureau_balance"]["SK_ID_BUREAU"]) <= set(tables["bureau"]["SK_ID_BUREAU"])
    prev = tables["previous_application"].set_index("SK_ID_PREV")["SK_ID_CURR"]
    for name in ("POS_CASH_balance", "installments_payments", "credit_card_balance"):
        child = tables[name]
        assert set(child["SK_ID_PREV"]) <= set(prev.index), name
        # the client of a balance row is the client of its previous loan
        assert (prev.loc[child["SK_ID_PREV"]].to_numpy() == child["SK_ID_CURR"].to_numpy()).all(), name


def test_several_children_per_parent(tables):
    n = len(tables["application_train"]) + len(tables["application_test"])
    assert 3 < len(tables["bureau"]) / n < 7
    assert 3 < len(tables["previous_application"]) / n < 7
    per_credit = tables["bureau_balance"].groupby("SK_ID_BUREAU").size()
    assert per_credit.median() > 3
    assert tables["installments_payments"].groupby("SK_ID_PREV").size().median() > 2


def test_default_rate_near_eight_percent():
    y = generate(6000, 11)["application_train"]["TARGET"]
    assert 0.065 < y.mean() < 0.095


def test_deterministic_for_a_seed(tables):
    again = generate(600, 3)
    for name in tables:
        pd.testing.assert_frame_equal(tables[name], again[name])
    other = generate(600, 4)
    assert not tables["application_train"].equals(other["application_train"])


def test_known_quirks_are_reproduced(tables):
    app = tables["application_train"]
    pension = app["DAYS_EMPLOYED"] == 365243
    assert 0.05 < pension.mean() < 0.35
    assert (app.loc[pension, "ORGANIZATION_TYPE"] == "XNA").all()
    assert (app.loc[~pension, "ORGANIZATION_TYPE"] != "XNA").all()
    assert (app.loc[~pension, "DAYS_EMPLOYED"] <= 0).all()
    assert (app["DAYS_BIRTH"] < -18 * 365).all()
    building = [c for c in app.columns if c.endswith(("_AVG", "_MEDI"))]
    assert app[building].isna().mean().between(0.3, 0.8).all()
    assert (app["AMT_GOODS_PRICE"].dropna() <= app.loc[app["AMT_GOODS_PRICE"].notna(), "AMT_CREDIT"]).all()


def test_risk_factors_drive_defaults():
    app = generate(8000, 5)["application_train"]
    low, high = (
        app["EXT_SOURCE_3"] < app["EXT_SOURCE_3"].quantile(0.2),
        app["EXT_SOURCE_3"] > app["EXT_SOURCE_3"].quantile(0.8),
    )
    assert app.loc[low, "TARGET"].mean() > 2 * app.loc[high, "TARGET"].mean()


def test_cli_writes_all_tables(tmp_path):
    out = tmp_path / "syn"
    res = subprocess.run(
        [sys.executable, "-m", "core.cli", "data", "synthetic", "--clients", "200", "--seed", "1", "--out", str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    for name in TABLES:
        assert (out / f"{name}.csv").is_file()
    assert pd.read_csv(out / "application_train.csv").shape == (200, 122)
    res = subprocess.run(
        [sys.executable, "-m", "core.cli", "data", "synthetic", "--clients", "0", "--out", str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert res.returncode == 2 and "--clients must be at least 1" in res.stderr
    res = subprocess.run(
        [sys.executable, "-m", "core.cli", "data", "synthetic", "--clients", "50", "--out", str(tmp_path / "pq"), "--format", "parquet"],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert res.returncode == 0 and np.isclose(
        pd.read_parquet(tmp_path / "pq" / "bureau.parquet").shape[1], 17
    )
