"""The scoring form, generated from the bundle's schema: layout, widget values and the record sent to core.

Pure functions, no Streamlit. An application is typed the way it is written on the file: ages and
job tenures in positive years (converted back to Kaggle's negative days), amounts as text with
thousands separators, categories in the interface language (sent as Kaggle's values), flags as
yes/no; an empty widget means "not given". What the model reads decides what is shown: an
application bundle shows the raw fields its features depend on, a feature bundle its features.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Literal

import core

#: The sections of the application form, in display order (the officer's reading order of a file).
MAIN_SECTIONS: tuple[str, ...] = ("identity", "income", "loan", "housing", "external", "documents")
#: Every section a field can belong to, in display order (unknown sections last, as "other").
SECTION_ORDER: tuple[str, ...] = (*core.SECTIONS, "derived", "other")
#: How many of a feature bundle's most important features are shown outside "more fields".
TOP_FEATURES = 15
#: Widget-key suffix of the "not employed" checkbox of a field with a sentinel (DAYS_EMPLOYED).
SENTINEL_SUFFIX = "__sentinel"

Kind = Literal["amount", "years", "number", "category", "flag", "text"]
Lang = Literal["fr", "en"]


@dataclass(frozen=True)
class FormField:
    """How one contract field is shown in the form."""

    name: str
    kind: Kind
    label: str  # in the interface language, with its unit and the required mark
    help: str | None
    section: str
    required: bool = False
    options: tuple[str, ...] = ()  # Kaggle's category values
    option_labels: dict[str, str] = field(default_factory=dict)  # value -> text in the interface language
    integer: bool = False
    fmt: str = "%.2f"  # printf format of a number input
    step: float | int | None = None
    sentinel: float | None = None  # a coded value with its own checkbox (DAYS_EMPLOYED's "not employed")
    bounds: tuple[float | None, float | None] = (None, None)  # hard bounds, in the widget's unit

    @property
    def choices(self) -> bool:
        """Whether the field is a few buttons: a yes/no flag, or two or three short categories (that fit a
        third of the form's width without being cut)."""
        if self.kind == "flag":
            return True
        words = sum(len(self.option_labels.get(v, v)) for v in self.options)
        return self.kind == "category" and 0 < len(self.options) <= 3 and words <= 28


@dataclass(frozen=True)
class FormLayout:
    """The fields of the form: the main sections, then the "more fields" groups."""

    main: list[tuple[str, list[FormField]]]
    more: list[tuple[str, list[FormField]]]

    @property
    def fields(self) -> list[FormField]:
        """Every field of the form, main sections first."""
        return [f for _, group in (*self.main, *self.more) for f in group]

    @property
    def has_required(self) -> bool:
        """Whether any field is required (marked with an asterisk)."""
        return any(f.required for f in self.fields)


@dataclass(frozen=True)
class BadInput:
    """A widget value that cannot be read (e.g. an amount that is not a number): the text is kept."""

    field: str
    kind: Kind
    text: str


# ----------------------------------------------------------------------------- numbers


_SPACES = re.compile(r"[\s\u00a0\u202f\u2009'’_]")
_CURRENCY = re.compile(r"(€|eur(os?)?)", re.IGNORECASE)
_GROUPED = re.compile(r"^\d{1,3}([.,]\d{3})+$")


def parse_amount(text: str | None) -> float | None:
    """An amount typed by a person -> a float; None when empty; ValueError when it is not an amount.

    Spaces (any kind), apostrophes and the currency are ignored. With both ``,`` and ``.``, the last
    one is the decimal separator ("450,000.50", "450.000,50"). With one kind only, a separator
    followed by exactly three digits groups thousands ("450,000", "1.200.000") — an amount never has
    three decimals — and otherwise it is the decimal separator ("450000,50", "99.9").
    """
    if text is None:
        return None
    raw = _SPACES.sub("", _CURRENCY.sub("", str(text)))
    if raw == "":
        return None
    sign = ""
    if raw[0] in "+-−":
        sign, raw = ("-" if raw[0] in "-−" else ""), raw[1:]
    if not re.fullmatch(r"\d[\d.,]*|[.,]\d+", raw):
        raise ValueError(f"not an amount: {text!r}")
    if "," in raw and "." in raw:
        decimal = "," if raw.rfind(",") > raw.rfind(".") else "."
        thousands = "." if decimal == "," else ","
        whole, _, cents = raw.rpartition(decimal)
        if decimal in whole or (whole.count(thousands) and not _GROUPED.match(whole)):
            raise ValueError(f"not an amount: {text!r}")
        number = whole.replace(thousands, "") + "." + cents
    elif "," in raw or "." in raw:
        sep = "," if "," in raw else "."
        if _GROUPED.match(raw):
            number = raw.replace(sep, "")
        elif raw.count(sep) == 1:
            number = raw.replace(sep, ".")
        else:
            raise ValueError(f"not an amount: {text!r}")
    else:
        number = raw
    try:
        value = float(sign + number)
    except ValueError:
        raise ValueError(f"not an amount: {text!r}") from None
    if not math.isfinite(value):
        raise ValueError(f"not an amount: {text!r}")
    return value


def format_amount(value: float | None, lang: Lang) -> str:
    """An amount written for a text input: "450 000" (French) or "450,000" (English), cents if any."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    decimals = 0 if float(value).is_integer() else 2
    text = f"{float(value):,.{decimals}f}"
    return text.replace(",", " ").replace(".", ",") if lang == "fr" else text


def _number_text(value: float, lang: Lang) -> str:
    """A number as the officer typed it, written the language's way ("-3,5" in French)."""
    text = f"{value:g}"
    return text.replace(".", ",") if lang == "fr" else text


def to_years(days: float | None) -> float | None:
    """Kaggle days (negative, counted back from the application) -> positive years, None kept."""
    if days is None or (isinstance(days, float) and math.isnan(days)):
        return None
    return core.days_to_years(float(days)) + 0.0  # + 0.0: never "-0.0" years


def to_days(years: float | None) -> float | None:
    """Positive years -> Kaggle days (a whole number of days back), None kept."""
    if years is None:
        return None
    return float(core.years_to_days(float(years))) + 0.0


# ----------------------------------------------------------------------------- layout


def _info(name: str, schema: core.FeatureSchema) -> core.FieldInfo | None:
    return core.field_info(name, schema)


def _kind(spec: core.FeatureSpec, info: core.FieldInfo | None) -> Kind:
    if spec.kind == "categorical":
        return "category" if (spec.categories or (info and info.categories)) else "text"
    if spec.kind == "boolean":
        return "flag"
    if info is not None and info.unit == "currency":
        return "amount"
    return "years" if core.in_years(info) else "number"


def number_format(spec: core.FeatureSpec, info: core.FieldInfo | None) -> tuple[str, float | int | None]:
    """printf format and step of a number input, from the field's unit and magnitude."""
    unit = info.unit if info else "number"
    if spec.integer or (info is not None and info.integer) or unit in ("count", "rating", "hour"):
        return "%d", 1
    if unit == "score":
        return "%.3f", 0.01
    bounds = [abs(x) for x in (spec.min, spec.max, spec.median) if x is not None and math.isfinite(x)]
    largest = max(bounds, default=0.0)
    if largest >= 1000:
        return "%.0f", 1.0
    return ("%.2f", 0.1) if largest >= 10 else ("%.4f", 0.01)


def _unit_suffix(kind: Kind, info: core.FieldInfo | None, lang: Lang, text: str) -> str:
    if kind == "amount":
        return " (€)"
    if kind == "years" or (info is not None and info.unit == "years"):
        word = "ans" if lang == "fr" else "years"
        return "" if word[:-1] in text.lower() else f" ({word})"  # "Years in current job" says it already
    if info is not None and info.unit == "hour":
        return " (h)"
    return ""


def _widget_bounds(kind: Kind, info: core.FieldInfo | None) -> tuple[float | None, float | None]:
    if info is None:
        return None, None
    if kind == "years":  # days are negative: the upper day bound is the lower year bound
        lo = to_years(info.hi) if info.hi is not None else None
        hi = to_years(info.lo) if info.lo is not None else None
        return lo, hi
    return info.lo, info.hi


def form_field(spec: core.FeatureSpec, schema: core.FeatureSchema, lang: Lang) -> FormField:
    """The widget description of one contract field in ``lang``."""
    info = _info(spec.name, schema)
    kind = _kind(spec, info)
    required = spec.required  # exactly what the validation refuses to do without
    name = core.label(spec.name, lang, schema)
    text = name + _unit_suffix(kind, info, lang, name) + (" *" if required else "")
    description = info.description(lang) if info is not None and info.description(lang) else spec.description
    options: tuple[str, ...] = ()
    labels: dict[str, str] = {}
    if kind == "category":
        options = tuple(spec.categories or (info.categories if info and info.categories else ()))
        labels = {v: core.category_label(info, v, lang) for v in options}
    fmt, step = number_format(spec, info) if kind == "number" else ("%.1f", 0.5)
    return FormField(
        name=spec.name,
        kind=kind,
        label=text,
        help=description or None,
        section=_section(info),
        required=required,
        options=options,
        option_labels=labels,
        integer=fmt == "%d",
        fmt=fmt,
        step=step,
        sentinel=info.sentinel if info is not None and kind == "years" else None,
        bounds=_widget_bounds(kind, info),
    )


def _section(info: core.FieldInfo | None) -> str:
    return info.section if info is not None and info.section in SECTION_ORDER else "other"


def _grouped(fields: list[FormField]) -> list[tuple[str, list[FormField]]]:
    groups: dict[str, list[FormField]] = {}
    for f in fields:
        groups.setdefault(f.section, []).append(f)
    return [(s, groups[s]) for s in SECTION_ORDER if s in groups]


def form_layout(schema: core.FeatureSchema, lang: Lang) -> FormLayout:
    """The form of a bundle: only the fields the model reads, the usual ones first.

    Application contract: the six main sections hold the fields with a form rank (the ~25 fields of
    a paper file, in rank order); every other field the model reads goes to "more fields", grouped
    by section. Feature contract: the most important features (and any required one) first, grouped
    by section, the others in "more fields".
    """
    if schema.contract == "application":
        used = schema.used_inputs()
        fields = [form_field(s, schema, lang) for s in used]
        infos = {s.name: _info(s.name, schema) for s in used}
        ranks = {n: (i.form_rank if i is not None else None) for n, i in infos.items()}
        main = sorted(
            (f for f in fields if ranks[f.name] is not None and f.section in MAIN_SECTIONS),
            key=lambda f: ranks[f.name] or 0,
        )
        main_names = {f.name for f in main}
        rest = [f for f in fields if f.name not in main_names]
        groups = {s: [f for f in main if f.section == s] for s in MAIN_SECTIONS}
        return FormLayout(main=[(s, g) for s, g in groups.items() if g], more=_grouped(rest))
    ordered = [form_field(s, schema, lang) for s in schema.by_importance()]
    top = {f.name for f in ordered[:TOP_FEATURES]} | {f.name for f in ordered if f.required}
    return FormLayout(
        main=_grouped([f for f in ordered if f.name in top]),
        more=_grouped([f for f in ordered if f.name not in top]),
    )


# ----------------------------------------------------------------------------- values


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def widget_values(fields: list[FormField], record: dict[str, Any] | None, lang: Lang) -> dict[str, Any]:
    """Widget values (field name -> value; sentinel checkboxes under ``name + SENTINEL_SUFFIX``) of a
    contract record; an empty form when ``record`` is None."""
    record = record or {}
    out: dict[str, Any] = {}
    for f in fields:
        value: Any = record.get(f.name)
        if f.sentinel is not None:
            out[f.name + SENTINEL_SUFFIX] = not _missing(value) and float(value) == f.sentinel
            if out[f.name + SENTINEL_SUFFIX]:
                value = None
        if _missing(value):
            out[f.name] = "" if f.kind in ("amount", "text") else None
        elif f.kind == "amount":
            out[f.name] = format_amount(float(value), lang)
        elif f.kind == "years":
            out[f.name] = to_years(float(value))
        elif f.kind == "flag":
            out[f.name] = "1" if float(value) >= 0.5 else "0"
        elif f.kind in ("category", "text"):
            out[f.name] = str(value)
        elif f.integer:
            out[f.name] = int(round(float(value)))
        else:
            out[f.name] = float(value)
    return out


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)
    return bool(a == b)


