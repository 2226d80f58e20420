"""Strict validation of records and CSV frames against a bundle's input contract.

A record maps field -> value: the raw application fields (``application`` contract) or the model
features (``features`` contract). Impossible values are errors; values that are possible but
outside what training saw (a range, a category) are accepted with a warning. Every problem of a
record is reported at once, each naming its field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    create_model,
)
from pydantic_core import PydanticCustomError

from core.errors import FieldError, FileValidationError, RecordValidationError
from core.serving.messages import Problem
from core.serving.schema import ID_COLUMN, TARGET_COLUMN, FeatureSchema, FeatureSpec

_DAYS_PER_YEAR = 365.25
_MAX_LISTED_CATEGORIES = 12
INSUFFICIENT = Problem("insufficient")


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
    """A record that passed validation: values of the contract's fields, client id, warnings."""

    values: dict[str, float | str | None]
    client_id: int | None = None
    warnings: list[FieldWarning] = field(default_factory=list)
    #: contract fields the record did not give (absent or null)
    missing: list[str] = field(default_factory=list)


def _bool_from_01(value: Any) -> Any:
    # JSON 0/1 is accepted for flags, as the original API did; True/False pass through.
    if not isinstance(value, bool) and isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    return value


def _impossible(spec: FeatureSpec, value: Any) -> Problem:
    if spec.name == "DAYS_BIRTH" and isinstance(value, int | float):
        return Problem("impossible_age", value=value)
    info = spec.info
    days = info is not None and info.unit == "days" and isinstance(value, int | float) and value > 0
    return Problem(
        "impossible", value=value, lo=spec.domain_min, hi=spec.domain_max, days=days,
        sentinel=info.sentinel if info else None, sentinel_meaning=info.sentinel_meaning if info else None,
        rationale=info.bounds_rationale if info else None,
    )  # fmt: skip


def _out_of_bounds(spec: FeatureSpec, value: float) -> bool:
    if spec.info is not None and spec.info.sentinel is not None and value == spec.info.sentinel:
        return False
    lo, hi = spec.domain_min, spec.domain_max
    return (lo is not None and value < lo) or (hi is not None and value > hi)


def _numeric_check(spec: FeatureSpec) -> Any:
    def check(value: float | None) -> float | None:
        if value is None:
            return None
        if _out_of_bounds(spec, value):
            raise PydanticCustomError("impossible", str(_impossible(spec, value)))
        if spec.integer and value != int(value):
            raise PydanticCustomError("not_integer", str(Problem("not_integer", value=value)))
        return value

    return check


def _field_definition(spec: FeatureSpec, schema: FeatureSchema) -> tuple[Any, Any]:
    description = spec.info.description_en if spec.info else spec.description
    default: Any = None if schema.contract == "application" else ...
    if spec.kind == "boolean":
        return Annotated[bool | None, BeforeValidator(_bool_from_01)], Field(default, description=description)
    if spec.kind == "categorical":
        if spec.categories:
            allowed = tuple(dict.fromkeys([*spec.categories, schema.missing_category]))
            return Literal[allowed] | None, Field(default, description=description)  # type: ignore[valid-type]
        return str | None, Field(default, description=description)
    extra: dict[str, Any] = {}
    if spec.integer:
        extra["multiple_of"] = 1
    if not (spec.info and spec.info.sentinel is not None):
        extra.update(ge=spec.domain_min, le=spec.domain_max)
    # bounds are checked by the validator (naming the rule); ge/le only document them in the schema
    return Annotated[float | None, AfterValidator(_numeric_check(spec))], Field(
        default, allow_inf_nan=False, description=description, json_schema_extra=_schema_extra(extra)
    )


def _schema_extra(extra: dict[str, Any]) -> dict[str, Any]:
    names = {"ge": "minimum", "le": "maximum", "multiple_of": "multipleOf"}
    return {names[k]: v for k, v in extra.items() if v is not None}


@lru_cache(maxsize=8)
def _record_model_cached(schema_json: str) -> type[BaseModel]:
    schema = FeatureSchema.model_validate_json(schema_json)
    fields: dict[str, Any] = {
        ID_COLUMN: (
            int | None,
            Field(default=None, gt=0, le=MAX_ID, description="client id (a 64-bit integer)"),
        )
    }
    for spec in schema.fields:
        fields[spec.name] = _field_definition(spec, schema)
    name = "Application" if schema.contract == "application" else "ClientRecord"
    return create_model(  # type: ignore[call-overload, no-any-return]
        name, __config__=ConfigDict(extra="forbid", strict=True), **fields
    )


def record_model(schema: FeatureSchema) -> type[BaseModel]:
    """A pydantic model of one record for this schema's contract (also the OpenAPI schema).

    Built once per schema object (a bundle's schema is never modified after loading).
    """
    if schema._record_model is None:
        schema._record_model = _record_model_cached(schema.model_dump_json())
    return schema._record_model  # type: ignore[no-any-return]


def _category_error(spec: FeatureSpec, value: str) -> Problem:
    return Problem(
        "unknown_category", value=value, allowed=list(spec.categories or []), listed=_MAX_LISTED_CATEGORIES
    )


def _message(spec: FeatureSpec | None, err: Mapping[str, Any]) -> Problem:
    kind, value = err["type"], err.get("input")
    if kind == "extra_forbidden":
        return Problem("unknown_field")
    if kind == "missing":
        return Problem("missing_field")
    if spec is None:  # client id
        return Problem("bad_id", value=value)
    if kind == "impossible":
        return _impossible(spec, value)
    if kind == "not_integer":
        return Problem("not_integer", value=value)
    if kind == "finite_number":
        return Problem("not_finite")
    if spec.kind == "numeric":
        return Problem("expected_number", value=value)
    if spec.kind == "boolean":
        return Problem("expected_bool", value=value)
    if kind == "literal_error" and isinstance(value, str):
        return _category_error(spec, value)
    return Problem("expected_category", value=value)


