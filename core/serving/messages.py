"""Validation problems as data: a code, its parameters, and its sentence in English and French.

A :class:`Problem` *is* its English sentence (a ``str``: the API, the CLI and logs print it as
before) and also carries ``code`` and ``params``, so that the presentation layer can say it in the
user's language (:func:`render`).
"""

from __future__ import annotations

from typing import Any

_DAYS_PER_YEAR = 365.25


def _value(value: Any, lang: str) -> str:
    """A value as a message quotes it (cut at 60 characters)."""
    if isinstance(value, bool):
        return (f"le booléen {str(value).lower()}") if lang == "fr" else f"the boolean {str(value).lower()}"
    if isinstance(value, str):
        cut = f"{value[:60]!r}" + ("…" if len(value) > 60 else "")
        return f"le texte {cut}" if lang == "fr" else f"the text {cut}"
    if value is None:
        return "null"
    return repr(value)[:60]


#: the longest value, field or column name a message quotes (a 10 MB cell is not echoed back)
MAX_QUOTED = 60


def clip(text: object, limit: int = MAX_QUOTED) -> str:
    """``text`` cut at ``limit`` characters, with "…" and its length when cut."""
    text = str(text)
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text):,} characters)"


def _num(value: Any) -> str:
    value = value.item() if hasattr(value, "item") else value
    return str(value)[:60]


def _bounds(lo: float | None, hi: float | None, lang: str) -> str:
    if lo is not None and hi is not None:
        return f"entre {lo:g} et {hi:g}" if lang == "fr" else f"between {lo:g} and {hi:g}"
    return f">= {lo:g}" if lo is not None else f"<= {hi:g}"


