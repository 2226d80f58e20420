"""Home Credit data layer: Kaggle table schema, loaders, synthetic generator (raw data, never altered)."""

from core.data.loaders import DataFileError, load_table, load_tables
from core.data.synthetic import generate, write_synthetic
from core.data.tables import DAYS_SENTINEL, KEYS, TABLES, columns

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
