"""Row-wise application features: computed from one application alone, online and in batch.

One definition per feature (:data:`DERIVED`): its :class:`Formula`, the raw fields it reads and
what a person needs to read it (label, unit, bounds). A formula is written once with the few
combinators below, each of which carries the operation twice — as a polars expression for tables
(:func:`application_features`: training, ``pad features``, batch scoring) and as plain Python on one
row (:func:`application_row`: the online path, microseconds instead of a polars query) — with the
same rule and the same floating-point operations in the same order; a property test and the
online/batch parity test hold them equal bit for bit. Divisions give null where the denominator is
zero or missing, never an infinity.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from core.data.tables import DAYS_SENTINEL, TABLES

ID = "SK_ID_CURR"
#: The raw application contract: the columns of Kaggle's application_test, in order.
APPLICATION_FIELDS: tuple[str, ...] = tuple(c for c, _ in TABLES["application_test"] if c != ID)
#: Text fields of the application (CatBoost categorical features).
APP_CATEGORICAL: tuple[str, ...] = tuple(c for c, k in TABLES["application_test"] if k == "category")
EXT_SOURCES = ("EXT_SOURCE_1", "EXT_SOURCE_2", "EXT_SOURCE_3")
DOCUMENTS = tuple(c for c in APPLICATION_FIELDS if c.startswith("FLAG_DOCUMENT_"))

#: Canonical dtypes of the raw application (Float64 for every number, so that a value read from a
#: file and the same value typed in a form are the same double).
CANONICAL: dict[str, pl.DataType] = {
    ID: pl.Int64(),
    **{c: (pl.String() if c in APP_CATEGORICAL else pl.Float64()) for c in APPLICATION_FIELDS},
}


def ratio(numerator: pl.Expr, denominator: pl.Expr) -> pl.Expr:
    """``numerator / denominator``, null where the denominator is zero or missing or the quotient
    overflows: never an infinity (the one rule, online and in batch, application and history)."""
    quotient = numerator / denominator
    return pl.when((denominator != 0) & quotient.is_finite()).then(quotient).otherwise(None)


def ratio_value(numerator: float | None, denominator: float | None) -> float | None:
    """:func:`ratio` on two numbers (the same rule, the same IEEE division)."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    quotient = numerator / denominator
    return quotient if math.isfinite(quotient) else None


Row = Mapping[str, Any]


@dataclass(frozen=True)
class Formula:
    """One computation, twice: a polars expression over a table and a function of one row."""

    expr: pl.Expr
    value: Callable[[Row], Any]


def field(name: str) -> Formula:
    """A raw application field as it is."""
    return Formula(pl.col(name), lambda row: row.get(name))


def unless(f: Formula, code: float) -> Formula:
    """``f`` with a sentinel code read as missing (Kaggle's 365243 "not employed")."""
    return Formula(
        pl.when(f.expr == code).then(None).otherwise(f.expr),
        lambda row: None if (v := f.value(row)) == code else v,
    )


def equals(f: Formula, value: Any) -> Formula:
    """1 when ``f`` equals ``value``, 0 when it does not, null when ``f`` is missing."""
    return Formula(
        (f.expr == value).cast(pl.Int8),
        lambda row: None if (v := f.value(row)) is None else int(v == value),
    )


def quotient(numerator: Formula, denominator: Formula) -> Formula:
    """:func:`ratio` of two formulas."""
    return Formula(
        ratio(numerator.expr, denominator.expr),
        lambda row: ratio_value(numerator.value(row), denominator.value(row)),
    )


def _present(fs: Sequence[Formula], row: Row) -> list[float]:
    return [v for f in fs if (v := f.value(row)) is not None]


def row_mean(fs: Sequence[Formula]) -> Formula:
    """Mean of the values present (null when none is); polars adds them from the last to the first."""

    def value(row: Row) -> float | None:
        present = _present(fs, row)
        return sum(reversed(present)) / len(present) if present else None

    return Formula(pl.mean_horizontal([f.expr for f in fs]), value)


