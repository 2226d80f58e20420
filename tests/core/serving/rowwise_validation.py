"""The row-wise frame validator, kept as the oracle of the vectorised one (``validate_frame``).

This is ``core.serving.validation.validate_frame`` as it was before it was vectorised (a Python
call per cell), unchanged but for one fix made in both: an id cell of digits that ``int()`` cannot
read (``"²"``: ``str.isdigit`` but not ``str.isdecimal``) is a bad id, not a crash. The
differential tests (``test_frame_differential.py``) require the two to give the same errors,
warnings, parsed values and ids on adversarial cells. It shares the product's message helpers on
purpose: what is compared is which cells fail, how they parse and in what order, not the wording.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from core.errors import FileValidationError
from core.serving.messages import Problem
from core.serving.schema import ID_COLUMN, TARGET_COLUMN, FeatureSchema, FeatureSpec
from core.serving.validation import (
    INSUFFICIENT,
    MAX_ID,
    FrameValidation,
    RowError,
    _category_error,
    _impossible,
    _message,
    _out_of_bounds,
    _range_warning,
    row_problems,
    with_row_problems,
)

_TRUE = {"1", "1.0", "true", "yes"}
_FALSE = {"0", "0.0", "false", "no"}


def _as_text(col: pd.Series) -> pd.Series:
    text = col.astype(object).where(col.notna(), None)
    return text.map(
        lambda v: None if v is None or (isinstance(v, str) and v.strip() == "") else str(v).strip()
    )


def parse_floats(text: pd.Series) -> pd.Series:
    """Text cells -> float64 with Python's correctly rounded parser (the same double as JSON); NaN
    where a cell is empty or not a number."""
    present = text.notna()
    out = np.full(len(text), np.nan)
    values = text[present].to_numpy(dtype=object)
    try:
        out[present.to_numpy()] = values.astype(float)
    except (TypeError, ValueError):
        parsed = []
        for v in values:
            try:
                parsed.append(float(v))
            except (TypeError, ValueError):
                parsed.append(np.nan)
        out[present.to_numpy()] = parsed
    return pd.Series(out, index=text.index)


def _check_column(
    spec: FeatureSpec, col: pd.Series, missing_token: str
) -> tuple[pd.Series, list[tuple[Any, str, Any]], list[tuple[Any, str, Any]]]:
    """Vectorised checks of one column; returns parsed values, errors and warnings (index, msg, value)."""
    text = _as_text(col)
    present = text.notna()
    errors: list[tuple[Any, str, Any]] = []
    warnings: list[tuple[Any, str, Any]] = []
    if spec.kind == "categorical":
        parsed = text.where(text != missing_token, None)
        if spec.categories:
            bad = parsed.notna() & ~parsed.isin(spec.categories)
            errors += [(i, _category_error(spec, v), v) for i, v in parsed[bad].items()]
        if spec.seen_categories is not None:
            unseen = (
                parsed.notna()
                & ~parsed.isin(spec.seen_categories)
                & ~parsed.isin(parsed[bad] if spec.categories else [])
            )
            warnings += [
                (i, w.message, v) for i, v in parsed[unseen].items() if (w := _range_warning(spec, v))
            ]
        return parsed, errors, warnings
    if spec.kind == "boolean":
        low = text.str.lower()
        parsed = pd.Series(
            np.where(low.isin(_TRUE), 1.0, np.where(low.isin(_FALSE), 0.0, np.nan)), index=col.index
        )
        bad = present & parsed.isna()
        errors += [(i, _message(spec, {"type": "bool_type", "input": v}), v) for i, v in text[bad].items()]
        return parsed, errors, warnings
    parsed = parse_floats(text)
    special = text.str.lower().isin({"nan", "inf", "-inf", "infinity", "-infinity", "+inf"})
    not_number = present & parsed.isna() & ~special
    errors += [
        (i, _message(spec, {"type": "float_type", "input": v}), v) for i, v in text[not_number].items()
    ]
    not_finite = present & ~not_number & ~np.isfinite(parsed)
    errors += [(i, _message(spec, {"type": "finite_number"}), v) for i, v in text[not_finite].items()]
    ok = np.isfinite(parsed)
    out = ok & parsed.map(lambda v: _out_of_bounds(spec, v) if np.isfinite(v) else False).astype(bool)
    errors += [(i, _impossible(spec, v), v) for i, v in parsed[out].items()]
    if spec.integer:
        frac = ok & ~out & (parsed % 1 != 0)
        errors += [(i, Problem("not_integer", value=v), v) for i, v in parsed[frac].items()]
    if spec.min is not None and spec.max is not None:
        unusual = ok & ~out & ((parsed < spec.min) | (parsed > spec.max))
        warnings += [(i, w.message, v) for i, v in parsed[unusual].items() if (w := _range_warning(spec, v))]
    return parsed.where(np.isfinite(parsed), np.nan), errors, warnings


def parse_ids(col: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Client ids from text, exactly (Python ints, never through a float); and a mask of bad cells."""
    text = _as_text(col)

    def exact(v: Any) -> int | None:
        if not isinstance(v, str):
            return None
        s = v[:-2] if v.endswith(".0") else v  # 100002.0 written by a spreadsheet is 100002
        if not s.isdecimal() or len(s) > 30:
            return None
        n = int(s)
        return n if 0 < n <= MAX_ID else None

    ids = pd.Series([exact(v) for v in text], index=text.index, dtype=object)
    bad = text.notna() & ids.isna()
    return ids, bad