def read_record(
    fields: list[FormField],
    values: dict[str, Any],
    *,
    client_id: int | None,
    loaded: dict[str, Any] | None = None,
    lang: Lang = "fr",
) -> tuple[dict[str, Any], list[BadInput]]:
    """Widget values -> the JSON-like contract record for core, and the values that cannot be read.

    A field left as it was shown for the ``loaded`` record is sent with the record's exact value
    (an amount shown without its cents, an age in years, are the file's values, not a rounding).
    A field that cannot be read is sent as missing and reported.
    """
    shown = widget_values(fields, loaded, lang) if loaded is not None else {}
    record: dict[str, Any] = {"SK_ID_CURR": client_id} if client_id is not None else {}
    bad: list[BadInput] = []
    for f in fields:
        value: Any = values.get(f.name)
        keys = [f.name] + ([f.name + SENTINEL_SUFFIX] if f.sentinel is not None else [])
        if loaded is not None and all(_same(values.get(k), shown.get(k)) for k in keys):
            original = loaded.get(f.name)
            record[f.name] = None if _missing(original) else original
            continue
        if f.sentinel is not None and values.get(f.name + SENTINEL_SUFFIX):
            record[f.name] = float(f.sentinel)
        elif f.kind == "amount":
            try:
                record[f.name] = parse_amount(value)
            except ValueError:
                record[f.name] = None
                bad.append(BadInput(f.name, f.kind, str(value)))
        elif _missing(value) or (isinstance(value, str) and not value.strip()):
            record[f.name] = None
        elif f.kind == "years" and float(value) < 0:  # typed in years: said in years, not in days
            record[f.name] = None
            bad.append(BadInput(f.name, f.kind, _number_text(float(value), lang)))
        elif f.kind == "years":
            record[f.name] = to_days(float(value))
        elif f.kind == "flag":
            record[f.name] = value == "1"
        elif f.kind in ("category", "text"):
            record[f.name] = str(value).strip()
        else:
            record[f.name] = float(value)
    return record, bad


def template(service: core.ScoringService) -> bytes:
    """The CSV template of a batch: the contract's header (client id first) and one real example row."""
    import pandas as pd

    columns = ["SK_ID_CURR", *(s.name for s in service.schema.fields)]
    example = service.example_record()
    return core.to_safe_csv(pd.DataFrame([{c: example.get(c) for c in columns}], columns=columns))
