"""Strict validation of records and CSV frames against a bundle's input contract.

A record maps field -> value: the raw application fields (``application`` contract) or the model
features (``features`` contract). Impossible values are errors; values that are possible but
outside what training saw (a range, a category) are accepted with a warning. Every problem of a
record is reported at once, each naming its field.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
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
from core.serving import cells
from core.serving.cells import MAX_ID
from core.serving.csvfile import ROW_PROBLEMS, ClientsCsv
from core.serving.messages import Problem, clip
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


#: every integer up to this is exactly a float: an integral float id beyond it may have been rounded
_EXACT_FLOAT_INT = 2**53


def _integral_id(value: Any) -> Any:
    # 100002.0 is the id 100002 (as a CSV cell "100002.0" is); 100002.5 is refused, and so is an
    # integral float beyond 2**53, which may be a rounded id (9007199254740993 reads as ...992.0)
    if type(value) is float and value.is_integer() and abs(value) <= _EXACT_FLOAT_INT:
        return int(value)
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
            Annotated[int | None, BeforeValidator(_integral_id)],
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
        raise RecordValidationError([FieldError(clip(k), "field names must be text") for k in non_str])
    plan = _plan(schema)
    errors: list[FieldError] = []
    try:
        data = record_model(schema).model_validate(dict(record)).__dict__
    except ValidationError as exc:
        for err in exc.errors():
            name = str(err["loc"][0]) if err["loc"] else "(record)"
            # an unknown field's name is quoted cut (a 10 MB key is not echoed back)
            errors.append(FieldError(clip(name), _message(plan.specs.get(name), err), err.get("input")))
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


_TRUE = ("1", "1.0", "true", "yes")
_FALSE = ("0", "0.0", "false", "no")
#: the problems of one column: (0-based position, problem, value), in the order they are reported
Found = list[tuple[int, str, Any]]


def _listed(mask: np.ndarray, values: list[Any], problem: Any) -> Found:
    positions = np.flatnonzero(mask)
    return [(int(i), problem(v), v) for i, v in zip(positions, values, strict=True)]


def _categorical_column(
    spec: FeatureSpec, raw: pa.Array, missing_token: str
) -> tuple[np.ndarray, Found, Found]:
    allowed = [*(spec.categories or []), missing_token]
    found = cells.codes(raw, allowed) if spec.categories else None
    if found is not None:  # every cell a category as the bundle spells it (or missing)
        return _known_categories(spec, found, allowed, missing_token, cells.missing_marker(raw))
    text = cells.stripped(raw)
    missing = cells.missing_marker(text)
    parsed = pc.if_else(pc.equal(text, missing_token), pa.scalar(None, text.type), text)
    present = cells.present_mask(parsed)
    errors: Found = []
    warnings: Found = []
    bad = np.zeros(len(parsed), dtype=bool)
    if spec.categories:
        bad = present & ~cells.is_in(parsed, spec.categories)
        problems: dict[str, Problem] = {}  # one sentence per distinct value
        errors = _listed(
            bad, cells.take_text(parsed, np.flatnonzero(bad)),
            lambda v: problems.get(v) or problems.setdefault(v, _category_error(spec, v)),
        )  # fmt: skip
    if spec.seen_categories is not None:
        unseen = present & ~cells.is_in(parsed, spec.seen_categories) & ~bad
        positions = np.flatnonzero(unseen)
        for i, v in zip(positions, cells.take_text(parsed, positions), strict=True):
            if w := _range_warning(spec, v):
                warnings.append((int(i), w.message, v))
    return cells.as_objects(parsed, missing), errors, warnings


def _known_categories(
    spec: FeatureSpec, found: np.ndarray, allowed: list[str], missing_token: str, missing: object
) -> tuple[np.ndarray, Found, Found]:
    """A column of valid categories, from each cell's index in ``allowed`` (-1: missing)."""
    values = np.array([*allowed, missing], dtype=object)
    values[[i for i, v in enumerate(allowed) if v == missing_token]] = missing
    warnings: Found = []
    if spec.seen_categories is not None:
        seen = set(spec.seen_categories)
        unseen = np.array([v not in seen and v != missing_token for v in allowed] + [False])
        for i in np.flatnonzero(unseen[found]):
            v = allowed[found[i]]
            if w := _range_warning(spec, v):
                warnings.append((int(i), w.message, v))
    return values[found], [], warnings


