"""Clients' CSV files read in chunks of text cells, with flat memory.

Files as officers have them: comma- or semicolon-separated (a French Excel export: ``;``, decimal
comma, thousands separated by spaces or non-breaking spaces, Windows-1252, a BOM, CRLF line ends),
compressed or not. :class:`ClientsCsv` detects the separator, the decimal mark and the encoding and
says what it detected (:meth:`CsvFormat.describe`); it refuses duplicate column names (naming them),
caps the decompressed size of a compressed file, and turns a *ragged* line (not the header's number
of fields) into a problem of that row, the other rows being read (:attr:`ClientsCsv.row_problems`,
also carried by each chunk's ``attrs``, which the validation reads).

pandas' reader (every cell text, only empty cells missing, spaces after a separator skipped) is the
reference of what a plain file holds. pyarrow's columnar reader is several times faster, and reads a
*regular* file exactly as pandas does: valid UTF-8 without NUL bytes, quotes only around whole
fields (``""`` inside), no field starting with a space, lines ended by ``\\n`` or ``\\r\\n``, and
every record with the header's number of fields (the header itself as pandas reads it). A first
pass over the bytes (numpy, one block at a time) checks that; any other file is read record by
record by Python's ``csv`` module, as pandas reads its well-formed records.
"""

from __future__ import annotations

import bz2
import codecs
import csv
import gzip
import io
import lzma
import re
import tempfile
import zipfile
from collections import Counter
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, cast

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from core.errors import FileValidationError
from core.serving.messages import Problem, clip

#: how pandas reads a clients file: text cells, only empty cells missing
PANDAS_OPTIONS: dict[str, Any] = {
    "dtype": str,
    "keep_default_na": False,
    "na_values": [""],
    "skipinitialspace": True,
}
#: key of a chunk's ``attrs`` holding its ragged rows: frame index label -> problem
ROW_PROBLEMS = "row_problems"
_SCAN_BLOCK = 16 << 20  # bytes per block of the first pass
_ARROW_BLOCK = 1 << 20  # small blocks parse faster (they stay in the CPU caches)
_SNIFF_BYTES = 1 << 20  # bytes read to detect the encoding and the separator
_COMPRESSED = {".gz", ".bz2", ".zip", ".xz", ".zst", ".tar", ".tgz"}
_OPENERS = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}
_QUOTE, _COMMA, _LF, _CR, _SPACE = (ord(c) for c in '",\n\r ')
#: a number written the French way: digits grouped by spaces (plain, no-break or narrow no-break)
#: and/or a decimal comma; its plain spelling is the digits without the spaces and a decimal point
_SPACES = " \u00a0\u202f"  # the characters themselves: pyarrow's regular expressions (RE2) have no \\u escape
_FRENCH_NUMBER = re.compile(
    rf"^[+-]?(?:[0-9]{{1,3}}(?:[{_SPACES}][0-9]{{3}})+(?:,[0-9]+)?|[0-9]*,[0-9]+|[0-9]+)(?:[eE][+-]?[0-9]+)?$"
)
_GROUP_SPACE = f"[{_SPACES}]"
_WHITESPACE = " \t\r\n\u00a0\u202f"
_DEFAULT_MAX_BYTES = 1024 << 20


@dataclass(frozen=True)
class _Layout:
    """A regular file: its column names, where its data starts, whether quoted fields hold newlines."""

    names: list[str]
    data_start: int
    newlines_in_values: bool


