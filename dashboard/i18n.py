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
