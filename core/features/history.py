"""History aggregates: a client's credit history (bureau + previous loans) -> one row per client.

Computed in batch (training, ``pad features``, the client store) by the functions below. Every
output column is declared with its *lineage* — which quantity of which table it aggregates, and
by which statistics at which level — so that the feature registry labels it from its definition,
never from its name. Names follow the original project's convention: ``BUREAU_<col>_<STAT>``,
``PREV_<col>_<STAT>``, where ``POS_*``, ``INST_*`` and ``CC_*`` are first aggregated per previous
loan (``PREV_INST_AMT_PAYMENT_MIN_MEAN`` = mean over previous loans of each loan's smallest
payment). Divisions give null where the denominator is zero or missing, never an infinity.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import polars as pl

from core.data.tables import DAYS_SENTINEL, TABLES
from core.features.application import ratio

ID = "SK_ID_CURR"
STATS = ("MEAN", "MIN", "MAX", "SUM", "STD")
Level = Literal["credit", "loan", "bureau", "bureau_active", "previous"]
Scope = Literal["bureau", "bureau_balance", "previous", "pos", "installments", "card"]
#: Kaggle table of each scope.
SCOPE_TABLE: dict[str, str] = {
    "bureau": "bureau",
    "bureau_balance": "bureau_balance",
    "previous": "previous_application",
    "pos": "POS_CASH_balance",
    "installments": "installments_payments",
    "card": "credit_card_balance",
}
#: History figures shown to a credit officer as the summary of a known client (kept in reference
#: data), each with the count that makes it zero when that part of the history is empty.
HISTORY_SUMMARY: dict[str, str | None] = {
    "BUREAU_COUNT": None, "BUREAU_ACTIVE_COUNT": "BUREAU_COUNT",
    "BUREAU_ACTIVE_AMT_CREDIT_SUM_DEBT_SUM": "BUREAU_ACTIVE_COUNT", "BUREAU_RECENT_OVERDUE_COUNT": "BUREAU_COUNT",
    "PREV_COUNT": None, "PREV_NAME_CONTRACT_STATUS_Approved": "PREV_COUNT",
    "PREV_NAME_CONTRACT_STATUS_Refused": "PREV_COUNT", "PREV_INST_COUNT_LATE_SUM": "PREV_COUNT",
    "INST_RECENT_RATIO_LATE": None,
}  # fmt: skip
#: Counts that are zero, not unknown, for a client whose history is known but empty.
ZERO_WHEN_EMPTY = ("BUREAU_COUNT", "PREV_COUNT", "BUREAU_ACTIVE_COUNT", "BUREAU_RECENT_COUNT")


@dataclass(frozen=True)
class Quantity:
    """A per-row or per-loan quantity defined here (not a raw column), with what people need to read it."""

    label_fr: str
    label_en: str
    unit: str
    lo: float | None = None
    hi: float | None = None
    integer: bool = False


@dataclass(frozen=True)
class Lineage:
    """How a history feature is made: ``base`` (``scope:column`` of a raw column, or a defined
    quantity) aggregated by ``steps`` — (statistic, level) pairs, innermost first."""

    base: str
    steps: tuple[tuple[str, Level], ...] = ()


#: Quantities defined by this module (raw table columns are described in the registry data).
QUANTITIES: dict[str, Quantity] = {
    "bureau:BUREAU_DEBT_RATIO": Quantity("taux d'endettement du crédit (dette / montant)", "debt ratio of the credit (debt / amount)", "ratio", 0, None),
    "bureau:BUREAU_CREDIT_DURATION": Quantity("durée prévue du crédit (jours)", "planned duration of the credit (days)", "days", None, None, True),
    "bureau:BUREAU_REAL_DELAY": Quantity("fin réelle moins fin prévue (jours)", "actual minus planned end (days)", "days", None, None, True),
    "bureau:BUREAU_IS_OVERDUE": Quantity("crédit en retard", "credit overdue", "flag", 0, 1, True),
    "bureau:BUREAU_IS_ACTIVE": Quantity("crédit en cours", "credit active", "flag", 0, 1, True),
    "credit:BB_MONTHS_COUNT": Quantity("mois d'historique au bureau", "months of bureau history", "count", 0, None, True),
    "credit:BB_MONTHS_MIN": Quantity("mois le plus ancien de l'historique", "oldest month of history", "number", -1200, 0, True),
    **{
        f"credit:BB_STATUS_{s}_RATIO": Quantity(f"part des mois au statut « {s} » ({fr})", f"share of months with status '{s}' ({en})", "ratio", 0, 1)
        for s, fr, en in [
            ("0", "à jour", "no delay"), ("1", "retard 1–30 j", "1-30 days late"), ("2", "retard 31–60 j", "31-60 days late"),
            ("3", "retard 61–90 j", "61-90 days late"), ("4", "retard 91–120 j", "91-120 days late"),
            ("5", "retard > 120 j ou perte", "over 120 days late or written off"), ("C", "clos", "closed"), ("X", "inconnu", "unknown"),
        ]
    },
    "credit:BB_DPD_COUNT": Quantity("mois en retard", "months past due", "count", 0, None, True),
    "previous:PREV_CREDIT_TO_APPLICATION": Quantity("crédit accordé / montant demandé", "credit granted / amount applied for", "ratio", 0, None),
    "previous:PREV_CREDIT_TO_GOODSPRICE": Quantity("crédit accordé / prix du bien", "credit granted / goods price", "ratio", 0, None),
    "previous:PREV_DECISION_TO_FIRST_DUE": Quantity("jours entre décision et première échéance", "days from decision to first due date", "days", None, None, True),
    "loan:POS_COUNT": Quantity("mois de suivi du prêt PdV/espèces", "months of POS/cash loan records", "count", 0, None, True),
    "loan:POS_MONTHS_MAX": Quantity("dernier mois suivi (PdV/espèces)", "latest month recorded (POS/cash)", "number", -1200, 0, True),
    "loan:POS_MONTHS_MIN": Quantity("premier mois suivi (PdV/espèces)", "earliest month recorded (POS/cash)", "number", -1200, 0, True),
    "loan:POS_INSTALMENT_FUTURE_MEAN": Quantity("échéances restantes, en moyenne (PdV/espèces)", "instalments left, on average (POS/cash)", "count", 0, None),
    "loan:POS_INSTALMENT_FUTURE_MAX": Quantity("échéances restantes, au plus (PdV/espèces)", "instalments left, at most (POS/cash)", "count", 0, None, True),
    "loan:POS_STATUS_ACTIVE": Quantity("mois où le prêt PdV/espèces était actif", "months the POS/cash loan was active", "count", 0, None, True),
    "loan:POS_STATUS_ACTIVE_RATIO": Quantity("part des mois où le prêt était actif", "share of months the loan was active", "ratio", 0, 1),
    "installments:INST_DAYSLATE": Quantity("jours de retard de paiement d'une échéance", "days an instalment was paid late", "days", None, None, True),
    "installments:INST_PAYMENTDIFF": Quantity("reste à payer sur une échéance", "amount left unpaid on an instalment", "currency", None, None),
    "installments:INST_PAYMENTRATIO": Quantity("part payée d'une échéance", "share of an instalment paid", "ratio", 0, None),
    "loan:INST_COUNT": Quantity("échéances du prêt", "instalments of the loan", "count", 0, None, True),
    "loan:INST_COUNT_LATE": Quantity("échéances payées en retard", "instalments paid late", "count", 0, None, True),
    "loan:INST_COUNT_EARLY": Quantity("échéances payées en avance", "instalments paid early", "count", 0, None, True),
    "loan:INST_COUNT_OVERPAID": Quantity("échéances payées au-delà du dû", "instalments overpaid", "count", 0, None, True),
    "loan:INST_COUNT_UNDERPAID": Quantity("échéances payées partiellement", "instalments underpaid", "count", 0, None, True),
    "loan:INST_RATIO_LATE": Quantity("part des échéances payées en retard", "share of instalments paid late", "ratio", 0, 1),
    "loan:INST_RATIO_EARLY": Quantity("part des échéances payées en avance", "share of instalments paid early", "ratio", 0, 1),
    "card:CC_UTILIZATION": Quantity("utilisation de la carte (solde / plafond)", "card utilisation (balance / limit)", "ratio", None, None),
    "card:CC_OVER_LIMIT": Quantity("solde au-delà du plafond", "balance over the limit", "flag", 0, 1, True),
    "loan:CC_COUNT": Quantity("mois de relevés de carte", "months of card statements", "count", 0, None, True),
    "client:BUREAU_COUNT": Quantity("nombre de crédits au bureau", "number of bureau credits", "count", 0, None, True),
    "client:BUREAU_ACTIVE_COUNT": Quantity("nombre de crédits en cours au bureau", "number of active bureau credits", "count", 0, None, True),
    "client:BUREAU_RECENT_COUNT": Quantity("crédits ouverts ces deux dernières années (bureau)", "bureau credits opened in the last two years", "count", 0, None, True),
    "client:BUREAU_RECENT_OVERDUE_COUNT": Quantity("crédits récents en retard (bureau)", "recent bureau credits overdue", "count", 0, None, True),
    "client:PREV_COUNT": Quantity("nombre de demandes antérieures", "number of previous applications", "count", 0, None, True),
    "client:PREV_RATIO_REFUSED": Quantity("part des demandes antérieures refusées", "share of previous applications refused", "ratio", 0, 1),
    "client:PREV_RATIO_APPROVED": Quantity("part des demandes antérieures acceptées", "share of previous applications approved", "ratio", 0, 1),
    "client:INST_RECENT_RATIO_LATE": Quantity("échéances payées en retard sur 12 mois", "instalments paid late in the last 12 months", "ratio", 0, 1),
    "client:INST_RECENT_PAYMENTDIFF_SUM": Quantity("impayés sur les échéances des 12 derniers mois", "unpaid on instalments of the last 12 months", "currency", None, None),
}  # fmt: skip
_CREDIT_TYPES = {
    "Consumer credit": ("crédits à la consommation", "consumer credits"),
    "Credit card": ("cartes de crédit", "credit cards"),
    "Car loan": ("crédits auto", "car loans"),
    "Mortgage": ("crédits immobiliers", "mortgages"),
    "Microloan": ("microcrédits", "microloans"),
    "Loan for business development": ("crédits professionnels", "business loans"),
    "Another type of loan": ("autres crédits", "other loans"),
}
_PRODUCT_TYPES = {
    "walk-in": ("spontanées", "walk-in"),
    "x-sell": ("sur proposition", "cross-sell"),
    "XNA": ("de type inconnu", "of unknown type"),
}
_STATUSES = {
    "Approved": ("acceptées", "approved"), "Refused": ("refusées", "refused"),
    "Canceled": ("annulées", "cancelled"), "Unused offer": ("offres non utilisées", "unused offers"),
}  # fmt: skip
for _t, (_fr, _en) in _CREDIT_TYPES.items():
    QUANTITIES[f"client:BUREAU_CREDIT_TYPE_{_t}"] = Quantity(
        f"{_fr} au bureau", f"{_en} at the bureau", "count", 0, None, True
    )
for _t, (_fr, _en) in _PRODUCT_TYPES.items():
    QUANTITIES[f"client:PREV_NAME_PRODUCT_TYPE_{_t}"] = Quantity(
        f"demandes antérieures {_fr}", f"previous applications {_en}", "count", 0, None, True
    )
for _t, (_fr, _en) in _STATUSES.items():
    QUANTITIES[f"client:PREV_NAME_CONTRACT_STATUS_{_t}"] = Quantity(
        f"demandes antérieures {_fr}", f"previous applications {_en}", "count", 0, None, True
    )


class _Lineages(dict[str, Lineage]):
    """Output column -> lineage, filled while the expressions are built; ``stats`` names the
    statistics, which :func:`_finite` guards once aggregated."""

    def __init__(self) -> None:
        super().__init__()
        self.stats: set[str] = set()

    def aggs(
        self,
        cols: Sequence[str],
        prefix: str,
        level: Level,
        stats: Sequence[str] = STATS,
        *,
        of: dict[str, Lineage],
    ) -> list[pl.Expr]:
        exprs = []
        for c in cols:
            for s in stats:
                name = f"{prefix}{c}_{s}"
                inner = of[c]
                self[name] = Lineage(inner.base, (*inner.steps, (s, level)))
                self.stats.add(name)
                exprs.append(_stat(pl.col(c), s).alias(name))
        return exprs

    def own(self, name: str, base: str | None = None) -> str:
        self[name] = Lineage(base or f"client:{name}")
        return name


#: A total order of instalment rows (the table has no key): every aggregation sees its rows in one
#: order, so that sums and means are the same double on every run (see ``core.features.build.ENGINE``).
_INST_ORDER = [
    "SK_ID_PREV",
    "NUM_INSTALMENT_NUMBER",
    "NUM_INSTALMENT_VERSION",
    "DAYS_INSTALMENT",
    "DAYS_ENTRY_PAYMENT",
    "AMT_INSTALMENT",
    "AMT_PAYMENT",
]


def _stat(expr: pl.Expr, stat: str) -> pl.Expr:
    return {"MEAN": expr.mean(), "MIN": expr.min(), "MAX": expr.max(), "SUM": expr.sum(), "STD": expr.std()}[
        stat
    ]


def _finite(frame: pl.LazyFrame, lineage: _Lineages) -> pl.LazyFrame:
    """The statistics of an aggregated frame, an infinity or NaN made null.

    A statistic of finite values can still overflow (the spread of ratios near 1e305): null, as a
    zero denominator gives, never an infinity; finite results are untouched, bit for bit. Applied
    to the aggregated columns, not inside the aggregation, where polars evaluates it group by group.
    """
    names = [c for c in frame.collect_schema().names() if c in lineage.stats]
    return frame.with_columns(
        pl.when(pl.col(c).is_finite()).then(pl.col(c)).otherwise(None).alias(c) for c in names
    )


def _numeric(frame: pl.LazyFrame) -> list[str]:
    return [c for c, t in frame.collect_schema().items() if t.is_numeric() and not c.startswith("SK_ID")]


def _raw(scope: str, frame: pl.LazyFrame) -> dict[str, Lineage]:
    return {c: Lineage(f"{scope}:{c}") for c in _numeric(frame)}


def _no_sentinel(cols: Sequence[str]) -> list[pl.Expr]:
    return [pl.when(pl.col(c) == DAYS_SENTINEL).then(None).otherwise(pl.col(c)).alias(c) for c in cols]


def bureau_features(bureau: pl.LazyFrame, balance: pl.LazyFrame, lineage: _Lineages) -> pl.LazyFrame:
    """Credit Bureau history per client: monthly statuses per credit first, then per-client stats."""
    statuses = ["0", "1", "2", "3", "4", "5", "C", "X"]
    # counts, a minimum and shares of counts: the same numbers in any row order, so the 27 M monthly
    # rows are neither sorted nor kept in order (per_credit is joined by key)
    per_credit = balance.group_by("SK_ID_BUREAU").agg(
        pl.len().alias("BB_MONTHS_COUNT"),
        pl.col("MONTHS_BALANCE").min().alias("BB_MONTHS_MIN"),
        *[(pl.col("STATUS") == s).mean().alias(f"BB_STATUS_{s}_RATIO") for s in statuses],
        pl.col("STATUS").is_in(["1", "2", "3", "4", "5"]).sum().alias("BB_DPD_COUNT"),
    )
    of = _raw("bureau", bureau)
    of.update({c: Lineage(f"credit:{c}") for c in per_credit.collect_schema().names() if c != "SK_ID_BUREAU"})
    b = (
        bureau.sort(ID, "SK_ID_BUREAU")
        .join(per_credit, on="SK_ID_BUREAU", how="left", maintain_order="left")
        .with_columns(
            ratio(pl.col("AMT_CREDIT_SUM_DEBT"), pl.col("AMT_CREDIT_SUM")).alias("BUREAU_DEBT_RATIO"),
            (pl.col("DAYS_CREDIT_ENDDATE") - pl.col("DAYS_CREDIT")).alias("BUREAU_CREDIT_DURATION"),
            (pl.col("DAYS_ENDDATE_FACT") - pl.col("DAYS_CREDIT_ENDDATE")).alias("BUREAU_REAL_DELAY"),
            (pl.col("CREDIT_DAY_OVERDUE") > 0).cast(pl.Int8).alias("BUREAU_IS_OVERDUE"),
            (pl.col("CREDIT_ACTIVE") == "Active").cast(pl.Int8).alias("BUREAU_IS_ACTIVE"),
        )
    )
    for c in (
        "BUREAU_DEBT_RATIO",
        "BUREAU_CREDIT_DURATION",
        "BUREAU_REAL_DELAY",
        "BUREAU_IS_OVERDUE",
        "BUREAU_IS_ACTIVE",
    ):
        of[c] = Lineage(f"bureau:{c}")
    active_cols = [
        "AMT_CREDIT_SUM",
        "AMT_CREDIT_SUM_DEBT",
        "BUREAU_DEBT_RATIO",
        "CREDIT_DAY_OVERDUE",
        "DAYS_CREDIT",
    ]
    active = (
        b.filter(pl.col("CREDIT_ACTIVE") == "Active")
        .group_by(ID, maintain_order=True)
        .agg(
            pl.len().alias(lineage.own("BUREAU_ACTIVE_COUNT")),
            *lineage.aggs(active_cols, "BUREAU_ACTIVE_", "bureau_active", ("MEAN", "MAX", "SUM"), of=of),
        )
        .pipe(_finite, lineage)
    )
    recent = (
        b.filter(pl.col("DAYS_CREDIT") > -730)
        .group_by(ID, maintain_order=True)
        .agg(
            pl.len().alias(lineage.own("BUREAU_RECENT_COUNT")),
            pl.col("BUREAU_IS_OVERDUE").sum().alias(lineage.own("BUREAU_RECENT_OVERDUE_COUNT")),
        )
    )
    main = (
        b.group_by(ID, maintain_order=True)
        .agg(
            pl.len().alias(lineage.own("BUREAU_COUNT")),
            *lineage.aggs(_numeric(b), "BUREAU_", "bureau", of=of),
            *[
                (pl.col("CREDIT_TYPE") == t).sum().alias(lineage.own(f"BUREAU_CREDIT_TYPE_{t}"))
                for t in _CREDIT_TYPES
            ],
        )
        .pipe(_finite, lineage)
    )
    return main.join(active, on=ID, how="left", maintain_order="left").join(
        recent, on=ID, how="left", maintain_order="left"
    )


def _per_loan_installments(inst: pl.LazyFrame, of: dict[str, Lineage]) -> pl.LazyFrame:
    i = inst.sort(_INST_ORDER, nulls_last=True).with_columns(
        (pl.col("DAYS_ENTRY_PAYMENT") - pl.col("DAYS_INSTALMENT")).alias("INST_DAYSLATE"),
        (pl.col("AMT_INSTALMENT") - pl.col("AMT_PAYMENT")).alias("INST_PAYMENTDIFF"),
        ratio(pl.col("AMT_PAYMENT"), pl.col("AMT_INSTALMENT")).alias("INST_PAYMENTRATIO"),
    )
    src = {
        **_raw("installments", inst),
        **{
            c: Lineage(f"installments:{c}")
            for c in ("INST_DAYSLATE", "INST_PAYMENTDIFF", "INST_PAYMENTRATIO")
        },
    }
    cols = [
        "AMT_PAYMENT",
        "AMT_INSTALMENT",
        "DAYS_ENTRY_PAYMENT",
        "DAYS_INSTALMENT",
        "INST_DAYSLATE",
        "INST_PAYMENTDIFF",
        "INST_PAYMENTRATIO",
    ]
    per_loan = _Lineages()
    out = i.group_by("SK_ID_PREV", maintain_order=True).agg(
        pl.len().alias(per_loan.own("INST_COUNT", "loan:INST_COUNT")),
        *per_loan.aggs(cols, "INST_", "loan", ("MIN", "MAX", "MEAN", "SUM"), of=src),
        (pl.col("INST_DAYSLATE") > 0).sum().alias(per_loan.own("INST_COUNT_LATE", "loan:INST_COUNT_LATE")),
        (pl.col("INST_DAYSLATE") < 0).sum().alias(per_loan.own("INST_COUNT_EARLY", "loan:INST_COUNT_EARLY")),
        (pl.col("AMT_PAYMENT") > pl.col("AMT_INSTALMENT"))
        .sum()
        .alias(per_loan.own("INST_COUNT_OVERPAID", "loan:INST_COUNT_OVERPAID")),
        (pl.col("INST_PAYMENTDIFF") > 0)
        .sum()
        .alias(per_loan.own("INST_COUNT_UNDERPAID", "loan:INST_COUNT_UNDERPAID")),
        (pl.col("INST_DAYSLATE") > 0).mean().alias(per_loan.own("INST_RATIO_LATE", "loan:INST_RATIO_LATE")),
        (pl.col("INST_DAYSLATE") < 0).mean().alias(per_loan.own("INST_RATIO_EARLY", "loan:INST_RATIO_EARLY")),
    )
    of.update(per_loan)
    return _finite(out, per_loan)


def _per_loan_pos(pos: pl.LazyFrame, of: dict[str, Lineage]) -> pl.LazyFrame:
    per_loan = _Lineages()
    src = _raw("pos", pos)
    pos = pos.sort("SK_ID_PREV", "MONTHS_BALANCE", "CNT_INSTALMENT", "SK_DPD", nulls_last=True)
    out = pos.group_by("SK_ID_PREV", maintain_order=True).agg(
        pl.len().alias(per_loan.own("POS_COUNT", "loan:POS_COUNT")),
        pl.col("MONTHS_BALANCE").max().alias(per_loan.own("POS_MONTHS_MAX", "loan:POS_MONTHS_MAX")),
        pl.col("MONTHS_BALANCE").min().alias(per_loan.own("POS_MONTHS_MIN", "loan:POS_MONTHS_MIN")),
        pl.col("CNT_INSTALMENT_FUTURE")
        .mean()
        .alias(per_loan.own("POS_INSTALMENT_FUTURE_MEAN", "loan:POS_INSTALMENT_FUTURE_MEAN")),
        pl.col("CNT_INSTALMENT_FUTURE")
        .max()
        .alias(per_loan.own("POS_INSTALMENT_FUTURE_MAX", "loan:POS_INSTALMENT_FUTURE_MAX")),
        *per_loan.aggs(["SK_DPD", "SK_DPD_DEF"], "POS_", "loan", ("MAX", "MEAN", "SUM"), of=src),
        (pl.col("NAME_CONTRACT_STATUS") == "Active")
        .sum()
        .alias(per_loan.own("POS_STATUS_ACTIVE", "loan:POS_STATUS_ACTIVE")),
        (pl.col("NAME_CONTRACT_STATUS") == "Active")
        .mean()
        .alias(per_loan.own("POS_STATUS_ACTIVE_RATIO", "loan:POS_STATUS_ACTIVE_RATIO")),
    )
    of.update(per_loan)
    return _finite(out, per_loan)


def _per_loan_cards(cc: pl.LazyFrame, of: dict[str, Lineage]) -> pl.LazyFrame:
    c = cc.sort("SK_ID_PREV", "MONTHS_BALANCE", "AMT_BALANCE", nulls_last=True).with_columns(
        ratio(
            pl.col("AMT_BALANCE"),
            pl.when(pl.col("AMT_CREDIT_LIMIT_ACTUAL") > 0).then(pl.col("AMT_CREDIT_LIMIT_ACTUAL")),
        ).alias("CC_UTILIZATION"),
        (pl.col("AMT_BALANCE") > pl.col("AMT_CREDIT_LIMIT_ACTUAL")).cast(pl.Int8).alias("CC_OVER_LIMIT"),
    )
    src = {
        **_raw("card", cc),
        "CC_UTILIZATION": Lineage("card:CC_UTILIZATION"),
        "CC_OVER_LIMIT": Lineage("card:CC_OVER_LIMIT"),
    }
    cols = [
        "AMT_BALANCE", "AMT_CREDIT_LIMIT_ACTUAL", "AMT_DRAWINGS_ATM_CURRENT", "AMT_DRAWINGS_CURRENT", "AMT_PAYMENT_CURRENT",
        "CNT_DRAWINGS_ATM_CURRENT", "CNT_DRAWINGS_CURRENT", "SK_DPD", "SK_DPD_DEF", "CC_UTILIZATION", "CC_OVER_LIMIT",
    ]  # fmt: skip
    per_loan = _Lineages()
    out = c.group_by("SK_ID_PREV", maintain_order=True).agg(
        pl.len().alias(per_loan.own("CC_COUNT", "loan:CC_COUNT")),
        *per_loan.aggs(cols, "CC_", "loan", ("MEAN", "MAX", "MIN", "STD"), of=src),
    )
    of.update(per_loan)
    return _finite(out, per_loan)


def previous_features(
    prev: pl.LazyFrame, pos: pl.LazyFrame, inst: pl.LazyFrame, cc: pl.LazyFrame, lineage: _Lineages
) -> pl.LazyFrame:
    """Previous applications with their POS/instalment/card histories aggregated per loan, then per client."""
    days = [
        "DAYS_FIRST_DRAWING",
        "DAYS_FIRST_DUE",
        "DAYS_LAST_DUE_1ST_VERSION",
        "DAYS_LAST_DUE",
        "DAYS_TERMINATION",
    ]
    of = _raw("previous", prev)
    p = (
        prev.sort(ID, "SK_ID_PREV")
        .with_columns(*_no_sentinel(days))
        .with_columns(
            ratio(
                pl.col("AMT_CREDIT"), pl.when(pl.col("AMT_APPLICATION") > 0).then(pl.col("AMT_APPLICATION"))
            ).alias("PREV_CREDIT_TO_APPLICATION"),
            ratio(
                pl.col("AMT_CREDIT"), pl.when(pl.col("AMT_GOODS_PRICE") > 0).then(pl.col("AMT_GOODS_PRICE"))
            ).alias("PREV_CREDIT_TO_GOODSPRICE"),
            (pl.col("DAYS_FIRST_DUE") - pl.col("DAYS_DECISION")).alias("PREV_DECISION_TO_FIRST_DUE"),
        )
        .join(_per_loan_pos(pos, of), on="SK_ID_PREV", how="left", maintain_order="left")
        .join(_per_loan_installments(inst, of), on="SK_ID_PREV", how="left", maintain_order="left")
        .join(_per_loan_cards(cc, of), on="SK_ID_PREV", how="left", maintain_order="left")
    )
    for c in ("PREV_CREDIT_TO_APPLICATION", "PREV_CREDIT_TO_GOODSPRICE", "PREV_DECISION_TO_FIRST_DUE"):
        of[c] = Lineage(f"previous:{c}")
    agg = (
        p.group_by(ID, maintain_order=True)
        .agg(
            pl.len().alias(lineage.own("PREV_COUNT")),
            *lineage.aggs(_numeric(p), "PREV_", "previous", of=of),
            *[
                (pl.col("NAME_PRODUCT_TYPE") == v).sum().alias(lineage.own(f"PREV_NAME_PRODUCT_TYPE_{v}"))
                for v in _PRODUCT_TYPES
            ],
            *[
                (pl.col("NAME_CONTRACT_STATUS") == v)
                .sum()
                .alias(lineage.own(f"PREV_NAME_CONTRACT_STATUS_{v}"))
                for v in _STATUSES
            ],
            (pl.col("NAME_CONTRACT_STATUS") == "Refused").mean().alias(lineage.own("PREV_RATIO_REFUSED")),
            (pl.col("NAME_CONTRACT_STATUS") == "Approved").mean().alias(lineage.own("PREV_RATIO_APPROVED")),
        )
        .pipe(_finite, lineage)
    )
    recent = (
        inst.sort(_INST_ORDER, nulls_last=True)
        .filter(pl.col("DAYS_INSTALMENT") > -365)
        .group_by(ID, maintain_order=True)
        .agg(
            ((pl.col("DAYS_ENTRY_PAYMENT") - pl.col("DAYS_INSTALMENT")) > 0)
            .mean()
            .alias(lineage.own("INST_RECENT_RATIO_LATE")),
            (pl.col("AMT_INSTALMENT") - pl.col("AMT_PAYMENT"))
            .sum()
            .alias(lineage.own("INST_RECENT_PAYMENTDIFF_SUM")),
        )
    )
    return agg.join(recent, on=ID, how="left", maintain_order="left")


def empty_table(table: str) -> pl.LazyFrame:
    """An empty frame of a Kaggle table with its column types (ids Int64, numbers Float64, text String)."""
    kinds = {
        "id": pl.Int64(),
        "int": pl.Float64(),
        "float": pl.Float64(),
        "category": pl.String(),
        "target": pl.Int64(),
    }
    return pl.LazyFrame(schema={c: kinds[k] for c, k in TABLES[table]})


#: Raw columns that no history feature reads: the fast path does not read them from the files (a
#: test proves that dropping any one of them changes nothing and dropping any other column does).
UNUSED_COLUMNS: dict[str, tuple[str, ...]] = {
    "bureau": ("CREDIT_CURRENCY",),
    "previous_application": (
        "NAME_CONTRACT_TYPE", "WEEKDAY_APPR_PROCESS_START", "FLAG_LAST_APPL_PER_CONTRACT", "NAME_CASH_LOAN_PURPOSE",
        "NAME_PAYMENT_TYPE", "CODE_REJECT_REASON", "NAME_TYPE_SUITE", "NAME_CLIENT_TYPE", "NAME_GOODS_CATEGORY",
        "NAME_PORTFOLIO", "CHANNEL_TYPE", "NAME_SELLER_INDUSTRY", "NAME_YIELD_GROUP", "PRODUCT_COMBINATION",
    ),
    "POS_CASH_balance": ("SK_ID_CURR",),
    "credit_card_balance": (
        "SK_ID_CURR", "AMT_DRAWINGS_OTHER_CURRENT", "AMT_DRAWINGS_POS_CURRENT", "AMT_INST_MIN_REGULARITY",
        "AMT_PAYMENT_TOTAL_CURRENT", "AMT_RECEIVABLE_PRINCIPAL", "AMT_RECIVABLE", "AMT_TOTAL_RECEIVABLE",
        "CNT_DRAWINGS_OTHER_CURRENT", "CNT_DRAWINGS_POS_CURRENT", "CNT_INSTALMENT_MATURE_CUM", "NAME_CONTRACT_STATUS",
    ),
}  # fmt: skip


def used_columns(table: str) -> list[str]:
    """The columns of a history table that its features read (Kaggle order)."""
    unused = UNUSED_COLUMNS.get(table, ())
    return [c for c, _ in TABLES[table] if c not in unused]


def history_features(tables: dict[str, pl.LazyFrame]) -> tuple[pl.LazyFrame | None, dict[str, Lineage]]:
    """Per-client history aggregates from whichever history tables are given, and their lineage.

    Bureau needs ``bureau`` (``bureau_balance`` optional); previous loans need
    ``previous_application`` with its three child tables. Returns ``(None, {})`` without history.
    One plan for both parts, collected once: how polars splits the work (and so the order of a
    group's partial sums) depends on the plan's shape, so every caller runs this same plan.
    """
    lineage = _Lineages()
    parts: list[pl.LazyFrame] = []
    if "bureau" in tables:
        balance = tables.get("bureau_balance", empty_table("bureau_balance"))
        parts.append(bureau_features(tables["bureau"], balance, lineage))
    if "previous_application" in tables:
        needed = ("POS_CASH_balance", "installments_payments", "credit_card_balance")
        missing = [n for n in needed if n not in tables]
        if missing:
            raise ValueError(f"previous_application needs {', '.join(missing)} too.")
        pos, inst, cc = (tables[n] for n in needed)
        parts.append(previous_features(tables["previous_application"], pos, inst, cc, lineage))
    if not parts:
        return None, {}
    out = parts[0]
    for part in parts[1:]:
        out = out.join(part, on=ID, how="full", coalesce=True, maintain_order="left_right")
    return out, dict(lineage)


def history_lineage() -> dict[str, Lineage]:
    """Lineage of every history feature, from the Kaggle schemas alone (no data)."""
    tables = {t: empty_table(t) for t in SCOPE_TABLE.values()}
    _, lineage = history_features(tables)
    return lineage
