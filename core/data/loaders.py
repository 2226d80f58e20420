"""Load the Kaggle Home Credit files (CSV or parquet) with memory-lean dtypes and explicit quirks.

Two readers of the same files, giving the same values bit for bit (a test holds them equal):
:func:`read_table` (polars' CSV reader, the fast path that ``pad features``, training and the client
store use) and :func:`load_table` (pandas, for pandas users).
"""

from __future__ import annotations

import io
import logging
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl

from core.data.tables import TABLES, columns

log = logging.getLogger(__name__)


class DataFileError(ValueError):
    """A data file is missing or does not have the Kaggle columns."""


#: pandas' default missing-value markers (``pandas.read_csv``'s ``na_values``): the polars reader
#: reads as missing exactly the fields the pandas reader did.
NA_VALUES = (
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
    "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
)  # fmt: skip


def _lean(table: str, name: str) -> bool:
    # an application is read at full precision: the same value typed in a form must be the same
    # double (online/batch parity); history tables are lean (float32 except amounts and ids)
    return not table.startswith("application_") and not name.startswith(("AMT_", "SK_ID"))


def _dtypes(table: str) -> dict[str, object]:
    out: dict[str, object] = {}
    for name, kind in TABLES[table]:
        if kind in ("id", "int", "target"):
            out[name] = "Int64" if kind == "int" else np.int64
        elif kind == "float":
            out[name] = np.float32 if _lean(table, name) else np.float64
        else:
            out[name] = "category"
    return out


def polars_schema(table: str) -> dict[str, pl.DataType]:
    """The polars dtypes :func:`read_table` gives: integers Int64, decimals Float64 (Float32 where
    the pandas reader is lean), text String."""
    out: dict[str, pl.DataType] = {}
    for name, kind in TABLES[table]:
        if kind == "float":
            out[name] = pl.Float32() if _lean(table, name) else pl.Float64()
        else:
            out[name] = pl.String() if kind == "category" else pl.Int64()
    return out


def table_path(data_dir: Path, table: str) -> Path | None:
    for suffix in (".parquet", ".csv", ".csv.gz", ".csv.zip"):
        path = data_dir / f"{table}{suffix}"
        if path.exists():
            return path
    return None


def _checked_path(data_dir: Path | str, table: str) -> tuple[Path, list[str]]:
    """The file of ``table`` in ``data_dir`` and its header, checked against Kaggle's columns."""
    if table not in TABLES:
        raise DataFileError(f"unknown table {table!r}; expected one of {sorted(TABLES)}.")
    data_dir = Path(data_dir)
    path = table_path(data_dir, table)
    if path is None:
        raise DataFileError(
            f"{data_dir / (table + '.csv')} is missing (looked for .csv, .csv.gz, .csv.zip, .parquet)."
        )
    expected = columns(table)
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        header = list(pq.read_schema(path).names)
    else:
        header = pd.read_csv(path, nrows=0).columns.tolist()
    missing = [c for c in expected if c not in header]
    extra = [c for c in header if c not in expected]
    if missing or extra:
        parts = []
        if missing:
            parts.append(
                f"missing columns {missing[:15]}"
                + (f" (+{len(missing) - 15} more)" if len(missing) > 15 else "")
            )
        if extra:
            parts.append(f"unexpected columns {extra[:15]}")
        raise DataFileError(
            f"{path.name} does not have the Kaggle {table} columns: " + "; ".join(parts) + "."
        )
    return path, header


def load_table(data_dir: Path | str, table: str) -> pd.DataFrame:
    """Read one Kaggle table with pandas; the error names the file and the columns that do not match.

    Applications and amounts stay float64 (amounts exceed float32's exact integers; an application
    read from a file must equal the same application typed in); other history decimals are float32;
    text columns are pandas categoricals. Kaggle's quirks (365243 sentinels, XNA/XAP) are kept
    here and handled by feature engineering, so the loaded data is the raw data.
    """
    path, _ = _checked_path(data_dir, table)
    expected = columns(table)
    if path.suffix == ".parquet":
        frame = pd.read_parquet(path, columns=expected)
    else:
        try:
            # applications: Python's correctly rounded parser, the one JSON and the service use
            precision = "round_trip" if table.startswith("application_") else None
            frame = pd.read_csv(path, usecols=expected, dtype=_dtypes(table), float_precision=precision)  # type: ignore[arg-type]
        except (ValueError, TypeError) as exc:
            raise DataFileError(f"{path.name} has values that do not fit the Kaggle types: {exc}") from None
    log.info("loaded %s: %d rows, %.0f MB", path.name, len(frame), frame.memory_usage(deep=True).sum() / 1e6)
    return frame[expected]