def row_min(fs: Sequence[Formula]) -> Formula:
    """Smallest value present (null when none is)."""
    return Formula(pl.min_horizontal([f.expr for f in fs]), lambda row: min(_present(fs, row), default=None))


def row_max(fs: Sequence[Formula]) -> Formula:
    """Largest value present (null when none is)."""
    return Formula(pl.max_horizontal([f.expr for f in fs]), lambda row: max(_present(fs, row), default=None))


def row_std(fs: Sequence[Formula]) -> Formula:
    """Sample standard deviation (ddof 1) of the values present; null below two values, and null when
    it overflows (huge values: never an infinity or a NaN, in either backend)."""

    def value(row: Row) -> float | None:
        present = _present(fs, row)
        if len(present) < 2:
            return None
        with np.errstate(over="ignore", invalid="ignore"):  # an overflow is not an error: null
            out = float(np.std(present, ddof=1))
        return out if math.isfinite(out) else None

    std = pl.concat_list([f.expr for f in fs]).list.drop_nulls().list.std()
    return Formula(pl.when(std.is_finite()).then(std).otherwise(None), value)


def product(fs: Sequence[Formula]) -> Formula:
    """Product from the first to the last; null when any is missing."""

    def value(row: Row) -> float | None:
        out = None
        for f in fs:
            v = f.value(row)
            if v is None:
                return None
            out = v if out is None else out * v
        return out

    expr = fs[0].expr
    for f in fs[1:]:
        expr = expr * f.expr
    return Formula(expr, value)


def missing_count(fs: Sequence[Formula]) -> Formula:
    """How many of the values are missing."""
    return Formula(
        pl.sum_horizontal([f.expr.is_null().cast(pl.Int8) for f in fs]),
        lambda row: sum(1 for f in fs if f.value(row) is None),
    )


def row_sum(fs: Sequence[Formula]) -> Formula:
    """Sum of the values present (0 when none is): for the 0/1 flags it adds, exact in any order."""
    return Formula(pl.sum_horizontal([f.expr for f in fs]), lambda row: float(sum(_present(fs, row), 0.0)))


@dataclass(frozen=True)
class Derived:
    """One application-level engineered feature."""

    name: str
    formula: Formula
    inputs: tuple[str, ...]
    label_fr: str
    label_en: str
    description_fr: str
    description_en: str
    unit: str
    lo: float | None = None
    hi: float | None = None
    integer: bool = False
    rationale: str = ""

    @property
    def expr(self) -> pl.Expr:
        """The feature's polars expression (tables)."""
        return self.formula.expr


_c = field
_DAYS_EMPLOYED = unless(_c("DAYS_EMPLOYED"), DAYS_SENTINEL)
_EXT = [_c(e) for e in EXT_SOURCES]

