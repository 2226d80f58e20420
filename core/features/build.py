"""``pad features``: the eight Home Credit tables -> one row per client (polars engine).

Row-wise application features (:mod:`core.features.application`) joined with the history
aggregates (:mod:`core.features.history`). TARGET is carried through, never used as a feature.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import pandas as pd
import polars as pl

from core.data.loaders import DataFileError, read_tables
from core.features.application import APP_CATEGORICAL, ID, application_features
from core.features.history import SCOPE_TABLE, ZERO_WHEN_EMPTY, history_features, used_columns

log = logging.getLogger(__name__)

__all__ = ["APP_CATEGORICAL", "build_features", "feature_frame", "history_table", "to_pandas"]
#: polars' streaming engine merges partial sums in an order that varies between runs, so a history
#: aggregate could differ in its last bit from one run to the next; the in-memory engine, on inputs
#: sorted by their keys, gives the same double every time (training, ``pad features``, a store).
ENGINE: Literal["in-memory"] = "in-memory"


Tables = Mapping[str, pd.DataFrame | pl.DataFrame | pl.LazyFrame]


def _lazy(frame: pd.DataFrame | pl.DataFrame | pl.LazyFrame) -> pl.LazyFrame:
    if isinstance(frame, pl.LazyFrame):
        return frame
    if isinstance(frame, pd.DataFrame):
        frame = pl.from_pandas(frame)
    return frame.lazy()


def _apps(source: Tables | Path, *, only_ids: bool = False) -> list[pl.LazyFrame]:
    names = ("application_train", "application_test")
    if isinstance(source, Path):
        select = {n: ([ID] if only_ids else None) for n in names}
        return [f.lazy() for f in read_tables(source, select=select).values()]
    return [_lazy(source[n]).select(ID) if only_ids else _lazy(source[n]) for n in names if n in source]


def _history(source: Tables | Path) -> pl.LazyFrame | None:
    """The history aggregates' plan; from a folder, over the history tables as polars' CSV reader
    gives them, only the columns the features read (every table required, as ``load_tables``)."""
    if isinstance(source, Path):
        tables = read_tables(source, select={n: used_columns(n) for n in SCOPE_TABLE.values()})
        return history_features({n: f.lazy() for n, f in tables.items()})[0]
    return history_features({n: _lazy(f) for n, f in source.items()})[0]


def _source(tables: Tables | Path | str) -> Tables | Path:
    if isinstance(tables, str | Path):
        folder = Path(tables)
        if not folder.is_dir():
            raise DataFileError(f"data folder {folder} does not exist.")
        return folder
    return tables


def to_pandas(frame: pl.DataFrame) -> pd.DataFrame:
    """A feature frame for pandas users: text features as object columns with None for missing."""
    out = frame.to_pandas()
    for col in APP_CATEGORICAL:
        if col in out.columns:
            out[col] = out[col].astype(object).where(out[col].notna(), None)
    return out


def history_table(tables: Tables | Path | str, ids: pl.Series | None = None) -> pl.DataFrame:
    """History aggregates per client id (the materialised half of the features).

    ``tables`` maps Kaggle table names to frames, or is a folder of Kaggle CSV/parquet files (read
    by :func:`core.data.loaders.read_table`). ``ids`` lists the clients whose history is *known*
    (by default every application id): a known client without bureau or previous rows has zero of
    them, not an unknown number.
    """
    source = _source(tables)
    if ids is None:
        apps = _apps(source, only_ids=True)
        ids = pl.concat(apps).collect(engine=ENGINE)[ID] if apps else pl.Series(ID, [], dtype=pl.Int64)
    hist = _history(source)
    base = pl.DataFrame({ID: ids.cast(pl.Int64)}).lazy()
    if hist is None:
        return base.collect()
    out = base.join(hist.with_columns(pl.col(ID).cast(pl.Int64)), on=ID, how="left")
    zero = [c for c in ZERO_WHEN_EMPTY if c in out.collect_schema().names()]
    return out.with_columns(pl.col(zero).fill_null(0)).sort(ID).collect(engine=ENGINE)


def feature_frame(tables: Tables | Path | str) -> pl.DataFrame:
    """One row per client (``SK_ID_CURR``), TARGET kept when present: the polars feature table.

    ``tables`` maps Kaggle table names to frames, or is a folder of Kaggle CSV/parquet files (read
    by :func:`core.data.loaders.read_table`, only the columns the features need). Application rows come from ``application_train`` and, when given,
    ``application_test`` (TARGET null there).
    """
    started = time.perf_counter()
    source = _source(tables)
    apps = _apps(source)
    if not apps:
        raise ValueError("build_features needs application_train or application_test.")
    app = application_features(pl.concat(apps, how="diagonal_relaxed")).collect(engine=ENGINE)
    del apps
    # the history half is exactly what a client store materialises: the same call, the same plan
    hist = history_table(source, app[ID])
    if hist.width > 1:
        app = app.join(hist, on=ID, how="left")
    del hist
    frame = app.sort(ID)
    log.info(
        "built %d features for %d clients in %.1fs",
        frame.width - 1,
        frame.height,
        time.perf_counter() - started,
    )
    return frame


def build_features(tables: Tables | Path | str) -> pd.DataFrame:
    """:func:`feature_frame` as a pandas frame (:func:`to_pandas`): hundreds of features per client."""
    return to_pandas(feature_frame(tables))
