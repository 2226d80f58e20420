"""A bundle's input contract and feature schema, inferred from training data, and the model matrix.

Two contracts:

- ``application``: the caller sends a raw Home Credit application (the columns of
  ``application_test``, every field optional except :data:`REQUIRED`); the scoring service
  computes the engineered features with the training code and adds the client's history.
- ``features``: the caller sends the model's features themselves (legacy bundles and the first
  v1 bundles).

What each field means (label, unit, bounds, categories) comes from the feature registry and
travels inside the schema, so that a bundle renders and validates itself.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from core.features.registry import FieldInfo, registry

FeatureKind = Literal["numeric", "categorical", "boolean"]
Contract = Literal["features", "application"]

#: Categorical value given to CatBoost for a missing category by this project's bundles.
MISSING_CATEGORY = "Missing"
#: The token the original project's API sent for a missing category (its legacy models expect it).
LEGACY_MISSING_CATEGORY = "__MISSING__"
#: Columns that identify a client or carry the label; never model features.
ID_COLUMN = "SK_ID_CURR"
TARGET_COLUMN = "TARGET"


class FeatureSpec(BaseModel):
    """What the bundle knows about one input field or model feature."""

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
    #: allowed values (the Home Credit domain when known, else those seen in training)
    categories: list[str] | None = None
    #: values seen in training (a valid value outside gives a warning); None = same as categories
    seen_categories: list[str] | None = None
    mode: str | None = None
    description: str | None = None
    importance_rank: int | None = None
    info: FieldInfo | None = None

    @property
    def required(self) -> bool:
        """Whether an application cannot be scored without this field."""
        return bool(self.info and self.info.required)


class FeatureSchema(BaseModel):
    """The model's features, in the column order the model expects, and the input contract."""

    features: list[FeatureSpec]
    unavailable: list[str] = Field(default_factory=list, description="facts this schema lacks")
    contract: Contract = "features"
    #: the raw application fields a caller sends (``application`` contract only)
    inputs: list[FeatureSpec] = Field(default_factory=list)
    #: the category CatBoost was trained with for a missing value
    missing_category: str = MISSING_CATEGORY
    #: the pydantic model of one record, built once (see core.serving.validation.record_model)
    _record_model: Any = PrivateAttr(default=None)
    _record_plan: Any = PrivateAttr(default=None)

    @property
    def names(self) -> list[str]:
        """Feature names in model order."""
        return [f.name for f in self.features]

    @property
    def categorical(self) -> list[str]:
        """Names of the categorical features."""
        return [f.name for f in self.features if f.kind == "categorical"]

    @property
    def fields(self) -> list[FeatureSpec]:
        """What a caller sends: the raw inputs (application contract) or the features."""
        return self.inputs if self.contract == "application" else self.features

    @property
    def history_features(self) -> list[str]:
        """Model features that come from the client's credit history."""
        return [f.name for f in self.features if f.info is not None and f.info.origin == "history"]

    def used_inputs(self) -> list[FeatureSpec]:
        """The contract fields the model reads, directly or through a derived feature (form order)."""
        if self.contract == "features":
            return list(self.features)
        names = set(self.names)
        for spec in self.features:
            if spec.info is not None and spec.info.depends_on:
                names.update(spec.info.depends_on)
        return [s for s in self.inputs if s.name in names or s.required]

    def get(self, name: str) -> FeatureSpec:
        """The spec of feature or input ``name`` (KeyError naming it when absent)."""
        for spec in (*self.features, *self.inputs):
            if spec.name == name:
                return spec
        raise KeyError(f"{name!r} is not a feature of this model")

    def by_importance(self) -> list[FeatureSpec]:
        """Features sorted by importance rank (unranked last, then model order)."""
        big = len(self.features) + 1
        return sorted(self.features, key=lambda f: f.importance_rank or big)


def kind_of(info: FieldInfo | None, fallback: FeatureKind = "numeric") -> FeatureKind:
    """The validation kind of a registry entry."""
    if info is None:
        return fallback
    if info.unit == "category":
        return "categorical"
    return "boolean" if info.unit == "flag" else "numeric"


