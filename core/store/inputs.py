"""The inputs of a batch of decisions as one compressed payload (the compact log, migration 0003).

A chunk of a scored file (or a batch of the API) logs one ``decision_inputs`` row holding every
application of the chunk as given and every feature vector the model scored, column by column:
Arrow IPC streams compressed with lz4, encoded in one vectorised pass instead of ~9 kB of canonical
JSON per decision. Each decision row of the chunk points at the payload (``inputs_id``) and at its
own row in it (``inputs_row``); its ``input_hash`` is the SHA-256 of the payload, so the row's hash,
and through it the chain, covers the inputs (``DecisionLog.verify`` rehashes every payload).

Read back, a row gives exactly what the per-row JSON gave (``json.loads(canonical(...))``): a dict
with sorted keys, missing cells and NaN (or infinite) numbers as ``None``; applications given as
JSON records are stored as the canonical JSON of the list.

Layout: ``MAGIC``, then three sections, each a little-endian u64 length and its bytes: the
application (an Arrow stream of text columns, or lz4-compressed JSON of a list of records), its
kind (``b"frame"`` or ``b"json"``), the features (an Arrow stream: one column per feature and
``ROW``, the position of the vector's application in the chunk).
"""

from __future__ import annotations

import hashlib
import json
import struct
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.ipc as ipc

from core.store.chain import canonical

MAGIC = b"PADIN1\n"
ROW = "\x00row"  # a name no feature can have
#: lz4 (frame): 4-5x faster than zstd level 1 on a chunk of applications (~1 kB per decision instead
#: of ~0.5 kB; the JSON row was ~9 kB); the reader takes any codec Arrow knows (the stream says which)
_CODEC = pa.Codec("lz4")
_WRITE = ipc.IpcWriteOptions(compression=_CODEC, use_threads=False)
_READ = ipc.IpcReadOptions(use_threads=False)


@dataclass(frozen=True)
class EncodedInputs:
    """A payload and its SHA-256 (hex)."""

    payload: bytes
    sha256: str


def encode(
    application: pd.DataFrame | Sequence[Any], features: pd.DataFrame, positions: Sequence[int]
) -> EncodedInputs:
    """The payload of a chunk: ``application`` (a frame of cells, or JSON-like records, every row of
    the chunk in order) and ``features`` (one vector per decision; ``positions[i]`` is the row of
    ``application`` the vector ``i`` was computed from)."""
    if isinstance(application, pd.DataFrame):
        kind, app = b"frame", _stream(_frame_table(application))
    else:
        kind = b"json"
        text = records_json(application).encode()
        app = struct.pack("<Q", len(text)) + _CODEC.compress(text, asbytes=True)
    table = _frame_table(features)
    table = table.append_column(ROW, pa.array(np.asarray(positions, dtype=np.int64)))
    payload = MAGIC + b"".join(struct.pack("<Q", len(s)) + s for s in (app, kind, _stream(table)))
    return EncodedInputs(payload, hashlib.sha256(payload).hexdigest())


#: records encoded per call of json's C encoder, which holds the GIL for the whole call: a
#: 1,000-record batch in one call (≈ 45 ms) stalled every other thread of the API (``/health``)
RECORDS_PER_CALL = 50


def records_json(records: Sequence[Any]) -> str:
    """``canonical(list(records))``, byte for byte, encoded a few records at a time so that other
    threads run in between."""
    parts = [
        canonical(list(records[i : i + RECORDS_PER_CALL]))[1:-1]
        for i in range(0, len(records), RECORDS_PER_CALL)
    ]
    return "[" + ",".join(parts) + "]"


def _frame_table(frame: pd.DataFrame) -> pa.Table:
    names = sorted(str(c) for c in frame.columns)
    by_name = {str(c): c for c in frame.columns}
    arrays, fields = [], []
    for name in names:
        column = frame[by_name[name]]
        if column.dtype.kind == "f":  # canonical JSON writes NaN and infinities as null
            values = column.to_numpy(dtype=np.float64)
            array = pa.array(values, mask=~np.isfinite(values))
        else:
            array = pa.Array.from_pandas(column)
        arrays.append(array)
        fields.append(name)
    return pa.Table.from_arrays(arrays, names=fields)


def _stream(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with ipc.new_stream(sink, table.schema, options=_WRITE) as writer:
        writer.write_table(table)
    return bytes(sink.getvalue())


class DecodedInputs:
    """A payload read back: the application and the feature vector of a row, as the JSON log gave."""

    def __init__(self, payload: bytes) -> None:
        if not payload.startswith(MAGIC):
            raise ValueError("not a decision-inputs payload")
        sections, at = [], len(MAGIC)
        for _ in range(3):
            (size,) = struct.unpack_from("<Q", payload, at)
            sections.append(payload[at + 8 : at + 8 + size])
            at += 8 + size
        app, kind, feats = sections
        self._records: list[Any] | None = None
        self._app: pa.Table | None = None
        if kind == b"json":
            (size,) = struct.unpack_from("<Q", app, 0)
            self._records = json.loads(_CODEC.decompress(app[8:], decompressed_size=size, asbytes=True))
        else:
            self._app = _read(app)
        table = _read(feats)
        self._positions = table.column(ROW).to_numpy()
        self.features_table = table.drop_columns([ROW])
        self._where = {int(p): i for i, p in enumerate(self._positions)}

    def application(self, row: int) -> Any:
        """The application of row ``row`` of the chunk, as given."""
        if self._records is not None:
            return self._records[row]
        assert self._app is not None
        return self._app.slice(row, 1).to_pylist()[0]

    def features(self, row: int) -> dict[str, Any] | None:
        """The feature vector computed from row ``row`` (None: the row was refused)."""
        i = self._where.get(row)
        return None if i is None else self.features_table.slice(i, 1).to_pylist()[0]

    def feature_frame(self, rows: Sequence[int]) -> pd.DataFrame:
        """The feature vectors of ``rows`` (each one scored) as a frame, in that order."""
        taken = self.features_table.take(pa.array([self._where[int(r)] for r in rows], type=pa.int64()))
        return taken.to_pandas()


def _read(stream: bytes) -> pa.Table:
    return ipc.open_stream(pa.py_buffer(stream), options=_READ).read_all()


class InputsCache:
    """The last few payloads decoded (a listing reads a few rows of the same chunks); thread-safe."""

    def __init__(self, size: int = 8) -> None:
        self._size = size
        self._items: OrderedDict[str, DecodedInputs] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, inputs_id: str) -> DecodedInputs | None:
        with self._lock:
            found = self._items.get(inputs_id)
            if found is not None:
                self._items.move_to_end(inputs_id)
            return found

    def put(self, inputs_id: str, decoded: DecodedInputs) -> None:
        with self._lock:
            self._items[inputs_id] = decoded
            while len(self._items) > self._size:
                self._items.popitem(last=False)