def load_tables(data_dir: Path | str, *, tables: list[str] | None = None) -> dict[str, pd.DataFrame]:
    """Read every Kaggle table present in ``data_dir`` (application_train is required)."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise DataFileError(f"data folder {data_dir} does not exist.")
    wanted = tables or list(TABLES)
    out = {}
    for table in wanted:
        if table == "application_test" and table_path(data_dir, table) is None:
            continue
        out[table] = load_table(data_dir, table)
    return out


def _read_csv(
    path: Path, *, header: list[str], schema: dict[str, pl.DataType], wanted: list[str]
) -> pl.DataFrame:
    source: Path | io.BytesIO = path
    if path.suffix == ".zip":  # polars reads gzip itself, not zip archives
        with zipfile.ZipFile(path) as archive:
            source = io.BytesIO(archive.read(archive.namelist()[0]))
    # decimals as Float64 (lean ones are rounded to float32 afterwards); in the file's order, since
    # polars names a schema's columns by position
    dtypes = {c: (pl.Float64() if schema[c].is_float() else schema[c]) for c in header}
    try:
        return pl.read_csv(source, columns=wanted, schema=dtypes)
    except pl.exceptions.ComputeError:
        # a number field holding one of pandas' missing markers ("NA", "null"...), or an integer
        # written as a decimal ("1.0", as spreadsheets and pandas write them): twice slower
        if isinstance(source, io.BytesIO):
            source.seek(0)
        integers = [c for c in wanted if schema[c].is_integer()]
        as_text = {c: (pl.String() if c in integers else t) for c, t in dtypes.items()}
        frame = pl.read_csv(source, columns=wanted, schema=as_text, null_values=list(NA_VALUES))
        return frame.with_columns(_integers(frame, c) for c in integers)


def _integers(frame: pl.DataFrame, name: str) -> pl.Series:
    """An integer column read as text: "12" and "12.0" are 12 (by the text, never through a float, so
    a 19-digit id stays exact); anything else is an error naming the column and the first bad value."""
    text = frame[name].str.strip_chars().str.replace(r"^([+-]?\d+)\.0*$", "$1")
    values = text.cast(pl.Int64, strict=False)
    bad = values.is_null() & text.is_not_null()
    if bad.any():
        first = frame[name].filter(bad)[0]
        raise ValueError(f"column {name!r} holds {str(first)[:80]!r}, which is not an integer")
    return values


def read_table(data_dir: Path | str, table: str, *, select: Sequence[str] | None = None) -> pl.DataFrame:
    """Read one Kaggle table with polars' CSV reader: the values of :func:`load_table`, bit for bit.

    ``select`` keeps only those columns (in Kaggle order; by default all of them). A CSV gets
    :func:`polars_schema`'s dtypes (lean Float32 decimals parsed as Float64 and rounded, as pandas
    does; NaN and pandas' missing markers :data:`NA_VALUES` missing); a parquet file keeps its own.
    """
    path, header = _checked_path(data_dir, table)
    schema = polars_schema(table)
    wanted = [c for c in columns(table) if select is None or c in select]
    unknown = sorted(set(select or ()) - set(schema))
    if unknown:
        raise DataFileError(f"{table} has no columns {unknown}; expected some of {columns(table)}.")
    floats = [c for c in wanted if schema[c].is_float()]
    try:
        if path.suffix == ".parquet":
            # as pandas reads a parquet file (the reference): its dtypes, NaN missing, text as text
            frame = pl.read_parquet(path, columns=wanted)
            return frame.with_columns(
                pl.col(c for c, t in frame.schema.items() if t.is_float()).fill_nan(None),
                pl.col(pl.Categorical, pl.Enum).cast(pl.String),
            ).select(wanted)
        frame = _read_csv(path, header=header, schema=schema, wanted=wanted)
    except (pl.exceptions.PolarsError, ValueError) as exc:
        raise DataFileError(f"{path.name} has values that do not fit the Kaggle types: {exc}") from None
    text = [c for c in wanted if schema[c] == pl.String]
    # as pandas reads a CSV (the reference): NaN and its missing markers are missing, and a lean
    # decimal is rounded to float32 from its double
    frame = frame.with_columns(
        pl.col(floats).fill_nan(None),
        *[pl.when(pl.col(c).is_in(NA_VALUES)).then(None).otherwise(pl.col(c)).alias(c) for c in text],
    ).with_columns(pl.col(c).cast(schema[c]) for c in floats)
    log.info("read %s: %d rows, %.0f MB", path.name, frame.height, frame.estimated_size() / 1e6)
    return frame.select(wanted)


def read_tables(
    data_dir: Path | str, *, select: Mapping[str, Sequence[str] | None] | None = None
) -> dict[str, pl.DataFrame]:
    """Every Kaggle table present in ``data_dir`` read by :func:`read_table` (application_train required).

    ``select`` maps table names to the columns to keep (``None``: all of them); only the tables it
    names are read when it is given.
    """
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise DataFileError(f"data folder {data_dir} does not exist.")
    wanted = select if select is not None else dict.fromkeys(TABLES)
    out = {}
    for table, cols in wanted.items():
        if table == "application_test" and table_path(data_dir, table) is None:
            continue
        out[table] = read_table(data_dir, table, select=cols)
    return out
