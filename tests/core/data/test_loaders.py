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


def _application(tmp_path, **cells):
    from core.data.tables import columns

    names = columns("application_train")
    rows = [{c: "" for c in names} | {"SK_ID_CURR": "100002", "TARGET": "0"} | r for r in cells["rows"]]
    pd.DataFrame(rows)[names].to_csv(tmp_path / "application_train.csv", index=False)
    return tmp_path


def test_polars_reader_reads_integers_written_as_decimals_exactly(tmp_path):
    """ "1.0" in an integer column is 1 (pandas reads it so; spreadsheets write it so), by the text:
    a 16-digit id stays exact where a float round trip would change it."""
    from core.data.loaders import read_table

    data = _application(tmp_path, rows=[
        {"SK_ID_CURR": "100002.0", "CNT_CHILDREN": "1.0", "TARGET": "1"},
        {"SK_ID_CURR": "9007199254740993", "CNT_CHILDREN": " 2 "},
        {"SK_ID_CURR": "100004", "CNT_CHILDREN": "NA"},
    ])  # fmt: skip
    frame = read_table(data, "application_train", select=["SK_ID_CURR", "CNT_CHILDREN", "TARGET"])
    assert frame["SK_ID_CURR"].to_list() == [100002, 9007199254740993, 100004]
    assert frame["CNT_CHILDREN"].to_list() == [1, 2, None]
    assert frame["TARGET"].to_list() == [1, 0, 0]


@pytest.mark.parametrize("cell", ["1.5", "two", "1e400"])
def test_polars_reader_names_the_column_of_a_non_integer(tmp_path, cell):
    from core.data.loaders import read_table

    data = _application(tmp_path, rows=[{"CNT_CHILDREN": cell}])
    with pytest.raises(DataFileError, match="CNT_CHILDREN"):
        read_table(data, "application_train")


def test_polars_reader_equals_the_pandas_reader_on_synthetic_tables(data_dir):
    """The fast reader gives the values of the reference reader, bit for bit, table by table."""
    from core.data.loaders import read_table
    from core.data.tables import TABLES

    for table in TABLES:
        if table == "application_test" and not any(data_dir.glob("application_test*")):
            continue
        fast = read_table(data_dir, table).to_pandas()
        ref = load_table(data_dir, table)
        assert list(fast.columns) == list(ref.columns), table
        for name in ref.columns:
            a, b = fast[name], ref[name]
            if b.dtype.kind == "f":
                assert a.dtype == b.dtype and (a.isna() == b.isna()).all(), (table, name)
                assert (a[b.notna()].to_numpy() == b[b.notna()].to_numpy()).all(), (table, name)
            else:
                assert (
                    a.astype(object).where(a.notna(), None).tolist()
                    == b.astype(object).where(b.notna(), None).tolist()
                ), (table, name)
