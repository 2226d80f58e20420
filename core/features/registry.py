"""The feature registry: what every raw field and engineered feature means, for people and for checks.

For each name: French and English label and description, unit, integer or not, hard bounds with
their rationale, form section, whether the client can act on it, and for categories the full Home
Credit domain. Three sources, one per kind of name, none of them a guess from the name:

- raw application fields: ``registry_data/application_fields.csv`` and ``categories.json``;
- row-wise application features: their own definition (:data:`core.features.application.DERIVED`);
- history aggregates: their lineage (:func:`core.features.history.history_lineage`) composed with
  the description of the aggregated quantity (``registry_data/history_columns.csv`` for raw
  columns of the history tables, :data:`core.features.history.QUANTITIES` for defined ones).

The registry travels in each bundle's schema, so a bundle renders itself without this module.
"""

from __future__ import annotations

import csv
import json
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from core.data.tables import DAYS_SENTINEL
from core.features.application import APPLICATION_FIELDS, DERIVED
from core.features.history import QUANTITIES, Lineage, history_lineage

DATA = Path(__file__).resolve().parent / "registry_data"
Unit = Literal[
    "currency", "days", "years", "count", "flag", "category", "score", "ratio", "number", "rating", "hour"
]
Origin = Literal["application", "derived", "history"]
UNITS: tuple[str, ...] = Unit.__args__  # type: ignore[attr-defined]
#: Form sections, in display order.
SECTIONS: tuple[str, ...] = (
    "identity", "income", "loan", "housing", "external", "documents",
    "contact", "region", "enquiries", "social", "building", "process", "history",
)  # fmt: skip


class FieldInfo(BaseModel):
    """What a person and a validator need to know about one field or feature."""

    model_config = ConfigDict(frozen=True)

    name: str
    label_fr: str
    label_en: str
    description_fr: str = ""
    description_en: str = ""
    unit: Unit
    integer: bool = False
    lo: float | None = None
    hi: float | None = None
    bounds_rationale: str = ""
    section: str = "history"
    actionable: bool = False
    origin: Origin
    required: bool = False
    form_rank: int | None = None
    #: a coded value accepted outside the bounds, with its meaning (Kaggle's 365243 "not employed")
    sentinel: float | None = None
    sentinel_meaning: str | None = None
    categories: list[str] | None = None
    category_labels_fr: dict[str, str] | None = None
    category_labels_en: dict[str, str] | None = None
    categories_source: str | None = None
    depends_on: list[str] | None = None

    def label(self, lang: str) -> str:
        """Short label in ``lang`` ('fr' or 'en')."""
        return self.label_fr if lang == "fr" else self.label_en

    def description(self, lang: str) -> str:
        """One-sentence description in ``lang``."""
        return self.description_fr if lang == "fr" else self.description_en


def _float(text: str) -> float | None:
    return float(text) if text.strip() else None


def _bool(text: str) -> bool:
    return text.strip().lower() in ("true", "1", "yes")


