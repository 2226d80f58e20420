"""Loaders: lean dtypes, and clear errors naming the file and the columns."""

from __future__ import annotations

import pandas as pd
import pytest

from core.data.loaders import DataFileError, load_table, load_tables
from core.data.synthetic import write_synthetic
from core.features.build import build_features
from tests.conftest import HOMECREDIT


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("kaggle")
    write_synthetic(folder, 150, 2)
    return folder


def test_loads_all_tables_with_lean_dtypes(data_dir):
    tables = load_tables(data_dir)
    assert len(tables) == 8
    app = tables["application_train"]
    assert isinstance(app["NAME_CONTRACT_TYPE"].dtype, pd.CategoricalDtype)
    # an application is read at full precision (a value typed in a form is the same double)
    assert app["EXT_SOURCE_1"].dtype == "float64" and app["AMT_CREDIT"].dtype == "float64"
    assert tables["bureau"]["DAYS_CREDIT_ENDDATE"].dtype == "float32"  # history tables stay lean


def test_missing_file_is_named(data_dir, tmp_path):
    with pytest.raises(DataFileError, match=r"bureau\.csv is missing"):
        load_table(tmp_path, "bureau")
    with pytest.raises(DataFileError, match="does not exist"):
        load_tables(tmp_path / "nope")


def test_wrong_columns_are_named(data_dir, tmp_path):
    frame = (
        pd.read_csv(data_dir / "bureau.csv")
        .drop(columns=["CREDIT_TYPE"])
        .rename(columns={"AMT_ANNUITY": "ANNUITY"})
    )
    frame.to_csv(tmp_path / "bureau.csv", index=False)
    with pytest.raises(
        DataFileError,
        match=r"bureau\.csv does not have the Kaggle bureau columns: missing columns \['CREDIT_TYPE', 'AMT_ANNUITY'\]; unexpected columns \['ANNUITY'\]",
    ):
        load_table(tmp_path, "bureau")


def test_bad_values_are_reported(data_dir, tmp_path):
    frame = pd.read_csv(data_dir / "bureau.csv")
    frame["DAYS_CREDIT"] = frame["DAYS_CREDIT"].astype(object)
    frame.loc[0, "DAYS_CREDIT"] = "yesterday"
    frame.to_csv(tmp_path / "bureau.csv", index=False)
    with pytest.raises(DataFileError, match=r"bureau\.csv has values that do not fit"):
        load_table(tmp_path, "bureau")


def test_unknown_table():
    with pytest.raises(DataFileError, match="unknown table"):
        load_table(".", "clients")


@pytest.mark.realdata
def test_whole_layer_on_the_real_samples():
    if not HOMECREDIT.is_dir():
        pytest.skip(f"real samples not found at {HOMECREDIT}")
    tables = load_tables(HOMECREDIT)
    assert len(tables["application_train"]) == 8936
    features = build_features(tables)
    assert len(features) == 8936 + 6237 and features["SK_ID_CURR"].is_unique
    assert features["TARGET"].notna().sum() == 8936
    # raw fields keep Kaggle's value (365243 = not employed); the derived flag marks it
    assert set(features.loc[features["DAYS_EMPLOYED"] > 0, "DAYS_EMPLOYED"]) == {365243}
    assert features["DAYS_EMPLOYED_ANOM"].sum() == 1628 + 1164
