"""Home Credit data layer: Kaggle table schema, loaders, synthetic generator, feature engineering."""

from core.data.descriptions import describe
from core.data.features import APP_CATEGORICAL, build_features
from core.data.loaders import DataFileError, load_table, load_tables
from core.data.synthetic import generate, write_synthetic
from core.data.tables import DAYS_SENTINEL, KEYS, TABLES, columns

__all__ = [
    "APP_CATEGORICAL",
    "DAYS_SENTINEL",
    "KEYS",
    "TABLES",
    "DataFileError",
    "build_features",
    "columns",
    "describe",
    "generate",
    "load_table",
    "load_tables",
    "write_synthetic",
]
