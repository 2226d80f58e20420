"""French / English texts of the interface (French by default)."""

from __future__ import annotations

import json
import numbers
import re
from functools import lru_cache
from pathlib import Path

from core.export import CsvDialect
from dashboard.state import lang

LOCALES = Path(__file__).resolve().parent / "locales"
#: placeholders that always hold a count: an integer given for one is written the local way (2 000
#: clients on a French page). Never an id: an id (``id``, ``client``, ``seed``...) is shown as it is.
COUNTS = frozenset({
    "n", "total", "done", "rejected", "tp", "fp", "tn", "fn", "n_fn", "n_fp", "acc", "active",
    "shown", "known", "trees", "groups", "days", "least", "other", "bad", "top",
})  # fmt: skip


@lru_cache(maxsize=2)
def _texts(code: str) -> dict[str, str]:
    return json.loads((LOCALES / f"{code}.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def t(key: str, **values: object) -> str:
    """The text ``key`` in the current language, formatted with ``values``."""
    text = _texts(lang()).get(key) or _texts("en").get(key) or key
    if not values:
        return text
    shown = {
        k: num(int(v)) if k in COUNTS and isinstance(v, numbers.Integral) and not isinstance(v, bool) else v
        for k, v in values.items()
    }
    return text.format(**shown)


def num(x: float, decimals: int = 0) -> str:
    """A number written the local way (French: narrow no-break space for thousands, decimal comma)."""
    text = f"{x:,.{decimals}f}"
    return text.replace(",", "\u202f").replace(".", ",") if lang() == "fr" else text


def pct(x: float, decimals: int = 1) -> str:
    """A share as a percentage, written the local way ('3,7 %' in French, '3.7%' in English)."""
    return f"{num(100 * x, decimals)}\u202f%" if lang() == "fr" else f"{100 * x:.{decimals}f}%"


def csv_dialect() -> CsvDialect:
    """The CSV files the pages give: French Excel's (``;``, decimal comma) on a French page."""
    return "excel-fr" if lang() == "fr" else "plain"


def t_or(key: str, default: str) -> str:
    """The text ``key`` when the locales have it, else ``default`` (e.g. a column name from a bundle)."""
    return _texts(lang()).get(key) or _texts("en").get(key) or default


#: texts the training pipeline writes into a bundle (in English) -> their locale key; with a pattern,
#: the groups are the values of the text. The fairness item of bundles made before the audit existed
#: said "has not been audited": the model card shows the audit, so the item says where it is.
_BUNDLE_TEXTS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(re.escape(english)), key)
    for english, key in (
        ("Demonstration of the credit-scoring workflow; estimates a probability of default and a decision.",
         "bundle_use_demo"),
        ("Estimate the probability of default of a consumer-credit applicant.", "bundle_use_real"),
        ("Trained on SYNTHETIC data: its scores say nothing about real clients.", "bundle_lim_synthetic"),
        ("The decision threshold minimises 10·FN + 1·FP on past data; other cost ratios need another threshold.",
         "bundle_lim_threshold"),
        ("Probabilities are estimated on the training population; clients unlike it (values outside the ranges "
         "seen) get less reliable scores.", "bundle_lim_population"),
        ("Scores support, not replace, a credit officer's judgement; reasons are statistical associations, not "
         "causes.", "bundle_lim_support"),
        ("Fairness across groups (e.g. gender, age) has not been audited.", "bundle_lim_fairness"),
        ("Fairness across groups (gender, age band) is audited on held-out clients (model card, fairness page, "
         "`pad fairness`); a gap found is for people to judge: the model does not correct it.", "bundle_lim_fairness"),
    )
] + [
    (re.compile(r"SYNTHETIC data from the project's generator \((?P<n>\d+) clients, seed (?P<seed>\w+)\); "
                r"for demonstration only, not real clients\."), "bundle_data_synthetic"),
    (re.compile(r"SYNTHETIC data from the project's generator \(seed (?P<seed>\w+)\); for demonstration only\."),
     "bundle_data_synthetic_seed"),
    (re.compile(r"Home Credit tables read from (?P<folder>.+)/ \(Kaggle Home Credit Default Risk schema\)\."),
     "bundle_data_real"),
]  # fmt: skip


def bundle_text(text: str) -> str:
    """A text a bundle carries (intended use, limitations, data description) in the page's language;
    a text the pipeline does not write is shown as it is."""
    for pattern, key in _BUNDLE_TEXTS:
        found = pattern.fullmatch(text.strip())
        if found:
            values = {
                k: (num(int(v)) if v.isdigit() and k == "n" else v) for k, v in found.groupdict().items()
            }
            return t(key, **values)
    return text