@dataclass(frozen=True)
class CsvFormat:
    """How a file is written: what was detected, to say it to the person who sent it."""

    encoding: str = "utf-8"  # "utf-8" or "cp1252" (Windows-1252, Excel's "CSV" on a French Windows)
    bom: bool = False
    separator: str = ","
    #: "," with a ";" separator (the French convention: spaces then group thousands)
    decimal: str = "."
    line_end: str = "LF"  # "LF", "CRLF" or "CR"
    compression: str | None = None

    @property
    def plain(self) -> bool:
        """A UTF-8, comma-separated file with decimal points (nothing worth saying)."""
        return self.encoding == "utf-8" and self.separator == "," and self.decimal == "."

    def describe(self, lang: str = "en") -> str:
        """One sentence of what was detected (e.g. for a French Excel export)."""
        fr = lang == "fr"
        names = {",": ("virgule", "comma"), ";": ("point-virgule", "semicolon"), "\t": ("tabulation", "tab")}
        sep = names.get(self.separator, (repr(self.separator), repr(self.separator)))[0 if fr else 1]
        parts = [f"séparateur {sep}" if fr else f"{sep}-separated"]
        if self.decimal == ",":
            parts.append(
                "virgule décimale, espaces entre les milliers" if fr
                else "decimal comma, thousands grouped by spaces"
            )  # fmt: skip
        enc = {"utf-8": "UTF-8", "cp1252": "Windows-1252"}[self.encoding]
        parts.append(f"encodage {enc}" if fr else f"{enc} encoding")
        if self.bom:
            parts.append("marque BOM" if fr else "byte-order mark")
        if self.line_end != "LF":
            parts.append(f"fins de ligne {self.line_end}" if fr else f"{self.line_end} line ends")
        if self.compression:
            parts.append(f"compressé ({self.compression})" if fr else f"compressed ({self.compression})")
        return ("Fichier lu ainsi : " if fr else "File read as: ") + ", ".join(parts) + "."


class _Capped(io.RawIOBase):
    """A decompressed stream that stops at ``limit`` bytes with a named error (a zip bomb)."""

    def __init__(self, inner: IO[bytes], limit: int, name: str) -> None:
        self.inner, self.limit, self.name, self.seen = inner, limit, name, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self.inner.readinto(buffer)  # type: ignore[attr-defined]
        self.seen += n or 0
        if self.seen > self.limit:
            raise FileValidationError(
                f"{self.name} expands to more than {self.limit >> 20} MB once decompressed "
                "(MAX_DECOMPRESSED_MB): split it, or send it uncompressed"
            )
        return n or 0

    def close(self) -> None:
        self.inner.close()
        super().close()