def render(code: str, params: dict[str, Any], lang: str) -> str:
    """The sentence of a problem in ``lang`` ('en' or 'fr')."""
    fr = lang == "fr"
    p = params
    if code == "unknown_field":
        return (
            "champ inconnu : ce modèle n'a pas d'entrée de ce nom"
            if fr
            else "unknown field: this model has no input of that name"
        )
    if code == "missing_field":
        return (
            "champ absent : envoyez null si la valeur est inconnue"
            if fr
            else "missing field: send null if the value is unknown"
        )
    if code == "bad_id":
        got = (
            f", got {_value(p['value'], lang)}"
            if "value" in p and not fr
            else (f", reçu {_value(p['value'], lang)}" if "value" in p else "")
        )
        return ("doit être un entier positif" if fr else "must be a positive integer") + got
    if code == "impossible_age":
        years = -p["value"] / _DAYS_PER_YEAR
        if fr:
            return f"âge impossible : {years:.1f} ans ({_num(p['value'])}) ; le client doit avoir entre 18 et 120 ans".replace(
                ".", ",", 1
            )
        return (
            f"impossible age {years:.1f} years ({_num(p['value'])}): the client must be 18 to 120 years old"
        )
    if code == "impossible_years":  # a field typed in years (the dashboard's form), said in years
        years = f"{p['value']:.1f}".replace(".", ",") if fr else f"{p['value']:.1f}"
        if p.get("age"):
            return (f"âge impossible : {years} ans ; le client doit avoir entre 18 et 120 ans" if fr
                    else f"impossible age {years} years: the client must be 18 to 120 years old")  # fmt: skip
        return (f"nombre d'années impossible : {years} ; doit être {_bounds(p['lo'], p['hi'], lang)}" if fr
                else f"impossible number of years {years}: must be {_bounds(p['lo'], p['hi'], lang)}")  # fmt: skip
    if code == "impossible":
        text = (f"valeur impossible {_num(p['value'])} : doit être {_bounds(p['lo'], p['hi'], lang)}" if fr
                else f"impossible value {_num(p['value'])}: must be {_bounds(p['lo'], p['hi'], lang)}")  # fmt: skip
        if p.get("days"):
            if fr:
                text += " (les jours sont comptés à rebours depuis la demande, donc <= 0"
                if p.get("sentinel") is not None:
                    text += f" ; {p['sentinel']:g} signifie « sans emploi »"
            else:
                text += " (days are counted back from the application, so are <= 0"
                if p.get("sentinel") is not None:
                    text += f"; {p['sentinel']:g} means {p['sentinel_meaning']}"
            return text + ")"
        if p.get("rationale") and not fr:
            text += f" — {p['rationale']}"
        return text
    if code == "not_integer":
        return (
            f"doit être un nombre entier, reçu {_num(p['value'])}"
            if fr
            else f"must be a whole number, got {_num(p['value'])}"
        )
    if code == "not_finite":
        return ("NaN et l'infini ne sont pas acceptés : laissez la valeur vide si elle est inconnue" if fr
                else "NaN and infinity are not allowed: send null for a missing value")  # fmt: skip
    if code in ("expected_number", "expected_bool", "expected_category"):
        what = {
            "expected_number": ("un nombre est attendu", "expected a number"),
            "expected_bool": ("oui/non (ou 0/1) attendu", "expected true/false (or 0/1)"),
            "expected_category": ("une catégorie (texte) est attendue", "expected a text category"),
        }[code]
        return (
            f"{what[0]}, reçu {_value(p['value'], lang)}"
            if fr
            else f"{what[1]}, got {_value(p['value'], lang)}"
        )
    if code == "unknown_category":
        shown = ", ".join(repr(c) for c in p["allowed"][: p["listed"]])
        more = (
            (f", … ({len(p['allowed'])} en tout)" if fr else f", … ({len(p['allowed'])} in all)")
            if len(p["allowed"]) > p["listed"]
            else ""
        )
        value = _value(p["value"], lang).split(" ", 2)[-1]
        return (
            f"catégorie inconnue {value} : valeurs possibles {shown}{more}"
            if fr
            else f"unknown category {value}: expected one of {shown}{more}"
        )
    if code == "insufficient":
        return ("données insuffisantes : le modèle ne peut pas évaluer une demande sans ce champ" if fr
                else "insufficient data: the model cannot score an application without it")  # fmt: skip
    if code == "bad_target":
        return "doit valoir 0 (remboursé) ou 1 (défaut)" if fr else "must be 0 (repaid) or 1 (default)"
    if code == "outside_range":
        if fr:
            return f"{p['value']:g} est hors de l'intervalle vu à l'entraînement [{p['min']:g}, {p['max']:g}] : accepté, mais le score est moins sûr"
        return f"{p['value']:g} is outside the range seen in training [{p['min']:g}, {p['max']:g}]: accepted, but the score is less certain"
    if code == "ragged":
        if fr:
            return (
                f"la ligne {p['line']} du fichier a {p['fields']} champs, l'en-tête {p['expected']} : "
                "ses valeurs ne peuvent pas être rattachées à leurs colonnes (ligne écartée)"
            )
        return (
            f"line {p['line']} of the file has {p['fields']} fields where the header has {p['expected']}: "
            "its values cannot be matched to their columns (row not scored)"
        )
    if code == "duplicate_id":
        if fr:
            return f"ce numéro de client figure déjà à la ligne {p['first']} : les deux lignes sont évaluées"
        return f"this client id is already on row {p['first']}: both rows are scored"
    if code == "duplicate_key":
        if fr:
            return f"champ donné {p['count']} fois dans le même objet JSON : seule la dernière valeur est lue"
        return f"field given {p['count']} times in the same JSON object: only the last value is read"
    if code == "unseen_category":
        if fr:
            return f"« {clip(p['value'])} » est une valeur valide jamais vue à l'entraînement : acceptée, mais le score est moins sûr"
        return f"{clip(repr(p['value']))} is a valid value never seen in training: accepted, but the score is less certain"
    raise KeyError(f"unknown problem code {code!r}")


class Problem(str):
    """A problem's English sentence that also knows its code and parameters."""

    code: str
    params: dict[str, Any]

    def __new__(cls, code: str, **params: Any) -> Problem:
        obj = super().__new__(cls, render(code, params, "en"))
        obj.code = code
        obj.params = params
        return obj

    def __copy__(self) -> Problem:  # immutable: a copy (e.g. of a frame's attrs) is the same problem
        return self

    def __deepcopy__(self, memo: Any) -> Problem:
        return self

    def __reduce__(self) -> Any:  # keep it a plain string when pickled by a library
        return (str, (str(self),))


def in_language(problem: str, lang: str) -> str:
    """``problem`` in ``lang`` when it is a :class:`Problem`; otherwise as it is."""
    if lang != "en" and isinstance(problem, Problem):
        return render(problem.code, problem.params, lang)
    return str(problem)
