"""Human descriptions of raw Kaggle columns and of engineered features."""

from __future__ import annotations

import csv
import re
from functools import lru_cache
from pathlib import Path

DESCRIPTIONS_FILE = Path(__file__).resolve().parents[1] / "data" / "column_descriptions.csv"
_STATS = {"MEAN": "Mean", "MIN": "Minimum", "MAX": "Maximum", "SUM": "Sum", "STD": "Standard deviation"}
_ENGINEERED = {
    "CREDIT_INCOME_RATIO": "Credit amount / annual income",
    "ANNUITY_INCOME_RATIO": "Loan annuity / annual income",
    "CREDIT_TERM_RATIO": "Loan annuity / credit amount (inverse of the loan term)",
    "GOODS_CREDIT_RATIO": "Price of the goods / credit amount",
    "EMPLOYED_BIRTH_RATIO": "Days employed / days since birth (share of life in current job)",
    "INCOME_PER_PERSON": "Annual income per family member",
    "EXT_SOURCES_MEAN": "Mean of the external scores EXT_SOURCE_1-3",
    "EXT_SOURCES_MIN": "Lowest of the external scores",
    "EXT_SOURCES_MAX": "Highest of the external scores",
    "EXT_SOURCES_STD": "Spread of the external scores",
    "EXT_SOURCES_PROD": "Product of the three external scores",
    "EXT_SOURCES_MISSING_CNT": "Number of missing external scores",
    "FLAG_DOCUMENT_SUM": "Number of documents provided",
    "DAYS_EMPLOYED_ANOM": "Employment length recorded as the 365243 sentinel (mostly pensioners)",
    "FLAG_OWN_CAR_NUM": "Client owns a car (1/0)",
    "BUREAU_DEBT_RATIO": "Current debt / credit amount of a Credit Bureau credit",
    "BUREAU_CREDIT_DURATION": "Planned duration of a Credit Bureau credit (days)",
    "BUREAU_REAL_DELAY": "Actual minus planned end date of a Credit Bureau credit (days)",
    "BUREAU_IS_OVERDUE": "Credit Bureau credit currently overdue (1/0)",
    "BUREAU_IS_ACTIVE": "Credit Bureau credit still active (1/0)",
    "PREV_CREDIT_TO_APPLICATION": "Credit granted / amount applied for, previous application",
    "PREV_CREDIT_TO_GOODSPRICE": "Credit granted / price of the goods, previous application",
    "PREV_DECISION_TO_FIRST_DUE": "Days from decision to first due date, previous application",
    "PREV_RATIO_REFUSED": "Share of the client's previous applications that were refused",
    "PREV_RATIO_APPROVED": "Share of the client's previous applications that were approved",
    "INST_DAYSLATE": "Days between due date and payment (positive = late)",
    "INST_PAYMENTDIFF": "Instalment due minus amount paid",
    "INST_PAYMENTRATIO": "Amount paid / instalment due",
    "INST_COUNT_LATE": "Number of instalments paid late",
    "INST_COUNT_EARLY": "Number of instalments paid early",
    "INST_COUNT_OVERPAID": "Number of instalments overpaid",
    "INST_COUNT_UNDERPAID": "Number of instalments underpaid",
    "INST_RATIO_LATE": "Share of instalments paid late",
    "INST_RATIO_EARLY": "Share of instalments paid early",
    "CC_UTILIZATION": "Card balance / credit limit",
    "CC_OVER_LIMIT": "Card balance above its limit (1/0)",
    "POS_STATUS_ACTIVE": "Months with an active POS/cash loan",
    "BUREAU_RECENT_COUNT": "Number of Credit Bureau credits opened in the last two years",
    "BUREAU_RECENT_OVERDUE_COUNT": "Number of Credit Bureau credits opened in the last two years and now overdue",
    "INST_RECENT_RATIO_LATE": "Share of instalments due in the last year that were paid late",
    "INST_RECENT_PAYMENTDIFF_SUM": "Total unpaid amount on instalments due in the last year",
    "INSTALMENT_FUTURE": "Instalments left to pay on the loan",
    "MONTHS": "Month of the balance relative to the application (-1 = the latest)",
    "BB_MONTHS_COUNT": "Months of Credit Bureau history of the credit",
    "BB_MONTHS_MIN": "Oldest month of Credit Bureau history of the credit",
    "BB_DPD_COUNT": "Months with days past due in the credit's bureau history",
    **{
        f"BB_STATUS_{s}_RATIO": f"Share of months with bureau status {s} (C closed, X unknown, 0-5 days-past-due bucket)"
        for s in "012345CX"
    },
    "POS_STATUS_ACTIVE_RATIO": "Share of months with an active POS/cash loan",
}
_PREFIXES = [
    ("BUREAU_ACTIVE_", "bureau", "the client's active Credit Bureau credits"),
    ("BUREAU_", "bureau", "the client's Credit Bureau credits"),
    ("PREV_INST_", "installments_payments", "the client's previous loans of, per loan,"),
    ("PREV_POS_", "POS_CASH_balance", "the client's previous loans of, per loan,"),
    ("PREV_CC_", "credit_card_balance", "the client's previous loans of, per loan,"),
    ("PREV_", "previous_application", "the client's previous applications"),
    ("INST_", "installments_payments", "the loan's instalments"),
    ("POS_", "POS_CASH_balance", "the loan's monthly POS/cash balances"),
    ("CC_", "credit_card_balance", "the card's monthly balances"),
    ("BB_", "bureau_balance", "the credit's monthly bureau statuses"),
]


@lru_cache(maxsize=1)
def _raw() -> dict[tuple[str, str], str]:
    with DESCRIPTIONS_FILE.open(encoding="utf-8") as fh:
        return {(r["table"], r["column"]): r["description"] for r in csv.DictReader(fh)}


def _column(table: str, column: str) -> str | None:
    return _ENGINEERED.get(column) or _raw().get((table, column))


def describe(name: str) -> str | None:
    """Description of a raw column or engineered feature name; None when unknown."""
    direct = _ENGINEERED.get(name) or _raw().get(("application", name))
    if direct:
        return direct
    for prefix, table, what in _PREFIXES:
        if not name.startswith(prefix):
            continue
        rest = name[len(prefix) :]
        if prefix in ("PREV_INST_", "PREV_POS_", "PREV_CC_"):
            inner = describe(prefix.removeprefix("PREV_") + rest.rsplit("_", 1)[0])
            stat = rest.rsplit("_", 1)[-1]
            if inner and stat in _STATS:
                return f"{_STATS[stat]} over the client's previous loans of: {inner[0].lower()}{inner[1:]}"
            continue
        match = re.fullmatch(r"(.+)_(MEAN|MIN|MAX|SUM|STD)", rest)
        if match:
            inner = _column(table, match.group(1)) or _column(table, prefix + match.group(1))
            if inner:
                return f"{_STATS[match.group(2)]} over {what}: {inner[0].lower()}{inner[1:]}"
        if rest == "COUNT":
            return f"Number of {what.removeprefix('the ')}"
        simple = _column(table, rest) or _column(table, prefix + rest)
        if simple:
            return simple
        for cat in ("CREDIT_TYPE_", "NAME_PRODUCT_TYPE_", "NAME_CONTRACT_STATUS_", "CREDIT_ACTIVE_"):
            if rest.startswith(cat):
                return f"Number of {what.removeprefix('the ')} with {cat.rstrip('_')} = {rest[len(cat) :]}"
    return None
