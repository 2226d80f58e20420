"""French / English texts of the interface (French by default)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from dashboard.state import lang

LOCALES = Path(__file__).resolve().parent / "locales"


@lru_cache(maxsize=2)
def _texts(code: str) -> dict[str, str]:
    return json.loads((LOCALES / f"{code}.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def t(key: str, **values: object) -> str:
    """The text ``key`` in the current language, formatted with ``values``."""
    text = _texts(lang()).get(key) or _texts("en").get(key) or key
    return text.format(**values) if values else text


def num(x: float, decimals: int = 0) -> str:
    """A number written the local way (French: narrow no-break space for thousands, decimal comma)."""
    text = f"{x:,.{decimals}f}"
    return text.replace(",", "\u202f").replace(".", ",") if lang() == "fr" else text


def pct(x: float, decimals: int = 1) -> str:
    """A share as a percentage, written the local way ('3,7 %' in French, '3.7%' in English)."""
    return f"{num(100 * x, decimals)}\u202f%" if lang() == "fr" else f"{100 * x:.{decimals}f}%"


def t_or(key: str, default: str) -> str:
    """The text ``key`` when the locales have it, else ``default`` (e.g. a column name from a bundle)."""
    return _texts(lang()).get(key) or _texts("en").get(key) or default
