"""Home Credit data layer: Kaggle table schema, loaders, synthetic generator (raw data, never altered).

The generator (and SciPy, which it needs) is imported on first use: reading the tables' schema — what
the scoring service and the dashboard need — does not pay for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core.data.loaders import DataFileError, load_table, load_tables
from core.data.tables import DAYS_SENTINEL, KEYS, TABLES, columns

if TYPE_CHECKING:
    from core.data.synthetic import generate, write_synthetic

__all__ = [
    "DAYS_SENTINEL",
    "KEYS",
    "TABLES",
    "DataFileError",
    "columns",
    "generate",
    "load_table",
    "load_tables",
    "write_synthetic",
]


def __getattr__(name: str) -> Any:
    if name in ("generate", "write_synthetic"):
        from core.data import synthetic

        return getattr(synthetic, name)
    raise AttributeError(f"module 'core.data' has no attribute {name!r}")