def _flag_column(spec: FeatureSpec, raw: pa.Array) -> tuple[np.ndarray, Found]:
    parsed, text = cells.parse_flags(raw, _TRUE, _FALSE)
    bad = cells.present_mask(text) & np.isnan(parsed)
    values = cells.take_text(text, np.flatnonzero(bad))
    return parsed, _listed(bad, values, lambda v: _message(spec, {"type": "bool_type", "input": v}))


def _outside_domain(spec: FeatureSpec, x: np.ndarray) -> np.ndarray:
    """:func:`_out_of_bounds` of each value (False for NaN)."""
    out = np.zeros(len(x), dtype=bool)
    if spec.domain_min is not None:
        out |= x < spec.domain_min
    if spec.domain_max is not None:
        out |= x > spec.domain_max
    if spec.info is not None and spec.info.sentinel is not None:
        out &= x != spec.info.sentinel
    return out


def _numeric_column(spec: FeatureSpec, raw: pa.Array) -> tuple[np.ndarray, Found, Found]:
    x, not_number, text = cells.parse_numbers(raw)
    finite = np.isfinite(x)
    errors: Found = []
    if not_number is not None:  # some cells are not plain numbers
        not_finite = cells.present_mask(text) & ~not_number & ~finite
        errors += _listed(
            not_number, cells.take_text(text, np.flatnonzero(not_number)),
            lambda v: _message(spec, {"type": "float_type", "input": v}),
        )  # fmt: skip
        errors += _listed(
            not_finite, cells.take_text(text, np.flatnonzero(not_finite)),
            lambda v: _message(spec, {"type": "finite_number"}),
        )  # fmt: skip
    out = finite & _outside_domain(spec, x)
    errors += _listed(out, x[out].tolist(), lambda v: _impossible(spec, v))
    if spec.integer:
        frac = finite & ~out & (np.trunc(np.where(finite, x, 0.0)) != x)  # finite x: x % 1 != 0
        errors += _listed(frac, x[frac].tolist(), lambda v: Problem("not_integer", value=v))
    warnings: Found = []
    if spec.min is not None and spec.max is not None:
        unusual = finite & ~out & ((x < spec.min) | (x > spec.max))
        for i, v in zip(np.flatnonzero(unusual), x[unusual].tolist(), strict=True):
            if w := _range_warning(spec, v):
                warnings.append((int(i), w.message, v))
    return (x if finite.all() else np.where(finite, x, np.nan)), errors, warnings


def _check_column(spec: FeatureSpec, raw: pa.Array, missing_token: str) -> tuple[np.ndarray, Found, Found]:
    """Column-wise checks of one field's cells (not yet stripped): parsed values (floats; Python
    strings and NaN for a category), errors and warnings."""
    if spec.kind == "categorical":
        return _categorical_column(spec, raw, missing_token)
    if spec.kind == "boolean":
        flags, errors = _flag_column(spec, raw)
        return flags, errors, []
    return _numeric_column(spec, raw)