class ClientsCsv:
    """A clients file (a path, or the bytes of an upload), its detected :class:`CsvFormat`.

    ``numeric`` names the columns holding numbers: in a decimal-comma file their cells are given
    their plain spelling (``1 234,5`` -> ``1234.5``) before validation; other cells are kept as read.
    """

    def __init__(
        self,
        source: Path | bytes,
        *,
        name: str | None = None,
        numeric: Collection[str] = (),
        max_bytes: int | None = None,
    ) -> None:
        self.source = source
        self.name = name or (source.name if isinstance(source, Path) else "the file")
        self.numeric = frozenset(numeric)
        self.max_bytes = max_bytes or _DEFAULT_MAX_BYTES
        #: ragged rows found so far: 0-based data row -> problem (their cells are read as missing)
        self.row_problems: dict[int, Problem] = {}
        self.format = self._sniff()

    # ------------------------------------------------------------------ opening and detection
    def _compression(self) -> str | None:
        if not isinstance(self.source, Path):
            return None
        suffix = self.source.suffix.lower()
        if suffix not in _COMPRESSED:
            return None
        if suffix not in _OPENERS and suffix != ".zip":
            raise FileValidationError(
                f"{self.name}: {suffix} files are not read; send a .csv, .csv.gz, .csv.bz2, .csv.xz or .zip"
            )
        return suffix[1:]

    def _open(self) -> IO[bytes]:
        if not isinstance(self.source, Path):
            return io.BytesIO(self.source)
        suffix = self.source.suffix.lower()
        if suffix in _OPENERS:
            inner: IO[bytes] = _OPENERS[suffix](self.source, "rb")  # type: ignore[operator]
        elif suffix == ".zip":
            archive = zipfile.ZipFile(self.source)
            members = [m for m in archive.namelist() if not m.endswith("/")]
            if len(members) != 1:
                raise FileValidationError(f"{self.name}: a .zip must hold exactly one CSV file")
            inner = archive.open(members[0])
        else:
            return self.source.open("rb")
        return io.BufferedReader(_Capped(inner, self.max_bytes, self.name))

    def _sniff(self) -> CsvFormat:
        compression = self._compression()
        try:
            with self._open() as fh:
                sample = fh.read(_SNIFF_BYTES)
                complete = len(sample) < _SNIFF_BYTES
        except (OSError, EOFError, zipfile.BadZipFile, lzma.LZMAError) as exc:
            raise FileValidationError(f"{self.name} cannot be read: {clip(exc, 200)}") from None
        bom = sample.startswith(codecs.BOM_UTF8)
        body = sample[3:] if bom else sample
        try:
            codecs.getincrementaldecoder("utf-8")("strict").decode(body, final=complete)
            encoding, text = "utf-8", body.decode("utf-8", errors="ignore")
        except UnicodeDecodeError:
            try:
                text = body.decode("cp1252")
            except UnicodeDecodeError:
                raise FileValidationError(
                    f"{self.name} is not a readable CSV: its text is neither UTF-8 nor Windows-1252"
                ) from None
            encoding = "cp1252"
        first = re.split(r"\r\n|\n|\r", text, maxsplit=1)[0]
        counts = {sep: _outside_quotes(first).count(sep) for sep in (",", ";", "\t")}
        separator = max((",", ";", "\t"), key=lambda c: (counts[c], c == ","))
        end = text[len(first) : len(first) + 2]
        line_end = "CRLF" if end == "\r\n" else "CR" if end.startswith("\r") else "LF"
        fmt = CsvFormat(
            encoding=encoding, bom=bom, separator=separator, decimal="," if separator == ";" else ".",
            line_end=line_end, compression=compression,
        )  # fmt: skip
        self._check_header(text, fmt)
        return fmt

    def _check_header(self, text: str, fmt: CsvFormat) -> None:
        """Refuse a header naming a column twice: which copy holds the value is unknown.

        The header is the first record that is not blank, as the reader finds it (blank lines before
        it skipped, a quoted name may hold a line end)."""
        names: list[str] = []
        try:
            records = csv.reader(
                io.StringIO(text, newline=""), delimiter=fmt.separator, skipinitialspace=True
            )
            names = next((r for r in records if r not in ([], [""])), [])
        except csv.Error:  # a field beyond the csv module's limit: the reader reports the file
            names = []
        twice = {n: k for n, k in Counter(names).items() if k > 1 and n.strip()}
        if twice:
            shown = ", ".join(f"{clip(n)} ({k} times)" for n, k in list(twice.items())[:10])
            raise FileValidationError(
                f"{self.name} names {len(twice)} column(s) more than once: {shown}; "
                "keep one column of each name"
            )

    # ------------------------------------------------------------------ reading
    def chunks(self, chunk_rows: int) -> Iterator[pd.DataFrame]:
        """The file as chunks of ``chunk_rows`` rows of text cells (empty = missing), index = 0-based
        data row; a bad file is one named error (:class:`FileValidationError`)."""
        try:
            with tempfile.TemporaryDirectory() as folder:
                path, layout = self._columnar(Path(folder))
                chunks = (
                    _arrow_chunks(path, layout, chunk_rows)
                    if path is not None and layout is not None
                    else self._record_chunks(chunk_rows)
                )
                for chunk in chunks:
                    yield self._plain_numbers(chunk)
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, pa.ArrowInvalid,
                csv.Error, EOFError, OSError, zipfile.BadZipFile, lzma.LZMAError) as exc:  # fmt: skip
            raise FileValidationError(
                f"{self.name} is not a readable CSV: {clip(str(exc).splitlines()[0] if str(exc) else exc, 200)}"
            ) from None

    def _columnar(self, folder: Path) -> tuple[Path | None, _Layout | None]:
        """The file and its layout when the columnar reader can read it (a plain, regular file;
        the bytes of an upload are written to ``folder`` first)."""
        if not self.format.plain or self.format.compression is not None:
            return None, None
        path = self.source
        if not isinstance(path, Path):
            path = folder / "upload.csv"
            path.write_bytes(self.source)  # type: ignore[arg-type]
        return path, _regular_layout(path)

    def read(self) -> pd.DataFrame:
        """The whole file as one frame (an upload: its size is capped before)."""
        frames = list(self.chunks(1 << 30))
        if not frames:
            raise FileValidationError(f"{self.name} is not a readable CSV: No columns to parse from file")
        frame = frames[0]
        if self.row_problems:
            frame.attrs[ROW_PROBLEMS] = dict(self.row_problems)
        return frame

    def _record_chunks(self, chunk_rows: int) -> Iterator[pd.DataFrame]:
        fmt = self.format
        with self._open() as raw:
            if fmt.bom:
                raw.read(3)
            text = io.TextIOWrapper(raw, encoding=fmt.encoding, newline="")
            reader = csv.reader(text, delimiter=fmt.separator, skipinitialspace=True)
            header = next((r for r in reader if r not in ([], [""])), None)
            if header is None:
                raise pd.errors.EmptyDataError("No columns to parse from file")
            names = [n if n else f"Unnamed: {i}" for i, n in enumerate(header)]
            width = len(names)
            rows: list[list[str | None]] = []  # cells as read ("" = missing)
            first = 0
            blank: list[str | None] = [None] * width
            for record in reader:
                if record == [] or (record == [""] and width > 1):
                    continue  # a blank line
                if len(record) != width:
                    self.row_problems[first + len(rows)] = Problem(
                        "ragged", line=reader.line_num, fields=len(record), expected=width
                    )
                    rows.append(blank)
                else:
                    rows.append(cast("list[str | None]", record))
                if len(rows) == chunk_rows:
                    yield self._frame_of(rows, names, first)
                    first += len(rows)
                    rows = []
            if rows:
                yield self._frame_of(rows, names, first)
            elif first == 0:
                yield self._frame_of([], names, 0)

    def _frame_of(self, rows: list[list[str | None]], names: list[str], first: int) -> pd.DataFrame:
        text = pa.large_string()
        columns = list(zip(*rows, strict=True)) if rows else [() for _ in names]
        arrays = []
        for col in columns:
            cells = pa.array(col, type=text)
            arrays.append(pc.if_else(pc.equal(cells, ""), pa.scalar(None, text), cells))  # empty = missing
        frame = _frame(pa.table(arrays, names=[str(i) for i in range(len(names))]), first)
        frame.columns = pd.Index(names)
        problems = {i: p for i, p in self.row_problems.items() if first <= i < first + len(rows)}
        if problems:
            frame.attrs[ROW_PROBLEMS] = problems
        return frame

    def _plain_numbers(self, chunk: pd.DataFrame) -> pd.DataFrame:
        """In a decimal-comma file, numeric cells in their plain spelling (``1 234,5`` -> ``1234.5``):
        :func:`plain_number` of each cell, a column at a time."""
        if self.format.decimal != "," or not self.numeric:
            return chunk
        for name in [c for c in chunk.columns if c in self.numeric]:
            col = chunk[name]
            text = pa.array(col.to_numpy(dtype=object), type=pa.large_string(), mask=col.isna().to_numpy())
            trimmed = pc.utf8_trim(text, characters=_WHITESPACE)
            french = pc.fill_null(pc.match_substring_regex(trimmed, _FRENCH_NUMBER.pattern), False)
            if not pc.any(french).as_py():
                continue
            plain = pc.replace_substring(pc.replace_substring_regex(trimmed, _GROUP_SPACE, ""), ",", ".")
            chunk[name] = pc.if_else(french, plain, text).to_pandas().set_axis(chunk.index)
        return chunk


def plain_number(cell: str) -> str:
    """A number written the French way (``-1 234 567,89``, no-break spaces too) in its plain spelling
    (``-1234567.89``; ``,5`` -> ``.5``, which Python reads as 0.5); any other text as it is (the
    validation names it)."""
    stripped = cell.strip(_WHITESPACE)
    if not _FRENCH_NUMBER.match(stripped):
        return cell
    return re.sub(_GROUP_SPACE, "", stripped).replace(",", ".")


def _outside_quotes(line: str) -> str:
    """``line`` without its quoted parts (a separator inside quotes is text)."""
    return re.sub(r'"[^"]*"', "", line)


def read_csv_chunks(path: Path, chunk_rows: int, *, numeric: Collection[str] = ()) -> Iterator[pd.DataFrame]:
    """A CSV of applications as chunks of ``chunk_rows`` rows of text cells (empty = missing); a
    plain file exactly as ``pd.read_csv(path, chunksize=chunk_rows, **PANDAS_OPTIONS)`` gives them,
    with ragged rows read as missing cells and named in each chunk's ``attrs``; a bad file is one
    named error (:class:`FileValidationError`)."""
    yield from ClientsCsv(path, numeric=numeric).chunks(chunk_rows)


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
