"""Load the Kaggle Home Credit files (CSV or parquet) with memory-lean dtypes and explicit quirks."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from core.data.tables import TABLES, columns

log = logging.getLogger(__name__)


class DataFileError(ValueError):
    """A data file is missing or does not have the Kaggle columns."""


def _dtypes(table: str) -> dict[str, object]:
    out: dict[str, object] = {}
    for name, kind in TABLES[table]:
        if kind in ("id", "int", "target"):
            out[name] = "Int64" if kind == "int" else np.int64
        elif kind == "float":
            # an application is read at full precision: the same value typed in a form must be the
            # same double (online/batch parity); history tables are lean (float32 except amounts)
            lean = not table.startswith("application_") and not name.startswith(("AMT_", "SK_ID"))
            out[name] = np.float32 if lean else np.float64
        else:
            out[name] = "category"
    return out


def table_path(data_dir: Path, table: str) -> Path | None:
    for suffix in (".parquet", ".csv", ".csv.gz", ".csv.zip"):
        path = data_dir / f"{table}{suffix}"
        if path.exists():
            return path
    return None


def load_table(data_dir: Path | str, table: str) -> pd.DataFrame:
    """Read one Kaggle table; the error names the file and the columns that do not match.

    Applications and amounts stay float64 (amounts exceed float32's exact integers; an application
    read from a file must equal the same application typed in); other history decimals are float32;
    text columns are pandas categoricals. Kaggle's quirks (365243 sentinels, XNA/XAP) are kept
    here and handled by feature engineering, so the loaded data is the raw data.
    """
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
