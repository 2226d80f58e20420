"""The scoring form, generated from the bundle's schema: widget specs and record conversion.

Days-based application fields are entered in years (age, years employed, ...) and converted back
to Kaggle's negative days with core.serving.presentation, so the model sees exactly what it was trained on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

import core
from core.serving.presentation import YEAR_FIELDS, days_to_years, label, years_to_days

TOP_FIELDS = 15
MISSING = "—"


@dataclass(frozen=True)
class FieldSpec:
    """How one feature is shown in the form."""

    name: str
    kind: str  # numeric | years | categorical | boolean
    label: str
    help: str | None
    min_value: float | None
    max_value: float | None
    options: tuple[str, ...] = ()
    integer: bool = False
    fmt: str = "%.4f"  # printf format of a number input, from the feature's magnitude


def _finite(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)


def number_format(spec: core.FeatureSpec) -> str:
    """Decimals that suit the feature: none for counts and amounts, more for small ratios."""
    bounds = [abs(x) for x in (spec.min, spec.max, spec.median) if x is not None and math.isfinite(x)]
    largest = max(bounds, default=0.0)
    if spec.integer or spec.name.startswith("AMT_") or "_AMT_" in spec.name or largest >= 1000:
        return "%.0f"
    return "%.2f" if largest >= 10 else "%.4f"


def field_spec(spec: core.FeatureSpec, lang: str) -> FieldSpec:
    """Widget description of a schema feature in ``lang``."""
    text = label(spec.name, lang)  # type: ignore[arg-type]
    unit = ""
    if spec.kind == "categorical":
        return FieldSpec(
            spec.name, "categorical", text, spec.description, None, None, tuple(spec.categories or ())
        )
    if spec.kind == "boolean":
        return FieldSpec(spec.name, "boolean", text, spec.description, None, None)
    if spec.name in YEAR_FIELDS:
        unit = " (ans)" if lang == "fr" else " (years)"
        lo = _finite(spec.domain_max)  # days are negative: the upper day bound is the lower year bound
        hi = _finite(spec.domain_min)
        return FieldSpec(
            spec.name, "years", text + unit, spec.description,
            max(days_to_years(lo), 0.0) if lo is not None else 0.0,
            days_to_years(hi) if hi is not None else None, fmt="%.1f",
        )  # fmt: skip
    if spec.name.startswith("AMT_"):
        unit = " (€)" if lang == "fr" else " (currency)"
    return FieldSpec(
        spec.name,
        "numeric",
        text + unit,
        spec.description,
        _finite(spec.domain_min),
        _finite(spec.domain_max),
        integer=spec.integer,
        fmt=number_format(spec),
    )


def split_fields(schema: core.FeatureSchema) -> tuple[list[core.FeatureSpec], list[core.FeatureSpec]]:
    """The most important features first (shown), the rest (in an expander)."""
    ordered = schema.by_importance()
    return ordered[:TOP_FIELDS], ordered[TOP_FIELDS:]


def default_values(schema: core.FeatureSchema) -> dict[str, Any]:
    """Population median (numeric) or mode (categorical) of every feature, in model units."""
    out: dict[str, Any] = {}
    for spec in schema.features:
        if spec.kind == "categorical":
            out[spec.name] = spec.mode
        elif spec.kind == "boolean":
            out[spec.name] = None if spec.median is None else float(round(spec.median))
        else:
            out[spec.name] = spec.median
    return out


def client_values(
    reference: pd.DataFrame, client_id: int, schema: core.FeatureSchema
) -> dict[str, Any] | None:
    """Feature values of a reference client (None when the id is unknown)."""
    rows = reference[reference["SK_ID_CURR"] == client_id]
    if rows.empty:
        return None
    row = rows.iloc[0]
    values: dict[str, Any] = {}
    for spec in schema.features:
        value = row[spec.name]
        values[spec.name] = (
            None
            if value is None or (isinstance(value, float) and math.isnan(value))
            else (value.item() if hasattr(value, "item") else value)
        )
    return values


def to_widget(field: FieldSpec, value: Any) -> Any:
    """Model value -> widget value (years for day fields, labels for categories)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING if field.kind in ("categorical", "boolean") else None
    if field.kind == "years":
        return round(days_to_years(float(value)), 1)
    if field.kind == "boolean":
        return "1" if float(value) >= 0.5 else "0"
    if field.kind == "categorical":
        return str(value)
    return float(value)


def widget_state(fields: list[FieldSpec], values: dict[str, Any], prefix: str) -> dict[str, Any]:
    """Session-state entries (``prefix + name`` -> widget value) that fill the form with ``values``."""
    return {prefix + f.name: to_widget(f, values.get(f.name)) for f in fields}


def to_record(
    fields: list[FieldSpec], widget_values: dict[str, Any], client_id: int | None
) -> dict[str, Any]:
    """Widget values -> a JSON-like client record for core (missing -> None)."""
    record: dict[str, Any] = {"SK_ID_CURR": client_id} if client_id else {}
    for field in fields:
        value = widget_values.get(field.name)
        if value is None or value == MISSING:
            record[field.name] = None
        elif field.kind == "years":
            record[field.name] = float(years_to_days(float(value)))
        elif field.kind == "boolean":
            record[field.name] = value == "1"
        elif field.kind == "categorical":
            record[field.name] = str(value)
        else:
            record[field.name] = float(value)
    return record
