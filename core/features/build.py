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

from core.features.application import APP_CATEGORICAL, ID, application_features
from core.features.history import ZERO_WHEN_EMPTY, history_features

log = logging.getLogger(__name__)

__all__ = ["APP_CATEGORICAL", "build_features", "history_table", "to_pandas"]
#: polars' streaming engine merges partial sums in an order that varies between runs, so a history
#: aggregate could differ in its last bit from one run to the next; the in-memory engine, on inputs
#: sorted by their keys, gives the same double every time (training, ``pad features``, a store).
ENGINE: Literal["in-memory"] = "in-memory"


def _lazy(frame: pd.DataFrame | pl.DataFrame | pl.LazyFrame) -> pl.LazyFrame:
    if isinstance(frame, pl.LazyFrame):
        return frame
    if isinstance(frame, pd.DataFrame):
        frame = pl.from_pandas(frame)
    return frame.lazy()


def _tables(
    tables: Mapping[str, pd.DataFrame | pl.DataFrame | pl.LazyFrame] | Path | str,
) -> dict[str, pl.LazyFrame]:
    if isinstance(tables, str | Path):
        from core.data.loaders import load_tables

        tables = load_tables(Path(tables))
    return {name: _lazy(frame) for name, frame in tables.items()}


def to_pandas(frame: pl.DataFrame) -> pd.DataFrame:
    """A feature frame for pandas users: text features as object columns with None for missing."""
    out = frame.to_pandas()
    for col in APP_CATEGORICAL:
        if col in out.columns:
            out[col] = out[col].astype(object).where(out[col].notna(), None)
    return out


def history_table(
    tables: Mapping[str, pd.DataFrame | pl.DataFrame | pl.LazyFrame] | Path | str,
    ids: pl.Series | None = None,
) -> pl.DataFrame:
    """History aggregates per client id (the materialised half of the features).

    ``ids`` lists the clients whose history is *known* (by default every application id): a
    known client without bureau or previous rows has zero of them, not an unknown number.
    """
    lazy = _tables(tables)
    if ids is None:
        apps = [lazy[n].select(ID) for n in ("application_train", "application_test") if n in lazy]
        ids = pl.concat(apps).collect()[ID] if apps else pl.Series(ID, [], dtype=pl.Int64)
    hist, _ = history_features(lazy)
    base = pl.DataFrame({ID: ids.cast(pl.Int64)}).lazy()
    if hist is None:
        return base.collect()
    out = base.join(hist.with_columns(pl.col(ID).cast(pl.Int64)), on=ID, how="left")
    zero = [c for c in ZERO_WHEN_EMPTY if c in out.collect_schema().names()]
    return out.with_columns(pl.col(zero).fill_null(0)).sort(ID).collect(engine=ENGINE)


def build_features(
    tables: Mapping[str, pd.DataFrame | pl.DataFrame | pl.LazyFrame] | Path | str,
) -> pd.DataFrame:
    """One row per client (``SK_ID_CURR``), TARGET kept when present; hundreds of features.

    ``tables`` maps Kaggle table names to frames, or is a folder of Kaggle CSV/parquet files
    (read with :func:`core.data.loaders.load_tables`). Application rows come from
    ``application_train`` and, when given, ``application_test`` (TARGET null there).
    """
    started = time.perf_counter()
    lazy = _tables(tables)
    apps = [lazy[n] for n in ("application_train", "application_test") if n in lazy]
    if not apps:
        raise ValueError("build_features needs application_train or application_test.")
    app = application_features(pl.concat(apps, how="diagonal_relaxed")).collect(engine=ENGINE)
    # the history half is exactly what a client store materialises: the same call, the same plan
    hist = history_table(lazy, app[ID])
    if hist.width > 1:
        app = app.join(hist, on=ID, how="left")
    frame = to_pandas(app.sort(ID))
    log.info(
        "built %d features for %d clients in %.1fs",
        frame.shape[1] - 1,
        len(frame),
        time.perf_counter() - started,
    )
    return frame