def _range_warning(spec: FeatureSpec, value: Any) -> FieldWarning | None:
    if value is None:
        return None
    if spec.kind == "categorical":
        seen = spec.seen_categories
        if seen is not None and value not in seen:
            return FieldWarning(spec.name, Problem("unseen_category", value=value), value)
        return None
    if spec.kind != "numeric" or spec.min is None or spec.max is None:
        return None
    if spec.min <= value <= spec.max or (spec.info is not None and value == spec.info.sentinel):
        return None
    return FieldWarning(spec.name, Problem("outside_range", value=value, min=spec.min, max=spec.max), value)


def validate_record(record: Any, schema: FeatureSchema) -> ValidRecord:
    """Validate one record; raise :class:`RecordValidationError` listing every problem."""
    if not isinstance(record, Mapping):
        raise RecordValidationError(
            [FieldError("(record)", f"expected an object of field -> value, got {type(record).__name__}")]
        )
    non_str = [k for k in record if not isinstance(k, str)]
    if non_str:
        raise RecordValidationError([FieldError(str(k), "field names must be text") for k in non_str])
    plan = _plan(schema)
    errors: list[FieldError] = []
    try:
        data = record_model(schema).model_validate(dict(record)).__dict__
    except ValidationError as exc:
        for err in exc.errors():
            name = str(err["loc"][0]) if err["loc"] else "(record)"
            errors.append(FieldError(name, _message(plan.specs.get(name), err), err.get("input")))
        data = None
    failed = {e.field for e in errors}
    errors += [
        FieldError(n, INSUFFICIENT) for n in plan.required if record.get(n) is None and n not in failed
    ]
    if errors:
        raise RecordValidationError(errors) from None
    assert data is not None
    values: dict[str, float | str | None] = {}
    warnings: list[FieldWarning] = []
    missing_category = schema.missing_category
    for spec, kind, seen, lo, hi, sentinel in plan.checks:
        value = data[spec.name]
        if value is not None:
            if kind == "boolean":
                value = float(value)
            elif kind == "categorical":
                if value == missing_category:
                    value = None
                elif seen is not None and value not in seen:
                    warnings.append(FieldWarning(spec.name, Problem("unseen_category", value=value), value))
            elif lo is not None and not (lo <= value <= hi or value == sentinel):
                warnings.append(_range_warning(spec, value))  # type: ignore[arg-type]
        values[spec.name] = value
    missing = [n for n, v in values.items() if v is None]
    return ValidRecord(values=values, client_id=data.get(ID_COLUMN), warnings=warnings, missing=missing)


_Check = tuple[FeatureSpec, str, frozenset[str] | None, float | None, float | None, float | None]


@dataclass(frozen=True)
class _Plan:
    """What :func:`validate_record` checks after pydantic, precomputed once per schema."""

    specs: dict[str, FeatureSpec]
    required: list[str]
    #: (spec, kind, seen categories, training min, training max, sentinel) in contract order
    checks: list[_Check]


def _plan(schema: FeatureSchema) -> _Plan:
    if schema._record_plan is None:
        checks: list[_Check] = []
        for spec in schema.fields:
            seen = spec.seen_categories if spec.kind == "categorical" else None
            numeric = spec.kind == "numeric" and spec.min is not None and spec.max is not None
            checks.append(
                (
                    spec,
                    spec.kind,
                    None if seen is None else frozenset(seen),
                    spec.min if numeric else None,
                    spec.max if numeric else None,
                    spec.info.sentinel if spec.info is not None else None,
                )
            )
        schema._record_plan = _Plan(
            specs={s.name: s for s in schema.fields},
            required=[s.name for s in schema.fields if s.required],
            checks=checks,
        )
    return schema._record_plan  # type: ignore[no-any-return]


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
    """Result of validating a table: valid rows ready to score and a row-level report."""

    features: pd.DataFrame  # valid rows only, contract columns, index = 1-based data row
    client_ids: pd.Series  # aligned with ``features``: exact Python ints or None
    target: pd.Series | None
    errors: list[RowError]
    warnings: list[RowError]
    ignored_columns: list[str]
    n_rows: int
    #: optional contract columns the file does not have (read as missing values)
    absent_columns: list[str] = field(default_factory=list)

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


#: the largest client id a database integer (BIGINT) holds
MAX_ID = 2**63 - 1


def parse_ids(col: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Client ids from text, exactly (Python ints, never through a float); and a mask of bad cells."""
    text = _as_text(col)

    def exact(v: Any) -> int | None:
        if not isinstance(v, str):
            return None
        s = v[:-2] if v.endswith(".0") else v  # 100002.0 written by a spreadsheet is 100002
        if not s.isdigit() or len(s) > 30:
            return None
        n = int(s)
        return n if 0 < n <= MAX_ID else None

    ids = pd.Series([exact(v) for v in text], index=text.index, dtype=object)
    bad = text.notna() & ids.isna()
    return ids, bad


def validate_frame(frame: pd.DataFrame, schema: FeatureSchema, *, first_row: int = 1) -> FrameValidation:
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


def read_clients_csv(source: Any) -> pd.DataFrame:
    """Read a clients CSV keeping every cell as text (only empty cells are missing)."""
    try:
        return pd.read_csv(source, dtype=str, keep_default_na=False, na_values=[""], skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise FileValidationError(f"the file is not a readable CSV: {str(exc).splitlines()[0]}") from None