def _finite(x: float) -> float | None:
    return float(x) if x is not None and math.isfinite(float(x)) else None


def _numeric_spec(
    name: str, col: pd.Series, kind: FeatureKind, info: FieldInfo | None, **extra: object
) -> FeatureSpec:
    values = pd.to_numeric(col, errors="coerce").astype(float)
    finite = values[np.isfinite(values)]
    if info is not None and info.sentinel is not None:
        finite = finite[finite != info.sentinel]
    return FeatureSpec(
        name=name,
        kind=kind,
        integer=info.integer if info else False,
        min=_finite(finite.min()) if len(finite) else None,
        max=_finite(finite.max()) if len(finite) else None,
        median=_finite(finite.median()) if len(finite) else None,
        domain_min=info.lo if info else None,
        domain_max=info.hi if info else None,
        info=info,
        **extra,  # type: ignore[arg-type]
    )


def _spec(name: str, col: pd.Series, *, categorical: bool, rank: int | None) -> FeatureSpec:
    info = registry().get(name)
    extra = {"description": info.description_en if info else None, "importance_rank": rank}
    if categorical:
        observed = col.dropna().astype(str)
        observed = observed[observed != MISSING_CATEGORY]
        counts = observed.value_counts()
        seen = sorted(counts.index.tolist())
        return FeatureSpec(
            name=name,
            kind="categorical",
            categories=list(info.categories) if info and info.categories else seen,
            seen_categories=seen,
            mode=str(counts.index[0]) if len(counts) else None,
            info=info,
            **extra,  # type: ignore[arg-type]
        )
    return _numeric_spec(name, col, kind_of(info), info, **extra)


def infer_schema(
    frame: pd.DataFrame,
    *,
    categorical: Iterable[str],
    importance: Mapping[str, float] | None = None,
    inputs: pd.DataFrame | None = None,
) -> FeatureSchema:
    """Infer the schema from training data: ``frame`` holds the model features in model order.

    With ``inputs`` (the raw application columns of the same clients) the schema's contract is
    ``application``; without, ``features``. Labels, units, bounds and category domains come from
    the feature registry; observed ranges, medians and modes from the data.
    """
    cats = set(categorical)
    ranks: dict[str, int] = {}
    if importance:
        ordered = sorted(importance, key=lambda k: -importance[k])
        ranks = {name: i + 1 for i, name in enumerate(ordered)}
    features = [_spec(n, frame[n], categorical=n in cats, rank=ranks.get(n)) for n in frame.columns]
    if inputs is None:
        return FeatureSchema(features=features)
    specs = [
        _spec(n, inputs[n], categorical=kind_of(registry().get(n)) == "categorical", rank=None)
        for n in inputs.columns
    ]
    return FeatureSchema(features=features, contract="application", inputs=specs)


def legacy_schema(names: list[str], categorical: list[str]) -> FeatureSchema:
    """Schema of a legacy bundle: names and kinds; meaning and bounds from the registry.

    Ranges seen in training, medians and categories are unknown; a missing category is sent
    as the original API did (``"__MISSING__"``).
    """
    cats = set(categorical)
    known = registry()
    specs = []
    for name in names:
        info = known.get(name)
        kind: FeatureKind = "categorical" if name in cats else kind_of(info)
        if kind == "categorical" and info is not None and info.unit != "category":
            info = None
        specs.append(
            FeatureSpec(
                name=name,
                kind=kind,
                integer=bool(info and info.integer),
                domain_min=info.lo if info else None,
                domain_max=info.hi if info else None,
                categories=list(info.categories) if info and info.categories else None,
                info=info,
            )
        )
    return FeatureSchema(
        features=specs,
        unavailable=["observed ranges", "medians", "categories seen in training", "importance ranks"],
        missing_category=LEGACY_MISSING_CATEGORY,
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
    cat = cat.where(cat.notna(), schema.missing_category).astype(str)
    return pd.concat([num, cat], axis=1)[schema.names]
