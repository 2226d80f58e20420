"""Safe CSV export: cells that a spreadsheet would run as formulas are neutralised."""

from __future__ import annotations

import pandas as pd

# A spreadsheet treats a cell starting with one of these as a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def _neutralise(value: object) -> object:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Copy of ``frame`` where every text cell that starts like a formula is prefixed with ``'``.

    Numeric columns are left as numbers (a negative number is not a formula).
    """
    out = frame.copy()
    for col in out.columns:
        if not pd.api.types.is_numeric_dtype(out[col]) and not pd.api.types.is_bool_dtype(out[col]):
            out[col] = out[col].map(_neutralise)
    out.columns = [str(_neutralise(str(c))) for c in out.columns]
    return out


def to_safe_csv(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV bytes of ``frame`` with formulas neutralised, ready for download."""
    return neutralise_formulas(frame).to_csv(index=False).encode("utf-8")
