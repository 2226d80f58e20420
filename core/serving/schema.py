"""Feature schema of a model bundle, its inference from training data, and the model matrix."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

FeatureKind = Literal["numeric", "categorical", "boolean"]

#: Categorical value given to CatBoost for a missing category (CatBoost rejects NaN there).
MISSING_CATEGORY = "Missing"
#: Columns that identify a client or carry the label; never model features.
ID_COLUMN = "SK_ID_CURR"
TARGET_COLUMN = "TARGET"

_DAYS_PER_YEAR = 365.25
_BOOLEAN_NAME = re.compile(r"^(FLAG_|REG_.*_NOT_|LIVE_.*_NOT_)")


class FeatureSpec(BaseModel):
    """What the bundle knows about one model feature."""

    model_config = ConfigDict(frozen=True)

    name: str
    kind: FeatureKind
    nullable: bool = True
    integer: bool = False
    # observed in training (a value outside gives a warning, not an error)
    min: float | None = None
    max: float | None = None
    median: float | None = None
    # domain: outside is impossible (an error)
    domain_min: float | None = None
    domain_max: float | None = None
    categories: list[str] | None = None
    mode: str | None = None
    description: str | None = None
    importance_rank: int | None = None


class FeatureSchema(BaseModel):
    """The model's features, in the column order the model expects."""

    features: list[FeatureSpec]
    unavailable: list[str] = Field(default_factory=list, description="facts this schema lacks")

    @property
    def names(self) -> list[str]:
        """Feature names in model order."""
        return [f.name for f in self.features]

    @property
    def categorical(self) -> list[str]:
        """Names of the categorical features."""
        return [f.name for f in self.features if f.kind == "categorical"]

    def get(self, name: str) -> FeatureSpec:
        """The spec of feature ``name`` (KeyError naming it when absent)."""
        for spec in self.features:
            if spec.name == name:
                return spec
        raise KeyError(f"{name!r} is not a feature of this model")

    def by_importance(self) -> list[FeatureSpec]:
        """Features sorted by importance rank (unranked last, then model order)."""
        big = len(self.features) + 1
        return sorted(self.features, key=lambda f: f.importance_rank or big)


def domain_bounds(name: str) -> tuple[float | None, float | None]:
    """Hard bounds implied by a feature's name (the original API's rules, extended).

    Returns ``(low, high)``; ``None`` means unbounded. A value outside is impossible.
    """
    lo: float | None = None
    hi: float | None = None
    if name.startswith("EXT_SOURCE_") or re.search(r"_(AVG|MODE|MEDI)$", name):
        lo, hi = 0.0, 1.0
    elif name == "DAYS_BIRTH":
        lo, hi = -120 * _DAYS_PER_YEAR, -18 * _DAYS_PER_YEAR
    elif name.startswith("DAYS_"):
        lo, hi = -100_000.0, 0.0
    elif "DAYS_" in name:
        lo, hi = -100_000.0, 100_000.0
    elif name == "AMT_INCOME_TOTAL":
        lo = 1e-9
    elif name.startswith("AMT_") or "RATIO" in name or "CNT_" in name or re.search(r"_(CNT|COUNT)$", name):
        lo = 0.0
    elif name == "OWN_CAR_AGE":
        lo, hi = 0.0, 100.0
    elif name == "HOUR_APPR_PROCESS_START":
        lo, hi = 0.0, 23.0
    elif name.startswith("REGION_RATING_CLIENT"):
        lo, hi = 1.0, 3.0
    if "UTILIZATION" in name:
        lo, hi = -0.01, None
    return lo, hi


def is_boolean_name(name: str) -> bool:
    """Whether a feature name denotes a 0/1 flag in the Home Credit schema."""
    return bool(_BOOLEAN_NAME.match(name)) and not name.startswith("FLAG_DOCUMENT_SUM")


def _finite(x: float) -> float | None:
    return float(x) if x is not None and math.isfinite(float(x)) else None