#: Every application-level derived feature, in output order.
DERIVED: tuple[Derived, ...] = (
    Derived(
        "DAYS_EMPLOYED_ANOM", equals(_c("DAYS_EMPLOYED"), DAYS_SENTINEL), ("DAYS_EMPLOYED",),
        "Sans emploi déclaré", "No employment recorded",
        "Le dossier ne déclare aucun emploi (code 365243 de Home Credit, surtout des retraités).",
        "The file records no employment (Home Credit's 365243 code, mostly pensioners).",
        "flag", 0, 1, True, "a yes/no flag",
    ),
    Derived(
        "FLAG_OWN_CAR_NUM", equals(_c("FLAG_OWN_CAR"), "Y"), ("FLAG_OWN_CAR",),
        "Propriétaire d'une voiture", "Owns a car",
        "Le client possède une voiture.", "The client owns a car.", "flag", 0, 1, True, "a yes/no flag",
    ),
    Derived(
        "CREDIT_INCOME_RATIO", quotient(_c("AMT_CREDIT"), _c("AMT_INCOME_TOTAL")),
        ("AMT_CREDIT", "AMT_INCOME_TOTAL"),
        "Crédit / revenu annuel", "Credit / annual income",
        "Montant du crédit divisé par le revenu annuel.", "Credit amount divided by the annual income.",
        "ratio", 0, 1000, False,
        "a quotient of non-negative amounts; a credit of 1,000 years of income is a unit error (Kaggle's largest: 35)",
    ),
    Derived(
        "ANNUITY_INCOME_RATIO", quotient(_c("AMT_ANNUITY"), _c("AMT_INCOME_TOTAL")),
        ("AMT_ANNUITY", "AMT_INCOME_TOTAL"),
        "Annuité / revenu annuel", "Annuity / annual income",
        "Part du revenu annuel consacrée au remboursement (taux d'effort).",
        "Share of the annual income spent on the loan (debt-service ratio).",
        "ratio", 0, 100, False,
        "a quotient of non-negative amounts; instalments of 100 times the income are a unit error (Kaggle's largest: 1.4)",
    ),
    Derived(
        "CREDIT_TERM_RATIO", quotient(_c("AMT_ANNUITY"), _c("AMT_CREDIT")), ("AMT_ANNUITY", "AMT_CREDIT"),
        "Annuité / crédit", "Annuity / credit",
        "Annuité divisée par le montant du crédit (l'inverse de la durée du prêt en années).",
        "Annuity divided by the credit amount (the inverse of the loan term in years).",
        "ratio", 0, 100, False,
        "a quotient of non-negative amounts; a yearly annuity of 100 times the credit is a unit error (Kaggle's largest: 0.12)",
    ),
    Derived(
        "GOODS_CREDIT_RATIO", quotient(_c("AMT_GOODS_PRICE"), _c("AMT_CREDIT")),
        ("AMT_GOODS_PRICE", "AMT_CREDIT"),
        "Prix du bien / crédit", "Goods price / credit",
        "Prix du bien financé divisé par le montant du crédit.",
        "Price of the goods divided by the credit amount.",
        "ratio", 0, 1000, False,
        "a quotient of non-negative amounts; goods of 1,000 times the credit are a unit error (Kaggle's largest: 2.8)",
    ),
    Derived(
        "EMPLOYED_BIRTH_RATIO", quotient(_DAYS_EMPLOYED, _c("DAYS_BIRTH")), ("DAYS_EMPLOYED", "DAYS_BIRTH"),
        "Part de la vie dans l'emploi actuel", "Share of life in current job",
        "Ancienneté dans l'emploi divisée par l'âge.", "Years in the current job divided by the age.",
        "ratio", 0, 1, False, "time in a job is part of a lifetime",
    ),
    Derived(
        "INCOME_PER_PERSON", quotient(_c("AMT_INCOME_TOTAL"), _c("CNT_FAM_MEMBERS")),
        ("AMT_INCOME_TOTAL", "CNT_FAM_MEMBERS"),
        "Revenu par personne du foyer", "Income per household member",
        "Revenu annuel divisé par le nombre de personnes du foyer.",
        "Annual income divided by the number of household members.",
        "currency", 0, 1e9, False, "an income in [0, 1e9] (its own bounds) shared by at least one person",
    ),
    Derived(
        "EXT_SOURCES_MEAN", row_mean(_EXT), EXT_SOURCES,
        "Moyenne des scores externes", "Mean external score",
        "Moyenne des scores externes disponibles.", "Mean of the available external scores.",
        "score", 0, 1, False, "a mean of scores in [0, 1]",
    ),
    Derived(
        "EXT_SOURCES_MIN", row_min(_EXT), EXT_SOURCES,
        "Plus bas score externe", "Lowest external score",
        "Le plus bas des scores externes disponibles.", "Lowest of the available external scores.",
        "score", 0, 1, False, "one of the scores in [0, 1]",
    ),
    Derived(
        "EXT_SOURCES_MAX", row_max(_EXT), EXT_SOURCES,
        "Plus haut score externe", "Highest external score",
        "Le plus haut des scores externes disponibles.", "Highest of the available external scores.",
        "score", 0, 1, False, "one of the scores in [0, 1]",
    ),
    Derived(
        "EXT_SOURCES_STD", row_std(_EXT), EXT_SOURCES,
        "Écart entre scores externes", "Spread of external scores",
        "Écart type des scores externes disponibles.",
        "Standard deviation of the available external scores.",
        "score", 0, 1, False, "the spread of values in [0, 1] is at most 1",
    ),
    Derived(
        "EXT_SOURCES_PROD", product(_EXT), EXT_SOURCES,
        "Produit des scores externes", "Product of external scores",
        "Produit des trois scores externes (manquant si l'un manque).",
        "Product of the three external scores (missing if one is).",
        "score", 0, 1, False, "a product of scores in [0, 1]",
    ),
    Derived(
        "EXT_SOURCES_MISSING_CNT", missing_count(_EXT), EXT_SOURCES,
        "Scores externes manquants", "Missing external scores",
        "Nombre de scores externes absents du dossier (0 à 3).",
        "Number of external scores missing from the file (0 to 3).",
        "count", 0, 3, True, "there are three external scores",
    ),
    Derived(
        "FLAG_DOCUMENT_SUM", row_sum([_c(d) for d in DOCUMENTS]), DOCUMENTS,
        "Nombre de documents fournis", "Documents provided",
        "Nombre de documents fournis avec la demande.", "Number of documents provided with the application.",
        "count", 0, len(DOCUMENTS), True, f"there are {len(DOCUMENTS)} documents",
    ),
)  # fmt: skip
DERIVED_BY_NAME: dict[str, Derived] = {d.name: d for d in DERIVED}


