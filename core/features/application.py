"""Row-wise application features: computed from one application alone, online and in batch.

One definition per feature (:data:`DERIVED`): its polars expression, the raw fields it reads and
what a person needs to read it (label, unit, bounds). Training (``pad features``) and serving (the
scoring service, one application at a time) both call :func:`application_features`, so a feature
can never mean two things. Divisions give null where the denominator is zero or missing, never an
infinity.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

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


@dataclass(frozen=True)
class Derived:
    """One application-level engineered feature."""

    name: str
    expr: pl.Expr
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


def _c(name: str) -> pl.Expr:
    return pl.col(name)


_DAYS_EMPLOYED = pl.when(_c("DAYS_EMPLOYED") == DAYS_SENTINEL).then(None).otherwise(_c("DAYS_EMPLOYED"))
_EXT = [_c(e) for e in EXT_SOURCES]

#: Every application-level derived feature, in output order.
DERIVED: tuple[Derived, ...] = (
    Derived(
        "DAYS_EMPLOYED_ANOM", (_c("DAYS_EMPLOYED") == DAYS_SENTINEL).cast(pl.Int8), ("DAYS_EMPLOYED",),
        "Sans emploi déclaré", "No employment recorded",
        "Le dossier ne déclare aucun emploi (code 365243 de Home Credit, surtout des retraités).",
        "The file records no employment (Home Credit's 365243 code, mostly pensioners).",
        "flag", 0, 1, True, "a yes/no flag",
    ),
    Derived(
        "FLAG_OWN_CAR_NUM", (_c("FLAG_OWN_CAR") == "Y").cast(pl.Int8), ("FLAG_OWN_CAR",),
        "Propriétaire d'une voiture", "Owns a car",
        "Le client possède une voiture.", "The client owns a car.", "flag", 0, 1, True, "a yes/no flag",
    ),
    Derived(
        "CREDIT_INCOME_RATIO", ratio(_c("AMT_CREDIT"), _c("AMT_INCOME_TOTAL")),
        ("AMT_CREDIT", "AMT_INCOME_TOTAL"),
        "Crédit / revenu annuel", "Credit / annual income",
        "Montant du crédit divisé par le revenu annuel.", "Credit amount divided by the annual income.",
        "ratio", 0, None, False, "a quotient of non-negative amounts",
    ),
    Derived(
        "ANNUITY_INCOME_RATIO", ratio(_c("AMT_ANNUITY"), _c("AMT_INCOME_TOTAL")),
        ("AMT_ANNUITY", "AMT_INCOME_TOTAL"),
        "Annuité / revenu annuel", "Annuity / annual income",
        "Part du revenu annuel consacrée au remboursement (taux d'effort).",
        "Share of the annual income spent on the loan (debt-service ratio).",
        "ratio", 0, None, False, "a quotient of non-negative amounts",
    ),
    Derived(
        "CREDIT_TERM_RATIO", ratio(_c("AMT_ANNUITY"), _c("AMT_CREDIT")), ("AMT_ANNUITY", "AMT_CREDIT"),
        "Annuité / crédit", "Annuity / credit",
        "Annuité divisée par le montant du crédit (l'inverse de la durée du prêt en années).",
        "Annuity divided by the credit amount (the inverse of the loan term in years).",
        "ratio", 0, None, False, "a quotient of non-negative amounts",
    ),
    Derived(
        "GOODS_CREDIT_RATIO", ratio(_c("AMT_GOODS_PRICE"), _c("AMT_CREDIT")),
        ("AMT_GOODS_PRICE", "AMT_CREDIT"),
        "Prix du bien / crédit", "Goods price / credit",
        "Prix du bien financé divisé par le montant du crédit.",
        "Price of the goods divided by the credit amount.",
        "ratio", 0, None, False, "a quotient of non-negative amounts",
    ),
    Derived(
        "EMPLOYED_BIRTH_RATIO", ratio(_DAYS_EMPLOYED, _c("DAYS_BIRTH")), ("DAYS_EMPLOYED", "DAYS_BIRTH"),
        "Part de la vie dans l'emploi actuel", "Share of life in current job",
        "Ancienneté dans l'emploi divisée par l'âge.", "Years in the current job divided by the age.",
        "ratio", 0, 1, False, "time in a job is part of a lifetime",
    ),
    Derived(
        "INCOME_PER_PERSON", ratio(_c("AMT_INCOME_TOTAL"), _c("CNT_FAM_MEMBERS")),
        ("AMT_INCOME_TOTAL", "CNT_FAM_MEMBERS"),
        "Revenu par personne du foyer", "Income per household member",
        "Revenu annuel divisé par le nombre de personnes du foyer.",
        "Annual income divided by the number of household members.",
        "currency", 0, None, False, "an income is non-negative",
    ),
    Derived(
        "EXT_SOURCES_MEAN", pl.mean_horizontal(_EXT), EXT_SOURCES,
        "Moyenne des scores externes", "Mean external score",
        "Moyenne des scores externes disponibles.", "Mean of the available external scores.",
        "score", 0, 1, False, "a mean of scores in [0, 1]",
    ),
    Derived(
        "EXT_SOURCES_MIN", pl.min_horizontal(_EXT), EXT_SOURCES,
        "Plus bas score externe", "Lowest external score",
        "Le plus bas des scores externes disponibles.", "Lowest of the available external scores.",
        "score", 0, 1, False, "one of the scores in [0, 1]",
    ),
    Derived(
        "EXT_SOURCES_MAX", pl.max_horizontal(_EXT), EXT_SOURCES,
        "Plus haut score externe", "Highest external score",
        "Le plus haut des scores externes disponibles.", "Highest of the available external scores.",
        "score", 0, 1, False, "one of the scores in [0, 1]",
    ),
    Derived(
        "EXT_SOURCES_STD", pl.concat_list(_EXT).list.drop_nulls().list.std(), EXT_SOURCES,
        "Écart entre scores externes", "Spread of external scores",
        "Écart type des scores externes disponibles.",
        "Standard deviation of the available external scores.",
        "score", 0, 1, False, "the spread of values in [0, 1] is at most 1",
    ),
    Derived(
        "EXT_SOURCES_PROD", _EXT[0] * _EXT[1] * _EXT[2], EXT_SOURCES,
        "Produit des scores externes", "Product of external scores",
        "Produit des trois scores externes (manquant si l'un manque).",
        "Product of the three external scores (missing if one is).",
        "score", 0, 1, False, "a product of scores in [0, 1]",
    ),
    Derived(
        "EXT_SOURCES_MISSING_CNT", pl.sum_horizontal([e.is_null().cast(pl.Int8) for e in _EXT]), EXT_SOURCES,
        "Scores externes manquants", "Missing external scores",
        "Nombre de scores externes absents du dossier (0 à 3).",
        "Number of external scores missing from the file (0 to 3).",
        "count", 0, 3, True, "there are three external scores",
    ),
    Derived(
        "FLAG_DOCUMENT_SUM", pl.sum_horizontal([_c(d) for d in DOCUMENTS]), DOCUMENTS,
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
    """Application features of already-validated records (the online path: same function as batch)."""
    frame = pl.from_dicts([{c: r.get(c) for c in CANONICAL} for r in records], schema=CANONICAL, strict=False)
    return application_features(frame).collect(engine="in-memory")
