"""Clients' CSV files read in chunks of text cells, with flat memory.

pandas' reader (every cell text, only empty cells missing, spaces after a comma skipped) is the
reference of what a file holds. pyarrow's columnar reader is several times faster, and reads a
*regular* file exactly as pandas does: valid UTF-8 without NUL bytes, quotes only around whole
fields (``""`` inside), no field starting with a space, lines ended by ``\\n`` or ``\\r\\n``, and
every record with the header's number of fields (the header itself as pandas reads it). A first
pass over the bytes (numpy, one block at a time) checks that; any other file — ragged lines,
another encoding, stray quotes — is read by pandas, which accepts, pads or refuses it as before.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from core.errors import FileValidationError

#: how pandas reads a clients file: text cells, only empty cells missing
PANDAS_OPTIONS: dict[str, Any] = {
    "dtype": str,
    "keep_default_na": False,
    "na_values": [""],
    "skipinitialspace": True,
}
_SCAN_BLOCK = 16 << 20  # bytes per block of the first pass
_ARROW_BLOCK = 1 << 20  # small blocks parse faster (they stay in the CPU caches)
_COMPRESSED = {".gz", ".bz2", ".zip", ".xz", ".zst", ".tar", ".tgz"}  # pandas decompresses these
_QUOTE, _COMMA, _LF, _CR, _SPACE = (ord(c) for c in '",\n\r ')


@dataclass(frozen=True)
class _Layout:
    """A regular file: its column names, where its data starts, whether quoted fields hold newlines."""

    names: list[str]
    data_start: int
    newlines_in_values: bool


def read_csv_chunks(path: Path, chunk_rows: int) -> Iterator[pd.DataFrame]:
    """A CSV of applications as chunks of ``chunk_rows`` rows of text cells (empty = missing),
    exactly as ``pd.read_csv(path, chunksize=chunk_rows, **PANDAS_OPTIONS)`` gives them; a bad file
    is one named error (:class:`FileValidationError`)."""
    try:
        layout = _regular_layout(path)
        if layout is None:
            yield from pd.read_csv(path, chunksize=chunk_rows, **PANDAS_OPTIONS)
        else:
            yield from _arrow_chunks(path, layout, chunk_rows)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, pa.ArrowInvalid) as exc:
        raise FileValidationError(f"{path.name} is not a readable CSV: {str(exc).splitlines()[0]}") from None


def _arrow_chunks(path: Path, layout: _Layout, chunk_rows: int) -> Iterator[pd.DataFrame]:
    text = pa.large_string()
    with path.open("rb") as fh:
        fh.seek(layout.data_start)
        reader = pa_csv.open_csv(
            fh,
            # one thread: on this project's 2-core machine, under load, 1.5x faster than pyarrow's pool
            read_options=pa_csv.ReadOptions(
                column_names=layout.names, block_size=_ARROW_BLOCK, use_threads=False
            ),
            parse_options=pa_csv.ParseOptions(newlines_in_values=layout.newlines_in_values),
            convert_options=pa_csv.ConvertOptions(
                column_types={name: text for name in layout.names},
                strings_can_be_null=True,
                null_values=[""],
                quoted_strings_can_be_null=True,
            ),
        )
        pending: list[pa.RecordBatch] = []
        held = first = 0
        for batch in reader:
            pending.append(batch)
            held += batch.num_rows
            while held >= chunk_rows:
                table = pa.Table.from_batches(pending)
                yield _frame(table.slice(0, chunk_rows), first)
                first += chunk_rows
                rest = table.slice(chunk_rows)
                pending, held = rest.to_batches(), rest.num_rows
        if held:
            yield _frame(pa.Table.from_batches(pending), first)


def _frame(table: pa.Table, first: int) -> pd.DataFrame:
    frame = table.to_pandas()
    frame.index = pd.RangeIndex(first, first + len(frame))  # as pandas numbers a file's chunks
    return frame


def _regular_layout(path: Path) -> _Layout | None:
    """The layout of a regular file (see the module docstring), or None: read it with pandas."""
    if path.suffix.lower() in _COMPRESSED:
        return None
    try:
        names = [str(c) for c in pd.read_csv(path, nrows=0, **PANDAS_OPTIONS).columns]
    except (ValueError, UnicodeDecodeError, OSError):  # pandas' errors, given by the pandas path
        return None
    scan = _Scan()
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    carry = b""
    with path.open("rb") as fh:
        if fh.read(3) == codecs.BOM_UTF8:  # both readers drop a UTF-8 BOM opening the file
            scan.offset = 3
        else:
            fh.seek(0)
        while True:
            block = fh.read(_SCAN_BLOCK)
            final = not block
            try:
                if not block.isascii() or decoder.getstate()[0]:  # ASCII is UTF-8: no need to decode
                    decoder.decode(block, final=final)
            except UnicodeDecodeError:
                return None
            buffer = carry + block
            used = scan.records(buffer, final=final)
            if used is None:
                return None
            carry = buffer[used:]
            if final:
                break
    if scan.header is None or scan.header != names or scan.data_records == 0:
        return None
    return _Layout(names, scan.data_start, scan.newlines_in_values)


class _Scan:
    """The first pass: checks records block by block (each block starts outside quotes)."""

    def __init__(self) -> None:
        self.offset = 0  # file offset of the current buffer
        self.fields: int | None = None
        self.header: list[str] | None = None
        self.data_start = 0
        self.data_records = 0
        self.newlines_in_values = False

    def records(self, buffer: bytes, *, final: bool) -> int | None:
        """Check the complete records of ``buffer``: the number of bytes they use (the rest is
        carried to the next block), or None when the file is not regular."""
        if b"\0" in buffer:
            return None
        a = np.frombuffer(buffer, dtype=np.uint8)
        quotes = np.flatnonzero(a == _QUOTE) if b'"' in buffer else np.empty(0, dtype=np.int64)
        if not _well_quoted(a, quotes, final=final):
            return None
        line_feeds = np.flatnonzero(a == _LF)
        ends = _outside(line_feeds, quotes)  # record ends (exclusive)
        if final and len(a) and a[-1] != _LF:
            ends = np.append(ends, len(a))  # a last line without its line end
        if not len(ends):
            return 0
        used = min(int(ends[-1]) + 1, len(a))
        returns = np.flatnonzero(a[:used] == _CR) if b"\r" in buffer else np.empty(0, dtype=np.int64)
        bare = _outside(returns, quotes)  # a \r outside quotes must end a line with \n
        if len(bare) and ((bare + 1 >= used).any() or (a[np.minimum(bare + 1, used - 1)] != _LF).any()):
            return None
        quoted_feeds = np.count_nonzero(line_feeds < used) - np.count_nonzero(ends < used)
        self.newlines_in_values |= bool(quoted_feeds or len(returns) > len(bare))
        if not self._fields(a, quotes, ends, buffer[:used]):
            return None
        self.offset += used
        return used

    def _fields(self, a: np.ndarray, quotes: np.ndarray, ends: np.ndarray, used: bytes) -> bool:
        """Whether every record of the block has the header's number of fields, none starting with
        a space (reading the header from the first record)."""
        starts = np.concatenate([[0], ends[:-1] + 1])
        stops = ends - ((ends > starts) & (a[np.maximum(ends - 1, 0)] == _CR))  # without the \r of \r\n
        filled = stops > starts  # blank lines are skipped by both readers
        commas = np.flatnonzero(a[: int(ends[-1])] == _COMMA)
        spaced = commas[a[np.minimum(commas + 1, len(a) - 1)] == _SPACE] if b", " in used else commas[:0]
        if (a[starts[filled]] == _SPACE).any() or len(_outside(spaced, quotes)):
            return False  # pandas skips spaces starting a field, pyarrow keeps them
        counts = _commas(commas, quotes, starts, ends) + 1
        if self.header is None and filled.any():
            first = int(np.flatnonzero(filled)[0])
            record = used[int(starts[first]) : int(stops[first])].decode("utf-8")
            self.header = next(csv.reader(io.StringIO(record)), [])
            self.fields = int(counts[first])
            self.data_start = self.offset + min(int(ends[first]) + 1, len(a))
            filled[first] = False
        self.data_records += int(np.count_nonzero(filled))
        return self.fields is None or (self.fields >= 2 and bool((counts[filled] == self.fields).all()))


def _commas(positions: np.ndarray, quotes: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """The number of commas (at ``positions``) outside quotes in each record [start, end)."""

    def upto(x: np.ndarray) -> np.ndarray:  # the number of commas in a[:x]
        return np.searchsorted(positions, x)

    counts = upto(ends) - upto(starts)
    opening, closing = quotes[0::2], quotes[1::2]
    opening = opening[: len(closing)]
    opening, closing = opening[closing < ends[-1]], closing[closing < ends[-1]]
    if len(opening):  # commas inside quoted fields are text
        quoted = upto(closing) - upto(opening + 1)
        record = np.searchsorted(ends, opening)
        counts -= np.bincount(record, weights=quoted, minlength=len(ends)).astype(np.int64)
    return counts


def _outside(positions: np.ndarray, quotes: np.ndarray) -> np.ndarray:
    """The positions that are outside quoted fields (an even number of quotes before them)."""
    if not len(quotes):
        return positions
    return positions[np.searchsorted(quotes, positions) % 2 == 0]


def _well_quoted(a: np.ndarray, quotes: np.ndarray, *, final: bool) -> bool:
    """Whether every quote opens a field (after a comma, a line end or another quote), or closes
    one (before a comma, a line end, the end of the file or another quote)."""
    if not len(quotes):
        return True
    opening = quotes[0::2]
    closing = quotes[1::2]
    before = np.where(opening > 0, a[np.maximum(opening - 1, 0)], _LF)
    if not np.isin(before, [_COMMA, _LF, _QUOTE]).all():
        return False
    if final and len(closing) < len(opening):  # a quoted field never closed
        return False
    after = closing + 1
    at_end = after >= len(a)
    following = a[np.minimum(after, len(a) - 1)]
    return bool((at_end | np.isin(following, [_COMMA, _LF, _CR, _QUOTE])).all())
