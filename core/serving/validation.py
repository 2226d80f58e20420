"""Strict validation of client records and CSV frames against a bundle's feature schema.

A record is a mapping feature -> value. Impossible values are errors; values that are
possible but outside the range seen in training are accepted with a warning. Every problem
of a record is reported at once.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, create_model

from core.errors import FieldError, FileValidationError, RecordValidationError
from core.serving.schema import ID_COLUMN, MISSING_CATEGORY, TARGET_COLUMN, FeatureSchema, FeatureSpec

_DAYS_PER_YEAR = 365.25
_MAX_LISTED_CATEGORIES = 12


@dataclass(frozen=True)
class FieldWarning:
    """A value that is accepted but deserves attention (e.g. outside the training range)."""

    field: str
    message: str
    value: object = None

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


@dataclass
class ValidRecord:
    """A record that passed validation: model-ready values, client id, warnings."""

    values: dict[str, float | str | None]
    client_id: int | None = None
    warnings: list[FieldWarning] = field(default_factory=list)


def _bool_from_01(value: Any) -> Any:
    # JSON 0/1 is accepted for flags, as the original API did; True/False pass through.
    if not isinstance(value, bool) and isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    return value


def _field_definition(spec: FeatureSpec) -> tuple[Any, Any]:
    description = spec.description
    if spec.kind == "boolean":
        return Annotated[bool | None, BeforeValidator(_bool_from_01)], Field(description=description)
    if spec.kind == "categorical":
        if spec.categories:
            allowed = tuple([*spec.categories, MISSING_CATEGORY])
            return Literal[allowed] | None, Field(description=description)  # type: ignore[valid-type]
        return str | None, Field(description=description)
    return float | None, Field(
        ge=spec.domain_min, le=spec.domain_max, allow_inf_nan=False, description=description
    )


@lru_cache(maxsize=8)
def _record_model_cached(schema_json: str) -> type[BaseModel]:
    schema = FeatureSchema.model_validate_json(schema_json)
    fields: dict[str, Any] = {ID_COLUMN: (int | None, Field(default=None, gt=0, description="client id"))}
    for spec in schema.features:
        fields[spec.name] = _field_definition(spec)
    return create_model(  # type: ignore[call-overload, no-any-return]
        "ClientRecord", __config__=ConfigDict(extra="forbid", strict=True), **fields
    )


def record_model(schema: FeatureSchema) -> type[BaseModel]:
    """A pydantic model of one client record for this schema (also used for OpenAPI docs)."""
    return _record_model_cached(schema.model_dump_json())


def _describe_value(value: Any) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, str):
        return f"the text {value!r}"
    if value is None:
        return "null"
    return repr(value)


def _impossible(spec: FeatureSpec, value: Any) -> str:
    if spec.name == "DAYS_BIRTH" and isinstance(value, int | float):
        return f"impossible age {-value / _DAYS_PER_YEAR:.1f} years ({value}): the client must be 18 to 120 years old"
    lo, hi = spec.domain_min, spec.domain_max
    if spec.name.startswith("DAYS_") and hi == 0 and isinstance(value, int | float) and value > 0:
        hint = (
            " (the Kaggle sentinel 365243 means 'not employed': send null)"
            if spec.name == "DAYS_EMPLOYED"
            else ""
        )
        return f"impossible value {value}: days are counted back from the application, so must be <= 0{hint}"
    bounds = (
        f"between {lo:g} and {hi:g}"
        if lo is not None and hi is not None
        else (f">= {lo:g}" if lo is not None else f"<= {hi:g}")
    )
    return f"impossible value {value}: must be {bounds}"


def _message(spec: FeatureSpec | None, err: Mapping[str, Any]) -> str:
    kind, value = err["type"], err.get("input")
    if kind == "extra_forbidden":
        return "unknown field: this model has no feature of that name"
    if kind == "missing":
        return "missing field: send null if the value is unknown"
    if spec is None:  # client id
        return f"must be a positive integer, got {_describe_value(value)}"
    if kind in {"greater_than_equal", "less_than_equal", "greater_than", "less_than"}:
        return _impossible(spec, value)
    if kind == "finite_number":
        return "NaN and infinity are not allowed: send null for a missing value"
    if spec.kind == "numeric":
        return f"expected a number, got {_describe_value(value)}"
    if spec.kind == "boolean":
        return f"expected true/false (or 0/1), got {_describe_value(value)}"
    if kind == "literal_error" and isinstance(value, str):
        cats = spec.categories or []
        shown = ", ".join(repr(c) for c in cats[:_MAX_LISTED_CATEGORIES])
        more = f", … ({len(cats)} in all)" if len(cats) > _MAX_LISTED_CATEGORIES else ""
        return f"unknown category {value!r}: expected one of {shown}{more}"
    return f"expected a text category, got {_describe_value(value)}"


def _range_warnings(spec: FeatureSpec, value: Any) -> list[FieldWarning]:
    if spec.kind != "numeric" or value is None or spec.min is None or spec.max is None:
        return []
    if spec.min <= value <= spec.max:
        return []
    return [
        FieldWarning(
            spec.name,
            f"{value:g} is outside the range seen in training [{spec.min:g}, {spec.max:g}]: "
            "accepted, but the score is less certain",
            value,
        )
    ]


def validate_record(record: Any, schema: FeatureSchema) -> ValidRecord:
    """Validate one client record; raise :class:`RecordValidationError` listing every problem."""
    if not isinstance(record, Mapping):
        raise RecordValidationError(
            [FieldError("(record)", f"expected an object of feature -> value, got {type(record).__name__}")]
        )
    non_str = [k for k in record if not isinstance(k, str)]
    if non_str:
        raise RecordValidationError([FieldError(str(k), "field names must be text") for k in non_str])
    specs = {s.name: s for s in schema.features}
    try:
        parsed = record_model(schema).model_validate(dict(record))
    except ValidationError as exc:
        errors = []
        for err in exc.errors():
            name = str(err["loc"][0]) if err["loc"] else "(record)"
            if err["type"] == "missing" and name == ID_COLUMN:
                continue
            errors.append(FieldError(name, _message(specs.get(name), err), err.get("input")))
        raise RecordValidationError(errors) from None
    data = parsed.model_dump()
    values: dict[str, float | str | None] = {}
    warnings: list[FieldWarning] = []
    for spec in schema.features:
        value = data[spec.name]
        if spec.kind == "boolean" and value is not None:
            value = float(value)
        elif spec.kind == "categorical" and value == MISSING_CATEGORY:
            value = None
        warnings += _range_warnings(spec, value)
        values[spec.name] = value
    return ValidRecord(values=values, client_id=data.get(ID_COLUMN), warnings=warnings)


# ----------------------------------------------------------------------------- frames (CSV)


@dataclass(frozen=True)
class RowError:
    """One problem in one row of a file; ``row`` is the 1-based data row (header excluded)."""

    row: int
    field: str
    problem: str
    value: object = None


@dataclass
class FrameValidation:
    """Result of validating a table of clients: valid rows ready to score and a row-level report."""

    features: pd.DataFrame  # valid rows only, schema columns, index = 1-based data row
    client_ids: pd.Series  # aligned with ``features`` (may be all-null)
    target: pd.Series | None
    errors: list[RowError]
    warnings: list[RowError]
    ignored_columns: list[str]
    n_rows: int

    @property
    def invalid_rows(self) -> list[int]:
        """Row numbers that were rejected."""
        return sorted({e.row for e in self.errors})


_TRUE = {"1", "1.0", "true", "yes"}
_FALSE = {"0", "0.0", "false", "no"}


def _as_text(col: pd.Series) -> pd.Series:
    text = col.astype(object).where(col.notna(), None)
    return text.map(
        lambda v: None if v is None or (isinstance(v, str) and v.strip() == "") else str(v).strip()
    )


def _check_column(
    spec: FeatureSpec, col: pd.Series
) -> tuple[pd.Series, list[tuple[Any, str, Any]], list[tuple[Any, str, Any]]]:
    """Vectorised checks of one column; returns parsed values, errors and warnings (index, msg, value)."""
    text = _as_text(col)
    present = text.notna()
    errors: list[tuple[Any, str, Any]] = []
    warnings: list[tuple[Any, str, Any]] = []
    if spec.kind == "categorical":
        parsed = text.where(text != MISSING_CATEGORY, None)
        if spec.categories:
            bad = parsed.notna() & ~parsed.isin(spec.categories)
            errors += [
                (i, _message(spec, {"type": "literal_error", "input": v}), v) for i, v in parsed[bad].items()
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
    parsed = pd.to_numeric(text, errors="coerce").astype(float)
    not_number = (
        present & parsed.isna() & ~text.str.lower().isin({"nan", "inf", "-inf", "infinity", "-infinity"})
    )
    errors += [
        (i, _message(spec, {"type": "float_type", "input": v}), v) for i, v in text[not_number].items()
    ]
    not_finite = present & ~not_number & ~np.isfinite(parsed)
    errors += [(i, _message(spec, {"type": "finite_number"}), v) for i, v in text[not_finite].items()]
    ok = np.isfinite(parsed)
    lo, hi = spec.domain_min, spec.domain_max
    out = ok & (((parsed < lo) if lo is not None else False) | ((parsed > hi) if hi is not None else False))
    errors += [(i, _impossible(spec, _num(v)), v) for i, v in parsed[out].items()]
    if spec.min is not None and spec.max is not None:
        unusual = ok & ~out & ((parsed < spec.min) | (parsed > spec.max))
        warnings += [(i, w.message, v) for i, v in parsed[unusual].items() for w in _range_warnings(spec, v)]
    return parsed.where(np.isfinite(parsed), np.nan), errors, warnings


def _num(v: float) -> float | int:
    return int(v) if float(v).is_integer() else float(v)


def validate_frame(frame: pd.DataFrame, schema: FeatureSchema, *, first_row: int = 1) -> FrameValidation:
    """Validate a table of clients (e.g. a CSV read with every cell as text).

    The id column and an optional TARGET column are recognised; other unknown columns are
    listed and ignored; empty cells are missing values. Missing feature columns reject the
    whole file (:class:`FileValidationError` listing them). Rows with errors are reported and
    excluded; the others are returned ready to score.
    """
    missing = [n for n in schema.names if n not in frame.columns]
    if missing:
        shown = ", ".join(missing[:20]) + (f", … ({len(missing)} in all)" if len(missing) > 20 else "")
        raise FileValidationError(
            f"the file lacks {len(missing)} feature column(s) the model needs: {shown}."
        )
    frame = frame.reset_index(drop=True)
    frame.index = pd.RangeIndex(first_row, first_row + len(frame))
    errors: list[RowError] = []
    warnings: list[RowError] = []
    parsed: dict[str, pd.Series] = {}
    for spec in schema.features:
        values, errs, warns = _check_column(spec, frame[spec.name])
        parsed[spec.name] = values
        errors += [RowError(int(i), spec.name, msg, v) for i, msg, v in errs]
        warnings += [RowError(int(i), spec.name, msg, v) for i, msg, v in warns]
    ids = pd.Series([None] * len(frame), index=frame.index, dtype=object)
    if ID_COLUMN in frame.columns:
        text = _as_text(frame[ID_COLUMN])
        num = pd.to_numeric(text, errors="coerce")
        bad = text.notna() & ~(num.notna() & (num > 0) & (num.fillna(0) % 1 == 0))
        errors += [RowError(int(i), ID_COLUMN, "must be a positive integer", v) for i, v in text[bad].items()]
        ids = (
            num.where(~bad & num.notna(), None)
            .astype(object)
            .map(lambda v: None if v is None or (isinstance(v, float) and math.isnan(v)) else int(v))
        )
    target = None
    if TARGET_COLUMN in frame.columns:
        t = pd.to_numeric(_as_text(frame[TARGET_COLUMN]), errors="coerce")
        bad = ~t.isin([0, 1]) & _as_text(frame[TARGET_COLUMN]).notna()
        errors += [
            RowError(int(i), TARGET_COLUMN, "must be 0 (repaid) or 1 (default)", v) for i, v in t[bad].items()
        ]
        target = t
    errors.sort(key=lambda e: (e.row, e.field))
    bad_rows = {e.row for e in errors}
    keep = ~frame.index.isin(list(bad_rows))
    features = pd.DataFrame(parsed, index=frame.index)[keep]
    for name in schema.categorical:
        features[name] = features[name].astype(object)
    known = {*schema.names, ID_COLUMN, TARGET_COLUMN}
    return FrameValidation(
        features=features,
        client_ids=ids[keep],
        target=target[keep] if target is not None else None,
        errors=errors,
        warnings=warnings,
        ignored_columns=[str(c) for c in frame.columns if c not in known],
        n_rows=len(frame),
    )


def read_clients_csv(source: Any) -> pd.DataFrame:
    """Read a clients CSV keeping every cell as text (only empty cells are missing)."""
    try:
        return pd.read_csv(source, dtype=str, keep_default_na=False, na_values=[""], skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise FileValidationError(f"the file is not a readable CSV: {str(exc).splitlines()[0]}") from None