@lru_cache(maxsize=1)
def _categories() -> dict[str, dict[str, object]]:
    return json.loads((DATA / "categories.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _application() -> dict[str, FieldInfo]:
    out: dict[str, FieldInfo] = {}
    cats = _categories()
    with (DATA / "application_fields.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            name = row["name"]
            cat = cats.get(name)
            out[name] = FieldInfo(
                name=name,
                label_fr=row["label_fr"],
                label_en=row["label_en"],
                description_fr=row["description_fr"],
                description_en=row["description_en"],
                unit=row["unit"],  # type: ignore[arg-type]
                integer=_bool(row["integer"]),
                lo=_float(row["min"]),
                hi=_float(row["max"]),
                bounds_rationale=row["bounds_rationale"],
                section=row["section"],
                actionable=_bool(row["actionable"]),
                origin="application",
                required=_bool(row["required"]),
                form_rank=int(row["form_rank"]) if row["form_rank"].strip() else None,
                sentinel=float(DAYS_SENTINEL) if name == "DAYS_EMPLOYED" else None,
                sentinel_meaning="not employed (Home Credit's code)" if name == "DAYS_EMPLOYED" else None,
                categories=list(cat["values"]) if cat else None,  # type: ignore[call-overload]
                category_labels_fr=dict(cat["labels_fr"]) if cat else None,  # type: ignore[call-overload]
                category_labels_en=dict(cat["labels_en"]) if cat else None,  # type: ignore[call-overload]
                categories_source=str(cat["source"]) if cat else None,
            )
    return out


def _derived() -> dict[str, FieldInfo]:
    return {
        d.name: FieldInfo(
            name=d.name,
            label_fr=d.label_fr,
            label_en=d.label_en,
            description_fr=d.description_fr,
            description_en=d.description_en,
            unit=d.unit,
            integer=d.integer,
            lo=d.lo,
            hi=d.hi,  # type: ignore[arg-type]
            bounds_rationale=d.rationale,
            section="derived",
            origin="derived",
            depends_on=list(d.inputs),
        )  # fmt: skip
        for d in DERIVED
    }


class _Base(BaseModel):
    label_fr: str
    label_en: str
    unit: str
    integer: bool
    lo: float | None
    hi: float | None


def _history_bases() -> dict[str, _Base]:
    bases = {
        key: _Base(label_fr=q.label_fr, label_en=q.label_en, unit=q.unit, integer=q.integer, lo=q.lo, hi=q.hi)
        for key, q in QUANTITIES.items()
    }
    with (DATA / "history_columns.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            bases[f"{row['scope']}:{row['column']}"] = _Base(
                label_fr=row["label_fr"], label_en=row["label_en"], unit=row["unit"],
                integer=_bool(row["integer"]), lo=_float(row["min"]), hi=_float(row["max"]),
            )  # fmt: skip
    return bases


_STAT_WORDS = {
    "MEAN": ("moyenne", "mean"), "MIN": ("minimum", "minimum"), "MAX": ("maximum", "maximum"),
    "SUM": ("total", "total"), "STD": ("dispersion", "spread"),
}  # fmt: skip
_LEVEL_WORDS = {
    "credit": ("par crédit", "per credit"),
    "loan": ("par prêt", "per loan"),
    "bureau": ("sur les crédits au bureau", "over bureau credits"),
    "bureau_active": ("sur les crédits en cours au bureau", "over active bureau credits"),
    "previous": ("sur les demandes antérieures", "over previous applications"),
}
_SCOPE_WORDS = {
    "bureau": ("bureau de crédit", "credit bureau"),
    "credit": ("bureau de crédit", "credit bureau"),
    "bureau_balance": ("bureau de crédit", "credit bureau"),
    "previous": ("demandes antérieures", "previous applications"),
    "pos": ("prêts PdV/espèces", "POS/cash loans"),
    "installments": ("échéances passées", "past instalments"),
    "card": ("cartes de crédit", "credit cards"),
    "loan": ("prêts antérieurs", "previous loans"),
    "client": ("historique de crédit", "credit history"),
}


#: The most records of one client a history table can hold: a sum over more is a data error
#: (Kaggle's largest client has 36 bureau credits and 27 previous applications).
MAX_RECORDS = 10_000
#: Bounds of one recorded value when the history tables' description gives none, by unit, with why.
UNIT_LIMITS: dict[str, tuple[float, float, str]] = {
    "currency": (-1e10, 1e10, "an amount beyond ±10 billion is a unit or typing error"),
    "days": (-36525.0, 36525.0, "a date more than 100 years from the application is impossible"),
    "count": (0.0, 1e5, "a count of a client's records or days beyond 100,000 is a data error"),
    "ratio": (-1e4, 1e4, "a quotient of amounts beyond ±10,000 is a unit error"),
    "number": (-1e10, 1e10, "a plain number beyond ±10 billion is a data error"),
    "score": (0.0, 1.0, "a normalised score lies in [0, 1]"),
    "rating": (1.0, 3.0, "Home Credit's ratings are 1, 2 or 3"),
    "hour": (0.0, 23.0, "an hour of the day"),
    "years": (0.0, 120.0, "a lifetime"),
    "flag": (0.0, 1.0, "a yes/no flag"),
}


def _bounded(base: _Base) -> tuple[float | None, float | None, str]:
    """Both bounds of one value of ``base``: its own, the missing side from :data:`UNIT_LIMITS`."""
    lo, hi = base.lo, base.hi
    if base.unit not in UNIT_LIMITS or (lo is not None and hi is not None):
        return lo, hi, ""
    ulo, uhi, why = UNIT_LIMITS[base.unit]
    return (ulo if lo is None else lo), (uhi if hi is None else hi), why


def _aggregate(
    base: _Base, stat: str, lo: float | None, hi: float | None
) -> tuple[str, bool, float | None, float | None]:
    """Unit, integer and bounds of ``stat`` over values of ``base``'s unit bounded by [lo, hi]."""
    unit, integer = base.unit, base.integer
    if stat in ("MIN", "MAX"):
        return unit, integer, lo, hi
    if stat == "MEAN":
        return unit, False, lo, hi
    if stat == "STD":
        spread = hi - lo if lo is not None and hi is not None else None
        return unit, False, 0.0, spread
    # SUM over at most MAX_RECORDS values: a total of flags is a count; of ratios or scores, a number
    total_unit = "count" if unit == "flag" else ("number" if unit in ("ratio", "score", "rating") else unit)
    return (
        total_unit,
        integer,
        None if lo is None else min(lo, 0.0) * MAX_RECORDS,
        None if hi is None else max(hi, 0.0) * MAX_RECORDS,
    )


def _history_info(name: str, lineage: Lineage, bases: dict[str, _Base]) -> FieldInfo:
    base = bases[lineage.base]
    scope = lineage.base.split(":", 1)[0]
    base_lo, base_hi, why = _bounded(base)
    unit, integer, lo, hi = base.unit, base.integer, base_lo, base_hi
    for stat, _level in lineage.steps:
        unit, integer, lo, hi = _aggregate(
            _Base(**{**base.model_dump(), "unit": unit, "integer": integer}), stat, lo, hi
        )
    where_fr, where_en = _SCOPE_WORDS[scope]
    if lineage.steps:
        how_fr = ", ".join(f"{_STAT_WORDS[s][0]} {_LEVEL_WORDS[lv][0]}" for s, lv in lineage.steps)
        how_en = ", ".join(f"{_STAT_WORDS[s][1]} {_LEVEL_WORDS[lv][1]}" for s, lv in lineage.steps)
        label_fr = f"{base.label_fr[0].upper()}{base.label_fr[1:]} ({how_fr})"
        label_en = f"{base.label_en[0].upper()}{base.label_en[1:]} ({how_en})"
    else:
        label_fr = base.label_fr[0].upper() + base.label_fr[1:]
        label_en = base.label_en[0].upper() + base.label_en[1:]
    steps_text = "; ".join(f"{s} {lv}" for s, lv in lineage.steps) or "as recorded"
    rationale = f"{steps_text} of {lineage.base} (bounded in [{base_lo:g}, {base_hi:g}]"
    rationale += f": {why})" if why else ")"
    if any(s == "SUM" for s, _ in lineage.steps):
        rationale += f"; a sum over at most {MAX_RECORDS:,} records of the client"
    return FieldInfo(
        name=name,
        label_fr=label_fr,
        label_en=label_en,
        description_fr=f"Historique du client ({where_fr}) : {label_fr[0].lower()}{label_fr[1:]}.",
        description_en=f"Client's history ({where_en}): {label_en[0].lower()}{label_en[1:]}.",
        unit=unit,  # type: ignore[arg-type]
        integer=integer,
        lo=lo,
        hi=hi,
        bounds_rationale=rationale,
        section="history",
        origin="history",
    )


#: The pseudo-feature a reason code names when the client's whole credit history is unknown.
NO_HISTORY = "CREDIT_HISTORY"
_NO_HISTORY_INFO = FieldInfo(
    name=NO_HISTORY,
    label_fr="Historique de crédit",
    label_en="Credit history",
    description_fr="Aucun historique de crédit connu pour ce client (nouveau client) : les variables d'historique sont manquantes.",
    description_en="No credit history known for this client (new applicant): every history feature is missing.",
    unit="category",
    origin="history",
    section="history",
)


@lru_cache(maxsize=1)
def registry() -> dict[str, FieldInfo]:
    """Every known field and feature name -> its :class:`FieldInfo`."""
    out = _application()
    missing = [c for c in APPLICATION_FIELDS if c not in out]
    if missing:
        raise RuntimeError(f"registry_data/application_fields.csv lacks {missing}")
    out.update(_derived())
    bases = _history_bases()
    out.update({name: _history_info(name, lin, bases) for name, lin in history_lineage().items()})
    out[NO_HISTORY] = _NO_HISTORY_INFO
    return out


def info(name: str) -> FieldInfo:
    """The registry entry of ``name`` (KeyError naming it when the registry does not know it)."""
    try:
        return registry()[name]
    except KeyError:
        raise KeyError(f"{name!r} is not in the feature registry") from None


def history_names() -> list[str]:
    """Names of every history aggregate."""
    return [n for n, i in registry().items() if i.origin == "history" and n != NO_HISTORY]