def canonical(app: pl.LazyFrame | pl.DataFrame) -> pl.LazyFrame:
    """The application with every contract column in its canonical dtype (absent columns null)."""
    lazy = app.lazy()
    names = set(lazy.collect_schema().names())
    cols = [
        (pl.col(c) if c in names else pl.lit(None)).cast(dtype, strict=False).alias(c)
        for c, dtype in CANONICAL.items()
    ]
    extra = [pl.col(c) for c in lazy.collect_schema().names() if c not in CANONICAL]
    return lazy.select(*cols, *extra)


def application_features(app: pl.LazyFrame | pl.DataFrame) -> pl.LazyFrame:
    """Raw application columns as they are (canonical dtypes) plus every :data:`DERIVED` feature.

    A raw field keeps its name and value (Kaggle's 365243 "not employed" code included), so an
    input and the model feature of the same name are the same number.
    """
    return canonical(app).with_columns(*[d.expr.alias(d.name) for d in DERIVED])


def application_rows(records: Sequence[Mapping[str, Any]]) -> pl.DataFrame:
    """Application features of already-validated records, as a table (:func:`application_features`)."""
    frame = pl.from_dicts([{c: r.get(c) for c in CANONICAL} for r in records], schema=CANONICAL, strict=False)
    return application_features(frame).collect(engine="in-memory")


def _canonical_value(value: Any, dtype: pl.DataType) -> Any:
    """One value in its canonical dtype, as polars' non-strict cast makes it (None when it cannot)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(dtype, pl.String):
        return value if isinstance(value, str) else str(value)
    try:
        return int(value) if isinstance(dtype, pl.Int64) else float(value)
    except (TypeError, ValueError, OverflowError):
        return None


def application_row(record: Mapping[str, Any]) -> dict[str, Any]:
    """Application features of one validated record (the online path): the raw fields in their
    canonical dtypes plus every :data:`DERIVED` feature, computed by the formulas' row functions."""
    row = {c: _canonical_value(record.get(c), dtype) for c, dtype in CANONICAL.items()}
    for d in DERIVED:
        row[d.name] = d.formula.value(row)
    return row
