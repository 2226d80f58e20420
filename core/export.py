"""Safe CSV export: cells that a spreadsheet would run as formulas are neutralised."""

from __future__ import annotations

import re
from typing import Literal

import pandas as pd

#: ``plain``: comma-separated UTF-8, decimal point (tools, pandas); ``excel-fr``: what Excel in French
#: opens as columns — ``;`` between cells, a decimal comma, UTF-8 with a byte-order mark (accents)
CsvDialect = Literal["plain", "excel-fr"]

# A spreadsheet treats a cell starting with one of these as a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
#: a signed plain number ("-1.5", "+2e3") is read as a number by a spreadsheet, never run
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def _neutralise(value: object) -> object:
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Copy of ``frame`` where every text cell that starts like a formula is prefixed with ``'``.

    Numeric columns are left as numbers (a negative number is not a formula).
    """
    out = frame.copy()
    for i in range(out.shape[1]):
        column = out.iloc[:, i]
        if not pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
            # cell by cell, keeping the column's dtype: ``Series.map`` would infer float64 for a
            # column of ints and None (ids written 9007199254740992.0); a column where no cell
            # starts like a formula (nearly always) is left as it is
            values = column.tolist()
            hits = [j for j, v in enumerate(values) if isinstance(v, str) and v.startswith(_FORMULA_START)]
            if not hits:
                continue
            for j in hits:
                values[j] = _neutralise(values[j])
            out.iloc[:, i] = pd.Series(values, index=out.index, dtype=column.dtype)
    out.columns = [str(_neutralise(str(c))) for c in out.columns]
    return out


def to_safe_csv(frame: pd.DataFrame, *, dialect: CsvDialect = "plain") -> bytes:
    """CSV bytes of ``frame`` with formulas neutralised, ready for download, in ``dialect``."""
    safe = neutralise_formulas(frame)
    if dialect == "excel-fr":
        return safe.to_csv(index=False, sep=";", decimal=",").encode("utf-8-sig")
    if dialect != "plain":
        raise ValueError(f"dialect={dialect!r} is not a CSV dialect; use 'plain' or 'excel-fr'.")
    return safe.to_csv(index=False).encode("utf-8")
