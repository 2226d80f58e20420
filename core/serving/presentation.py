"""The one presentation layer: labels, values and reason sentences in French and English.

Everything a person reads about a field comes from its registry entry (carried by the bundle's
schema, or the project's registry for names it knows) — its unit decides how a value is written
(an age in years, an amount with thousands separators, a count as a number, a flag as yes/no).
"""

from __future__ import annotations

import math
from typing import Any, Literal

from core.features.registry import NO_HISTORY, FieldInfo, registry
from core.serving.messages import in_language

Lang = Literal["fr", "en"]
DAYS_PER_YEAR = 365.25
CURRENCY = "€"


class SpecIndex:
    """A schema's specs by name, for the many look-ups of a batch's reason sentences (the schema's
    own ``get`` scans its lists: ~3 µs a call, 1 s for 20,000 explained rows)."""

    def __init__(self, schema: Any) -> None:
        self._by_name: dict[str, Any] = {}
        for spec in (*schema.features, *schema.inputs):
            self._by_name.setdefault(spec.name, spec)  # a feature before an input, as ``get``

    def get(self, name: str) -> Any:
        try:
            return self._by_name[name]
        except KeyError:
            raise KeyError(f"{name!r} is not a feature of this model") from None


def field_info(name: str, schema: Any = None) -> FieldInfo | None:
    """The registry entry of ``name``: the bundle schema's copy first, then the project's registry."""
    if schema is not None:
        try:
            spec = schema.get(name)
        except KeyError:
            spec = None
        if spec is not None and spec.info is not None:
            return spec.info  # type: ignore[no-any-return]
    return registry().get(name)


def label(name: str, lang: Lang = "fr", schema: Any = None) -> str:
    """Short human label of a field in ``lang``; a generic label when nothing is known of it."""
    return _label(name, field_info(name, schema), lang)


def _label(name: str, info: FieldInfo | None, lang: Lang) -> str:
    if info is not None:
        return info.label(lang)
    return f"Variable du modèle « {name} »" if lang == "fr" else f"Model variable '{name}'"


def in_years(info: FieldInfo | None) -> bool:
    """Whether the field is a day count of the application shown to people in years (age, job...)."""
    return info is not None and info.unit == "days" and info.origin == "application"


def days_to_years(days: float) -> float:
    """Kaggle days (negative, counted back from the application) to positive years."""
    return -days / DAYS_PER_YEAR


def years_to_days(years: float) -> float:
    """Positive years to Kaggle days (negative)."""
    return -round(years * DAYS_PER_YEAR)


def _number(x: float, decimals: int, lang: Lang) -> str:
    text = f"{x:,.{decimals}f}"
    return text.replace(",", "\u202f").replace(".", ",") if lang == "fr" else text


def category_label(info: FieldInfo | None, value: str, lang: Lang) -> str:
    """A category value in ``lang`` (Kaggle's value when no translation is known)."""
    labels = None if info is None else (info.category_labels_fr if lang == "fr" else info.category_labels_en)
    return (labels or {}).get(value, value)


def format_value(name: str, value: object, lang: Lang = "fr", schema: Any = None) -> str:
    """A field's value written for people, from its unit."""
    if name == NO_HISTORY:
        return "aucun historique connu" if lang == "fr" else "none known"
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "non renseigné" if lang == "fr" else "not given"
    return _format(field_info(name, schema), value, lang)


def _format(info: FieldInfo | None, value: object, lang: Lang) -> str:
    """``format_value`` of a present value of the field described by ``info``."""
    if isinstance(value, str):
        return category_label(info, value, lang)
    x = float(value)  # type: ignore[arg-type]
    unit = info.unit if info else "number"
    if in_years(info):
        if info is not None and info.sentinel is not None and x == info.sentinel:
            return "sans emploi" if lang == "fr" else "not employed"
        return f"{_number(days_to_years(x), 1, lang)} {'ans' if lang == 'fr' else 'years'}"
    if unit == "flag":
        yes, no = ("oui", "non") if lang == "fr" else ("yes", "no")
        return yes if x >= 0.5 else no
    if unit == "currency":
        return f"{_number(x, 0, lang)} {CURRENCY}" if abs(x) >= 100 else f"{_number(x, 2, lang)} {CURRENCY}"
    if unit == "days":
        return f"{_number(x, 0 if x.is_integer() else 1, lang)} {'jours' if lang == 'fr' else 'days'}"
    if unit == "years":
        return f"{_number(x, 0 if x.is_integer() else 1, lang)} {'ans' if lang == 'fr' else 'years'}"
    if unit == "hour":
        return f"{x:.0f} h"
    if unit in ("count", "rating") or (info is not None and info.integer):
        return _number(x, 0 if x.is_integer() else 1, lang)
    if unit in ("score", "ratio"):
        return _number(x, 3 if abs(x) < 10 else 1, lang)
    return _number(x, 0 if x.is_integer() else 2, lang)


_EFFECT = {
    ("fr", "default"): "augmente le risque de défaut",
    ("fr", "repayment"): "réduit le risque de défaut",
    ("en", "default"): "raises the risk of default",
    ("en", "repayment"): "lowers the risk of default",
}


def reason_sentence(reason: Any, lang: Lang = "fr", schema: Any = None) -> str:
    """The sentence of a reason code (:class:`core.serving.service.Reason`) in ``lang``."""
    info = field_info(reason.feature, schema)  # once: the label and the value are written from it
    name = _label(reason.feature, info, lang)
    value, pct = reason.value, reason.percentile
    if reason.feature == NO_HISTORY or value is None or (isinstance(value, float) and math.isnan(value)):
        shown = format_value(reason.feature, value, lang)
    else:
        shown = _format(info, value, lang)
    where = ""
    if pct is not None and value is not None:
        if isinstance(value, str) or (info is not None and info.unit == "flag"):
            where = f" (comme {pct:.0f} % des clients)" if lang == "fr" else f" (like {pct:.0f}% of clients)"
        else:
            higher = pct >= 50
            part = min(pct if higher else 100 - pct, 99.0)  # never "higher than 100 % of clients"
            if in_years(info):  # days are negative: more days back = older / longer
                higher = not higher
            if lang == "fr":
                where = f" ({'supérieur' if higher else 'inférieur'} à {part:.0f} % des clients)"
            else:
                where = f" ({'higher' if higher else 'lower'} than {part:.0f}% of clients)"
    sep = " : " if lang == "fr" else ": "
    return f"{name}{sep}{shown}{where} — {_EFFECT[(lang, reason.direction)]}"


def problem_text(problem: str, lang: Lang = "fr") -> str:
    """A validation problem or warning in ``lang`` (core's problems know their code)."""
    return in_language(problem, lang)