def _numeric_spec(name: str, col: pd.Series, kind: FeatureKind, **extra: object) -> FeatureSpec:
    values = pd.to_numeric(col, errors="coerce").astype(float)
    finite = values[np.isfinite(values)]
    lo, hi = domain_bounds(name)
    if len(finite):
        # a name rule the training data contradicts is not a domain rule for this feature
        if lo is not None and finite.min() < lo:
            lo = None
        if hi is not None and finite.max() > hi:
            hi = None
    integer = bool(len(finite)) and bool(np.all(np.mod(finite, 1) == 0))
    return FeatureSpec(
        name=name,
        kind=kind,
        nullable=True,
        integer=integer,
        min=_finite(finite.min()) if len(finite) else None,
        max=_finite(finite.max()) if len(finite) else None,
        median=_finite(finite.median()) if len(finite) else None,
        domain_min=0.0 if kind == "boolean" else lo,
        domain_max=1.0 if kind == "boolean" else hi,
        **extra,  # type: ignore[arg-type]
    )


def infer_schema(
    frame: pd.DataFrame,
    *,
    categorical: Iterable[str],
    importance: Mapping[str, float] | None = None,
    descriptions: Mapping[str, str | None] | None = None,
) -> FeatureSchema:
    """Infer the feature schema from the training features (one column per model feature).

    Parameters
    ----------
    frame
        Training features, columns in model order (no id, no TARGET).
    categorical
        Names of the categorical features.
    importance
        Feature -> importance; ranks are 1 for the most important.
    descriptions
        Feature -> human description.
    """
    cats = set(categorical)
    ranks: dict[str, int] = {}
    if importance:
        ordered = sorted(importance, key=lambda k: -importance[k])
        ranks = {name: i + 1 for i, name in enumerate(ordered)}
    specs = []
    for name in frame.columns:
        extra = {
            "description": (descriptions or {}).get(name),
            "importance_rank": ranks.get(name),
        }
        col = frame[name]
        if name in cats:
            observed = col.dropna().astype(str)
            observed = observed[observed != MISSING_CATEGORY]
            counts = observed.value_counts()
            specs.append(
                FeatureSpec(
                    name=name,
                    kind="categorical",
                    categories=sorted(counts.index.tolist()),
                    mode=str(counts.index[0]) if len(counts) else None,
                    **extra,  # type: ignore[arg-type]
                )
            )
            continue
        values = pd.to_numeric(col, errors="coerce")
        distinct = set(values.dropna().unique().tolist())
        kind: FeatureKind = "boolean" if is_boolean_name(name) and distinct <= {0, 1} else "numeric"
        specs.append(_numeric_spec(name, values, kind, **extra))
    return FeatureSchema(features=specs)


def legacy_schema(names: list[str], categorical: list[str]) -> FeatureSchema:
    """Schema of a legacy bundle: names and kinds only; ranges and categories are unknown."""
    cats = set(categorical)
    specs = []
    for name in names:
        if name in cats:
            kind: FeatureKind = "categorical"
        elif is_boolean_name(name):
            kind = "boolean"
        else:
            kind = "numeric"
        lo, hi = (0.0, 1.0) if kind == "boolean" else domain_bounds(name)
        specs.append(FeatureSpec(name=name, kind=kind, domain_min=lo, domain_max=hi))
    return FeatureSchema(
        features=specs,
        unavailable=["observed ranges", "medians", "allowed categories", "descriptions", "importance ranks"],
    )


def to_model_frame(frame: pd.DataFrame, schema: FeatureSchema) -> pd.DataFrame:
    """The exact matrix the CatBoost model sees: model column order, floats, category strings.

    Used by training and scoring alike, so both see identical preprocessing. Vectorised over
    columns: a one-row frame costs about a millisecond.
    """
    cats = schema.categorical
    cat_set = set(cats)
    numeric = [n for n in schema.names if n not in cat_set]
    num = frame[numeric]
    try:
        num = num.astype(float)
    except (TypeError, ValueError):  # text in a numeric column: unparsable values become NaN
        num = num.apply(lambda col: pd.to_numeric(col, errors="coerce")).astype(float)
    cat = frame[cats].astype(object)
    cat = cat.where(cat.notna(), MISSING_CATEGORY).astype(str)
    return pd.concat([num, cat], axis=1)[schema.names]
