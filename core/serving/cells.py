"""Text cells to typed columns, a column at a time.

Each function gives, for a whole column, exactly what Python gives cell by cell (``str.strip``,
``float``, ``int``) — the row-wise rules of a CSV cell — at the speed of pyarrow's compute kernels.
A column whose every cell is already in its plain form (a number pyarrow reads, a category as the
bundle spells it) takes one kernel call; otherwise cells are stripped, the plain spellings are
parsed by pyarrow (which rounds correctly, as Python does) and every other non-empty cell
(``nan``, ``1_000``, a decimal comma, non-ASCII digits…) is given to Python's own parser, so that
no spelling is judged differently from the row-wise rules.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

#: the characters ``str.strip()`` removes (``str.isspace`` of every code point: a test recomputes
#: them), for pyarrow's trim; written out, since scanning 1.1 M code points took 0.1-0.2 s of every start
WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
#: a number pyarrow parses exactly as Python's ``float`` does (both round correctly)
_PLAIN_NUMBER = r"^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$"
#: an id of at most 18 ASCII digits (below 2**63 - 1), optionally written ``100002.0``
_PLAIN_ID = r"^[0-9]{1,18}(?:\.0)?$"
#: spellings read as NaN or an infinity that the validator calls "not finite" (not "not a number")
NOT_FINITE_SPELLINGS = ("nan", "inf", "-inf", "infinity", "-infinity", "+inf")
_LONGEST_ID = 30  # digits: longer text is not an id (and never reaches int())
#: the largest client id a database integer (BIGINT) holds
MAX_ID = 2**63 - 1
_TEXT = pa.large_string()


def raw_cells(col: pd.Series) -> pa.Array:
    """The cells of ``col`` as pyarrow text, null where missing, not yet stripped.

    A text column (``read_csv(dtype=str)``) is shared without a copy; a column of other values
    (a frame not read as text) gets the text ``str()`` writes of each value.
    """
    dtype = col.dtype
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
        return pa.array(col.array).cast(_TEXT)
    present = col.notna().to_numpy()
    if isinstance(dtype, pd.StringDtype) or pd.api.types.infer_dtype(col, skipna=True) in ("string", "empty"):
        return pa.array(col.to_numpy(dtype=object), type=_TEXT, mask=~present)
    text = [str(v).strip() if ok else None for v, ok in zip(col.tolist(), present, strict=True)]
    return pa.array(text, type=_TEXT)


def stripped(raw: pa.Array) -> pa.Array:
    """``None if blank else v.strip()`` of each cell (Python's whitespace, Unicode included)."""
    trimmed = pc.utf8_trim(raw, characters=WHITESPACE)
    return pc.if_else(pc.not_equal(trimmed, ""), trimmed, pa.scalar(None, _TEXT))


def text_cells(col: pd.Series) -> pa.Array:
    """The cells of ``col`` as text without surrounding whitespace; null where missing or blank."""
    return stripped(raw_cells(col))


def as_objects(values: pa.Array, missing: object) -> np.ndarray:
    """The cells as an object array of Python strings, ``missing`` where null."""
    out = np.asarray(values.to_numpy(zero_copy_only=False), dtype=object)
    if values.null_count:
        out[~present_mask(values)] = missing
    return out


def missing_marker(text: pa.Array) -> object:
    """What a row-wise pass over these stripped cells leaves in a missing one: NaN in a text column,
    None when no cell holds text (pandas infers an object column of None then)."""
    return None if text.null_count == len(text) else np.nan


def as_series(text: pa.Array, index: pd.Index) -> pd.Series:
    """A pandas column of stripped cells, as a row-wise pass gives it: ``str`` dtype with NaN where
    missing (an object column of None when no cell holds text)."""
    if text.null_count == len(text):
        return pd.Series([None] * len(text), index=index, dtype=object)
    series = text.to_pandas()
    series.index = index
    return series


def _bools(values: pa.Array) -> np.ndarray:
    return np.asarray(pc.fill_null(values, False).to_numpy(zero_copy_only=False), dtype=bool)


def present_mask(text: pa.Array) -> np.ndarray:
    """True where a cell holds text."""
    return np.asarray(pc.is_valid(text).to_numpy(zero_copy_only=False), dtype=bool)


def is_in(text: pa.Array, values: Collection[str]) -> np.ndarray:
    """True where a cell equals one of ``values`` (False where missing)."""
    return _bools(pc.is_in(text, value_set=pa.array(list(values), type=_TEXT)))


def take_text(text: pa.Array, positions: np.ndarray) -> list[Any]:
    """The cells at ``positions`` as Python strings (None where missing)."""
    if not len(positions):
        return []
    return text.take(pa.array(positions, type=pa.int64())).to_pylist()  # type: ignore[no-any-return]


def codes(raw: pa.Array, values: Sequence[str]) -> np.ndarray | None:
    """The index in ``values`` of each cell (-1 where missing) when every cell is missing or exactly
    one of ``values`` (none of which has surrounding whitespace), so that the cells are their own
    stripped text; otherwise None."""
    if any(v != v.strip() or not v for v in values):
        return None
    found = pc.index_in(raw, value_set=pa.array(list(values), type=_TEXT))
    if found.null_count != raw.null_count:
        return None
    return np.asarray(pc.fill_null(found, -1).to_numpy(zero_copy_only=False), dtype=np.int64)


def _python_float(value: str) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


def _python_numbers(text: pa.Array, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Python's float of the cells at ``positions``, and which of them are not numbers."""
    cells = text.take(pa.array(positions, type=pa.int64()))
    parsed = np.array([_python_float(v) for v in cells.to_pylist()], dtype=np.float64)
    spelled = is_in(pc.utf8_lower(cells), NOT_FINITE_SPELLINGS)
    return parsed, np.isnan(parsed) & ~spelled


def parse_numbers(raw: pa.Array) -> tuple[np.ndarray, np.ndarray | None, pa.Array]:
    """Each cell as Python's ``float(v.strip())`` reads it (NaN where blank or unreadable), the mask
    of cells holding text that is not a number (None when there is none; NaN and infinity spellings
    are numbers, not finite ones), and the stripped text of the cells (to quote in problems)."""
    try:  # the common case: every cell a plain number, with no space around it
        out = np.array(pc.cast(raw, pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64)
    except pa.ArrowInvalid:
        return _parse_stripped(stripped(raw))
    if np.count_nonzero(~np.isfinite(out)) == raw.null_count:  # nothing but numbers and missing cells
        return out, None, raw
    # NaN or infinity spellings, some of which pyarrow reads and Python does not ("nan(1)")
    return _parse_stripped(stripped(raw))


def _parse_stripped(text: pa.Array) -> tuple[np.ndarray, np.ndarray, pa.Array]:
    plain = _bools(pc.match_substring_regex(text, _PLAIN_NUMBER))
    values = pc.cast(pc.if_else(pa.array(plain), text, pa.scalar(None, _TEXT)), pa.float64())
    out = np.array(values.to_numpy(zero_copy_only=False), dtype=np.float64)  # NaN where null
    odd = np.flatnonzero(present_mask(text) & ~plain)
    not_number = np.zeros(len(text), dtype=bool)
    if len(odd):
        out[odd], not_number[odd] = _python_numbers(text, odd)
    return out, not_number, text


def parse_flags(raw: pa.Array, true: Sequence[str], false: Sequence[str]) -> tuple[np.ndarray, pa.Array]:
    """1.0 where a cell (stripped, lower-cased) is one of ``true``, 0.0 where one of ``false``, else
    NaN; and the stripped text of the cells (to quote in problems)."""
    tokens = pa.array([*true, *false], type=_TEXT)
    values = np.array([1.0] * len(true) + [0.0] * len(false) + [np.nan])
    found = pc.index_in(raw, value_set=tokens)
    text = raw
    if found.null_count != raw.null_count:  # some cells are not written as a token: strip, lower-case
        text = stripped(raw)
        found = pc.index_in(pc.utf8_lower(text), value_set=tokens)
    index = np.asarray(pc.fill_null(found, len(tokens)).to_numpy(zero_copy_only=False), dtype=np.int64)
    return values[index], text


def _exact_id(text: str) -> int | None:
    digits = text[:-2] if text.endswith(".0") else text  # 100002.0 written by a spreadsheet is 100002
    if not digits.isdecimal() or len(digits) > _LONGEST_ID:
        return None
    n = int(digits)
    return n if 0 < n <= MAX_ID else None


def parse_id_cells(text: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Client ids of stripped text cells as exact Python ints (an object array, None where missing
    or bad; never through a float) and a mask of the cells that hold text but no valid id (a
    positive 64-bit integer)."""
    n = len(text)
    present = present_mask(text)
    plain = _bools(pc.match_substring_regex(text, _PLAIN_ID))
    ids = np.full(n, None, dtype=object)
    if plain.any():
        digits = pc.replace_substring_regex(text.filter(pa.array(plain)), r"\.0$", "")
        numbers = np.asarray(pc.cast(digits, pa.int64()).to_numpy(zero_copy_only=False), dtype=np.int64)
        where = np.flatnonzero(plain)
        positive = numbers > 0
        ids[where[positive]] = numbers[positive].tolist()
    other = np.flatnonzero(present & ~plain)
    for i, cell in zip(other, take_text(text, other), strict=True):
        ids[i] = _exact_id(cell)
    return ids, present & pd.isna(ids)