def parse_ids(col: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Client ids from text, exactly (Python ints, never through a float); and a mask of bad cells."""
    ids, bad = cells.parse_id_cells(cells.text_cells(col))
    return pd.Series(ids, index=col.index, dtype=object), pd.Series(bad, index=col.index)


def _missing_columns(frame: pd.DataFrame, schema: FeatureSchema) -> None:
    needed = [s.name for s in schema.fields if schema.contract == "features" or s.required]
    missing = [n for n in needed if n not in frame.columns]
    if missing:
        shown = ", ".join(missing[:20]) + (f", … ({len(missing)} in all)" if len(missing) > 20 else "")
        what = (
            "feature column(s) the model needs"
            if schema.contract == "features"
            else "required field column(s)"
        )
        raise FileValidationError(f"the file lacks {len(missing)} {what}: {shown}.")


#: the field a row error names when the whole row is unusable (a ragged line of a file)
ROW_FIELD = "(row)"


def row_problems(frame: pd.DataFrame, first_row: int) -> dict[int, Any]:
    """The rows of ``frame`` its reader could not use (a ragged line: see :mod:`core.serving.csvfile`),
    by row number: ``frame.attrs`` names them by index label."""
    found = frame.attrs.get(ROW_PROBLEMS)
    if not found:
        return {}
    where = frame.index.get_indexer(list(found))
    return {first_row + int(i): p for i, p in zip(where, found.values(), strict=True) if i >= 0}


def with_row_problems(
    problems: Mapping[int, Any], errors: list[RowError], warnings: list[RowError]
) -> tuple[list[RowError], list[RowError]]:
    """A ragged row is one error (its cells, read as missing, say nothing): the others of the row
    and its warnings are dropped."""
    if not problems:
        return errors, warnings
    errors = [e for e in errors if e.row not in problems]
    errors += [RowError(row, ROW_FIELD, p) for row, p in problems.items()]
    return errors, [w for w in warnings if w.row not in problems]


class DuplicateIds:
    """Client ids of the rows scored so far in one file or list: a second row of an id is warned."""

    def __init__(self) -> None:
        self.first: dict[int, int] = {}

    def warnings(self, rows: Sequence[int], ids: Sequence[int | None]) -> list[RowError]:
        """A warning for each row of ``rows`` whose id an earlier row already has."""
        out: list[RowError] = []
        for row, cid in zip(rows, ids, strict=True):
            if cid is None:
                continue
            first = self.first.setdefault(int(cid), int(row))
            if first != row:
                out.append(RowError(int(row), ID_COLUMN, Problem("duplicate_id", first=first), cid))
        return out


def _target(col: pd.Series, index: pd.Index) -> tuple[pd.Series, list[RowError]]:
    text = cells.as_series(cells.text_cells(col), index)
    t = pd.to_numeric(text, errors="coerce")
    bad = ~t.isin([0, 1]) & text.notna()
    return t, [RowError(int(i), TARGET_COLUMN, Problem("bad_target"), v) for i, v in t[bad].items()]


def validate_frame(frame: pd.DataFrame, schema: FeatureSchema, *, first_row: int = 1) -> FrameValidation:
    """Validate a table (e.g. a CSV read with every cell as text) against the input contract.

    The id column and an optional TARGET column are recognised; other unknown columns are listed
    and ignored; empty cells are missing values. A file without a column the contract needs (every
    feature column for a ``features`` bundle, the required fields for an ``application`` one) is
    refused (:class:`FileValidationError` naming them); other absent application columns are
    missing values. Rows with errors are reported and excluded; the others are returned parsed.

    Column at a time (see :mod:`core.serving.cells`): the same errors, warnings and values as
    checking each cell in turn, the row-wise validator the tests keep as the oracle.
    """
    specs = schema.fields
    _missing_columns(frame, schema)
    n = len(frame)
    index = pd.RangeIndex(first_row, first_row + n)
    columns = dict(frame.items())
    parsed, errors, warnings = _check_fields(columns, schema, n, first_row)
    ids = pd.Series([None] * n, index=index, dtype=object)
    if ID_COLUMN in columns:
        text = cells.text_cells(columns[ID_COLUMN])
        exact, bad = cells.parse_id_cells(text)
        ids = pd.Series(exact, index=index, dtype=object)
        errors += _bad_ids(first_row, bad, cells.take_text(text, np.flatnonzero(bad)))
    target = None
    if TARGET_COLUMN in columns:
        target, bad_targets = _target(columns[TARGET_COLUMN], index)
        errors += bad_targets
    errors, warnings = with_row_problems(row_problems(frame, first_row), errors, warnings)
    errors.sort(key=lambda e: (e.row, e.field))
    keep = ~index.isin(list({e.row for e in errors}))
    features = pd.DataFrame(
        {
            s.name: pd.Series(parsed[s.name], index=index, dtype=object)  # text stays Python objects
            if s.kind == "categorical"
            else parsed[s.name]
            for s in specs
        },
        index=index,
    )
    known = {*(s.name for s in specs), ID_COLUMN, TARGET_COLUMN}
    return FrameValidation(
        features=features if keep.all() else features[keep],
        client_ids=ids[keep],
        target=target[keep] if target is not None else None,
        errors=errors,
        warnings=warnings,
        ignored_columns=[str(c) for c in frame.columns if c not in known],
        n_rows=n,
        absent_columns=[s.name for s in specs if s.name not in columns],
    )


def _check_fields(
    columns: Mapping[Any, pd.Series], schema: FeatureSchema, n: int, first_row: int
) -> tuple[dict[str, np.ndarray], list[RowError], list[RowError]]:
    """Each contract field's parsed values (NaN where absent), its errors — insufficient data for an
    empty required field — and its warnings, field by field in contract order."""
    errors: list[RowError] = []
    warnings: list[RowError] = []
    parsed: dict[str, np.ndarray] = {}
    for spec in schema.fields:
        if spec.name not in columns:
            parsed[spec.name] = np.full(n, np.nan, dtype=object if spec.kind == "categorical" else float)
            continue
        raw = cells.raw_cells(columns[spec.name])
        values, errs, warns = _check_column(spec, raw, schema.missing_category)
        parsed[spec.name] = values
        errors += [RowError(first_row + i, spec.name, msg, v) for i, msg, v in errs]
        warnings += [RowError(first_row + i, spec.name, msg, v) for i, msg, v in warns]
        if spec.required:
            empty = np.array(pd.isna(values), dtype=bool)
            empty[[i for i, _, _ in errs]] = False
            errors += [RowError(first_row + int(i), spec.name, INSUFFICIENT) for i in np.flatnonzero(empty)]
    return parsed, errors, warnings


def _bad_ids(first_row: int, bad: np.ndarray, values: list[Any]) -> list[RowError]:
    return [
        RowError(first_row + int(i), ID_COLUMN, Problem("bad_id"), v)
        for i, v in zip(np.flatnonzero(bad), values, strict=True)
    ]


def numeric_fields(schema: FeatureSchema) -> list[str]:
    """The contract's numeric fields and flags: the cells a decimal-comma file writes the French way
    (a flag exported from a column of numbers is ``1,0``)."""
    return [s.name for s in schema.fields if s.kind in ("numeric", "boolean")]


def open_clients_csv(
    source: Any, schema: FeatureSchema | None = None, *, max_bytes: int | None = None
) -> ClientsCsv:
    """A clients file (path, bytes, or a text or binary stream) with its detected format (separator,
    decimal mark, encoding); with ``schema``, numbers written the French way are read as numbers."""
    if hasattr(source, "read"):
        data = source.read()
        source = data.encode("utf-8") if isinstance(data, str) else data
    elif isinstance(source, str):
        source = Path(source)
    return ClientsCsv(
        source, name=None if isinstance(source, Path) else "the file",
        numeric=numeric_fields(schema) if schema is not None else (), max_bytes=max_bytes,
    )  # fmt: skip


def read_clients_csv(source: Any, schema: FeatureSchema | None = None) -> pd.DataFrame:
    """Read a clients CSV keeping every cell as text (only empty cells are missing); ragged rows are
    named in ``attrs`` (the validation reports them); see :func:`open_clients_csv`."""
    return open_clients_csv(source, schema).read()
