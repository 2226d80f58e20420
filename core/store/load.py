"""``pad db load``: Kaggle tables (files or frames) into the store, and their history aggregates.

Raw rows are streamed in chunks (one transaction per chunk, a progress bar per table) exactly as
they are in the files; the aggregates are computed by the training pipeline's own function,
:func:`core.features.build.history_table`, and stored one vector per client. A load replaces the
client tables (reloading the same files gives the same store); the decision log is never touched.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
from sqlalchemy import Connection, Engine, insert, select, update
from tqdm import tqdm

from core.data.loaders import DataFileError, table_path
from core.data.tables import TABLES, columns
from core.features.build import history_table
from core.store import tables as t
from core.store.vectors import encode, names_sha

log = logging.getLogger(__name__)
CHUNK_ROWS = 100_000
Source = Path | Mapping[str, pd.DataFrame]


@dataclass(frozen=True)
class LoadReport:
    """What a load wrote: rows per table, clients with aggregates, seconds."""

    load_id: int
    counts: dict[str, int]
    seconds: float


def load_store(
    engine: Engine, source: Source, *, progress: bool = True, chunk_rows: int = CHUNK_ROWS
) -> LoadReport:
    """Replace the client tables with ``source`` (a folder of Kaggle files, or table name -> frame)."""
    started = time.perf_counter()
    if isinstance(source, str | Path):
        source = Path(source)
        if not source.is_dir():
            raise DataFileError(f"data folder {source} does not exist.")
        if table_path(source, "application_train") is None and table_path(source, "application_test") is None:
            raise DataFileError(f"{source} holds no application_train or application_test file.")
    label = str(source) if isinstance(source, Path) else "frames"
    with engine.begin() as conn:
        load_id = int(
            conn.execute(
                insert(t.loads)
                .values(started_at=_now(), source=label, status="running")
                .returning(t.loads.c.id)
            ).scalar_one()
        )
    counts: dict[str, int] = {}
    try:
        for table in (t.APPLICATION, *t.HISTORY_TABLES):
            counts[table] = _load_table(engine, source, table, progress, chunk_rows)
        counts["client_features"] = _load_aggregates(engine, source, progress, chunk_rows)
    except BaseException:
        with engine.begin() as conn:
            conn.execute(
                update(t.loads).where(t.loads.c.id == load_id).values(status="failed", finished_at=_now())
            )
        raise
    with engine.begin() as conn:
        conn.execute(
            update(t.loads)
            .where(t.loads.c.id == load_id)
            .values(status="complete", finished_at=_now(), counts=json.dumps(counts))
        )
    seconds = time.perf_counter() - started
    log.info("loaded %s in %.1fs", ", ".join(f"{k}={v:,}" for k, v in counts.items()), seconds)
    return LoadReport(load_id, counts, seconds)


def last_load(engine: Engine) -> dict[str, Any] | None:
    """The latest load (id, source, status, counts, times), None before the first."""
    with engine.connect() as conn:
        row = conn.execute(select(t.loads).order_by(t.loads.c.id.desc()).limit(1)).mappings().first()
    if row is None:
        return None
    out = dict(row)
    out["counts"] = json.loads(out["counts"]) if out["counts"] else {}
    return out


# ---------------------------------------------------------------------- raw tables
def _sources(table: str) -> list[str]:
    return ["application_train", "application_test"] if table == t.APPLICATION else [table]


def _chunks(source: Source, name: str, chunk_rows: int) -> Iterator[pd.DataFrame]:
    if isinstance(source, Mapping):
        frame = source.get(name)
        if frame is not None:
            for start in range(0, len(frame), chunk_rows):
                yield frame.iloc[start : start + chunk_rows]
        return
    path = table_path(source, name)
    if path is None:
        return
    wanted = columns(name)
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        for batch in pq.ParquetFile(path).iter_batches(batch_size=chunk_rows, columns=wanted):
            yield batch.to_pandas()
        return
    kinds = dict(TABLES[name])
    dtypes = {
        c: ("Int64" if k in ("id", "int", "target") else "float64" if k == "float" else "string")
        for c, k in kinds.items()
    }
    header = pd.read_csv(path, nrows=0).columns.tolist()
    missing = [c for c in wanted if c not in header]
    if missing:
        raise DataFileError(f"{path.name} does not have the Kaggle {name} columns: missing {missing[:15]}.")
    try:
        yield from pd.read_csv(
            path,
            usecols=wanted,
            dtype=dtypes,
            chunksize=chunk_rows,
            float_precision="round_trip",  # type: ignore[arg-type]
        )
    except (ValueError, TypeError) as exc:
        raise DataFileError(f"{path.name} has values that do not fit the Kaggle types: {exc}") from None


def _rows(frame: pd.DataFrame, names: list[str]) -> list[tuple[Any, ...]]:
    cols = []
    for name in names:
        if name not in frame.columns:
            cols.append([None] * len(frame))
            continue
        col = frame[name]
        values = col.astype(object).to_numpy(copy=True)
        values[col.isna().to_numpy()] = None
        cols.append(values.tolist())
    return list(zip(*cols, strict=True))


def _load_table(engine: Engine, source: Source, table: str, progress: bool, chunk_rows: int) -> int:
    target = t.client_tables[table]
    names = [c.name for c in target.columns]
    _empty(engine, table)
    total = 0
    with tqdm(desc=f"{table:<22}", unit=" rows", disable=not progress, unit_scale=True, leave=True) as bar:
        for name in _sources(table):
            for chunk in _chunks(source, name, chunk_rows):
                rows = _rows(chunk, names)
                with engine.begin() as conn:
                    _insert(conn, table, names, rows)
                total += len(rows)
                bar.update(len(rows))
    return total


def _empty(engine: Engine, table: str) -> None:
    quoted = engine.dialect.identifier_preparer.quote(table)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            f"TRUNCATE {quoted}" if engine.dialect.name == "postgresql" else f"DELETE FROM {quoted}"
        )


def _insert(conn: Connection, table: str, names: list[str], rows: list[tuple[Any, ...]]) -> None:
    if not rows:
        return
    quote = conn.dialect.identifier_preparer.quote
    cols = ", ".join(quote(n) for n in names)
    if conn.dialect.name == "postgresql":
        dbapi = conn.connection.dbapi_connection
        assert dbapi is not None
        with dbapi.cursor() as cur, cur.copy(f"COPY {quote(table)} ({cols}) FROM STDIN") as copy:  # type: ignore[attr-defined]
            for row in rows:
                copy.write_row(row)
        return
    if conn.dialect.paramstyle == "qmark":  # SQLite: the driver's executemany, no per-row dict
        marks = ", ".join("?" * len(names))
        conn.exec_driver_sql(f"INSERT INTO {quote(table)} ({cols}) VALUES ({marks})", rows)
        return
    conn.execute(insert(t.metadata.tables[table]), [dict(zip(names, r, strict=True)) for r in rows])


# ---------------------------------------------------------------------- aggregates
def _load_aggregates(engine: Engine, source: Source, progress: bool, chunk_rows: int) -> int:
    with engine.connect() as conn:
        ids = [
            int(r[0])
            for r in conn.execute(select(t.application.c.SK_ID_CURR).order_by(t.application.c.SK_ID_CURR))
        ]
    started = time.perf_counter()
    hist = history_table(source, pl.Series("SK_ID_CURR", ids, dtype=pl.Int64))
    log.info("history aggregates of %d clients in %.1fs", hist.height, time.perf_counter() - started)
    names = [c for c in hist.columns if c != "SK_ID_CURR"]
    set_id = _feature_set(engine, names)
    _empty(engine, "client_features")
    matrix = (
        hist.select([pl.col(n).cast(pl.Float64) for n in names]).to_numpy()
        if names
        else np.empty((hist.height, 0))
    )
    client_ids = hist["SK_ID_CURR"].to_list()
    del hist
    with tqdm(
        desc=f"{'client_features':<22}",
        unit=" clients",
        total=len(client_ids),
        disable=not progress,
        unit_scale=True,
    ) as bar:
        for start in range(0, len(client_ids), chunk_rows):
            stop = start + chunk_rows
            rows = [
                (cid, set_id, encode(matrix[i])) for i, cid in enumerate(client_ids[start:stop], start=start)
            ]
            with engine.begin() as conn:
                _insert(conn, "client_features", ["SK_ID_CURR", "feature_set_id", "vector"], rows)
            bar.update(len(rows))
    return len(client_ids)


def _feature_set(engine: Engine, names: list[str]) -> int:
    sha = names_sha(names)
    fs = t.feature_sets
    with engine.begin() as conn:
        found = conn.execute(select(fs.c.id).where(fs.c.sha256 == sha)).scalar()
        if found is not None:
            return int(found)
        return int(
            conn.execute(
                insert(fs).values(sha256=sha, names=json.dumps(names), created_at=_now()).returning(fs.c.id)
            ).scalar_one()
        )


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