def validate_frame_rowwise(
    frame: pd.DataFrame, schema: FeatureSchema, *, first_row: int = 1
) -> FrameValidation:
    """Validate a table (e.g. a CSV read with every cell as text) against the input contract.

    The id column and an optional TARGET column are recognised; other unknown columns are listed
    and ignored; empty cells are missing values. A file without a column the contract needs (every
    feature column for a ``features`` bundle, the required fields for an ``application`` one) is
    refused (:class:`FileValidationError` naming them); other absent application columns are
    missing values. Rows with errors are reported and excluded; the others are returned parsed.
    """
    specs = schema.fields
    needed = [s.name for s in specs if schema.contract == "features" or s.required]
    missing = [n for n in needed if n not in frame.columns]
    if missing:
        shown = ", ".join(missing[:20]) + (f", … ({len(missing)} in all)" if len(missing) > 20 else "")
        what = (
            "feature column(s) the model needs"
            if schema.contract == "features"
            else "required field column(s)"
        )
        raise FileValidationError(f"the file lacks {len(missing)} {what}: {shown}.")
    unusable = row_problems(frame, first_row)
    frame = frame.reset_index(drop=True)
    frame.index = pd.RangeIndex(first_row, first_row + len(frame))
    absent = [s.name for s in specs if s.name not in frame.columns]
    errors: list[RowError] = []
    warnings: list[RowError] = []
    parsed: dict[str, pd.Series] = {}
    for spec in specs:
        if spec.name not in frame.columns:
            parsed[spec.name] = pd.Series(
                None if spec.kind == "categorical" else np.nan,
                index=frame.index,
                dtype=object if spec.kind == "categorical" else float,
            )
            continue
        values, errs, warns = _check_column(spec, frame[spec.name], schema.missing_category)
        parsed[spec.name] = values
        errors += [RowError(int(i), spec.name, msg, v) for i, msg, v in errs]
        warnings += [RowError(int(i), spec.name, msg, v) for i, msg, v in warns]
        if spec.required:
            empty = values.isna()
            failed = {int(i) for i, _, _ in errs}
            errors += [
                RowError(int(i), spec.name, INSUFFICIENT)
                for i in frame.index[empty.to_numpy()]
                if int(i) not in failed
            ]
    ids = pd.Series([None] * len(frame), index=frame.index, dtype=object)
    if ID_COLUMN in frame.columns:
        ids, bad = parse_ids(frame[ID_COLUMN])
        errors += [
            RowError(int(i), ID_COLUMN, Problem("bad_id"), v)
            for i, v in _as_text(frame[ID_COLUMN])[bad].items()
        ]
    target = None
    if TARGET_COLUMN in frame.columns:
        t = pd.to_numeric(_as_text(frame[TARGET_COLUMN]), errors="coerce")
        bad = ~t.isin([0, 1]) & _as_text(frame[TARGET_COLUMN]).notna()
        errors += [RowError(int(i), TARGET_COLUMN, Problem("bad_target"), v) for i, v in t[bad].items()]
        target = t
    errors, warnings = with_row_problems(unusable, errors, warnings)
    errors.sort(key=lambda e: (e.row, e.field))
    bad_rows = {e.row for e in errors}
    keep = ~frame.index.isin(list(bad_rows))
    features = pd.DataFrame(parsed, index=frame.index)[keep]
    for spec in specs:
        if spec.kind == "categorical":
            features[spec.name] = features[spec.name].astype(object)
    known = {*(s.name for s in specs), ID_COLUMN, TARGET_COLUMN}
    return FrameValidation(
        features=features,
        client_ids=ids[keep],
        target=target[keep] if target is not None else None,
        errors=errors,
        warnings=warnings,
        ignored_columns=[str(c) for c in frame.columns if c not in known],
        n_rows=len(frame),
        absent_columns=absent,
    )
