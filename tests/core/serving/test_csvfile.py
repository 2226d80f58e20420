"""The CSV reader: a regular file exactly as pandas' reader (the reference) reads it; any other file
record by record as Python's ``csv`` module reads it, a ragged record being a row of missing cells
named in ``attrs``; never an error other than :class:`FileValidationError`."""

from __future__ import annotations

import csv
import io
import tempfile
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.data.synthetic.application import generate_application
from core.data.tables import columns
from core.errors import FileValidationError
from core.serving import csvfile
from core.serving.csvfile import PANDAS_OPTIONS, read_csv_chunks
from tests.conftest import HOMECREDIT


def reference_chunks(path: Path, chunk_rows: int) -> tuple[list[pd.DataFrame], str | None]:
    """pandas' chunks of the file, and its error (as the reader names it) if it stops on one."""
    frames: list[pd.DataFrame] = []
    try:
        for frame in pd.read_csv(path, chunksize=chunk_rows, **PANDAS_OPTIONS):
            frames.append(frame)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        return frames, f"{path.name} is not a readable CSV: {str(exc).splitlines()[0]}"
    return frames, None


def record_chunks(path: Path, chunk_rows: int) -> tuple[list[pd.DataFrame], str | None, dict[int, int]]:
    """The reference of an irregular file: the ``csv`` module's records (blank lines skipped), a
    record of another width than the header's read as missing cells; the ragged rows' widths."""
    data = path.read_bytes()
    data = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            return [], "not UTF-8 nor Windows-1252", {}
    records = [r for r in csv.reader(io.StringIO(text, newline=""), skipinitialspace=True)]
    records = [r for r in records if r != []]
    while records and records[0] == [""]:
        records.pop(0)
    if not records:
        return [], "No columns to parse from file", {}
    names = [n or f"Unnamed: {i}" for i, n in enumerate(records[0])]
    if any(k > 1 for n, k in Counter(records[0]).items() if n.strip()):
        return [], "more than once", {}
    width = len(names)
    rows = [r for r in records[1:] if not (r == [""] and width > 1)]
    ragged = {i: len(r) for i, r in enumerate(rows) if len(r) != width}
    cells = [[None] * width if len(r) != width else [c or None for c in r] for r in rows]
    frames = []
    for start in range(0, max(len(cells), 1), chunk_rows):
        part = cells[start : start + chunk_rows]
        index = pd.RangeIndex(start, start + len(part))
        frame = pd.DataFrame(
            {j: pd.Series([r[j] for r in part], dtype="str", index=index) for j in range(width)}, index=index
        )
        frame.columns = pd.Index(names)
        frames.append(frame)
    return frames, None, ragged


def our_chunks(path: Path, chunk_rows: int) -> tuple[list[pd.DataFrame], str | None]:
    frames: list[pd.DataFrame] = []
    try:
        for frame in read_csv_chunks(path, chunk_rows):
            frames.append(frame)
    except FileValidationError as exc:
        return frames, str(exc)
    return frames, None


def assert_read_alike(path: Path, chunk_rows: int) -> None:
    ours, our_error = our_chunks(path, chunk_rows)
    theirs, their_error = reference_chunks(path, chunk_rows)
    assert our_error == their_error
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs, strict=True):
        assert list(a.columns) == list(b.columns) and a.columns.dtype == b.columns.dtype
        pd.testing.assert_frame_equal(a, b, check_exact=True)
        for name in a.columns:  # missing cells are NaN in both, text is text
            assert [v if isinstance(v, str) else "<nan>" for v in a[name]] == [
                v if isinstance(v, str) else "<nan>" for v in b[name]
            ]


FIELDS = st.one_of(
    st.sampled_from(
        ["", "1", "-0.5", "1e309", "nan", "x", "Stone, brick", "a b", "é", "€", "  ", " 1", "1 "]
    ),
    st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=6),
    st.text(st.sampled_from('ab, "\r\n\t'), max_size=5),
)


@st.composite
def cell(draw: st.DrawFn) -> str:
    """One field as written in a file: plain, quoted (with commas, quotes, line ends) or odd."""
    text = draw(FIELDS)
    how = draw(st.sampled_from(["plain", "plain", "quoted", "spaced-quote", "stray"]))
    if how == "quoted":
        return '"' + text.replace('"', '""') + '"'
    if how == "spaced-quote":
        return ' "' + text.replace('"', '""') + '"'
    if how == "stray":
        return text + '"' + draw(FIELDS)
    return text.replace('"', "").replace("\n", "").replace("\r", "").replace(",", ";")


@st.composite
def csv_bytes(draw: st.DrawFn) -> bytes:
    """A CSV file as officers and attackers have them: mostly regular, sometimes not."""
    width = draw(st.integers(1, 5))
    names = draw(
        st.lists(
            st.sampled_from(["a", "b", "SK_ID_CURR", "c d", '"q,r"', " e", "a", ""]),
            min_size=width,
            max_size=width,
        )
    )
    end = draw(st.sampled_from(["\n", "\r\n", "\n", "\r"]))
    lines = [",".join(names)]
    for _ in range(draw(st.integers(0, 12))):
        n = width if draw(st.integers(0, 6)) else draw(st.integers(1, width + 2))  # sometimes ragged
        lines.append(",".join(draw(cell()) for _ in range(n)))
        if not draw(st.integers(0, 8)):
            lines.append(draw(st.sampled_from(["", " ", "  "])))  # a blank line
    text = end.join(lines) + (end if draw(st.booleans()) else "")
    data = text.encode("utf-8")
    if not draw(st.integers(0, 10)):
        data = b"\xef\xbb\xbf" + data  # a UTF-8 BOM (Excel)
    if not draw(st.integers(0, 12)):
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.sampled_from([b"\xff", b"\xe9", b"\x00", b"\xed\xa0\x80"])) + data[at:]
    return data


PLAIN = st.text(st.characters(codec="utf-8", exclude_characters='\x00",\r\n'), max_size=8).filter(
    lambda t: not t.startswith(" ")
)
QUOTED = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=8).map(
    lambda t: '"' + t.replace('"', '""') + '"'
)


@st.composite
def regular_csv(draw: st.DrawFn) -> tuple[bytes, bool]:
    """A well-formed file (plain and quoted fields, quoted commas, quotes and line ends, blank lines,
    \n or \r\n, a BOM); with ``True`` when one small defect was then put in it."""
    names = draw(
        st.lists(
            st.sampled_from(["SK_ID_CURR", "AMT", "NAME", '"a,b"', "x y", "é"]),
            min_size=2,
            max_size=5,
            unique=True,
        )
    )
    end = draw(st.sampled_from(["\n", "\r\n"]))
    lines = [",".join(names)]
    for _ in range(draw(st.integers(1, 15))):
        lines.append(",".join(draw(st.one_of(PLAIN, PLAIN, QUOTED)) for _ in names))
        if not draw(st.integers(0, 6)):
            lines.append("")
    data = (end.join(lines) + (end if draw(st.booleans()) else "")).encode("utf-8")
    if draw(st.booleans()):
        data = b"\xef\xbb\xbf" + data
    defect = draw(st.integers(0, 3)) == 0
    if defect:
        at = draw(st.integers(0, len(data)))
        bad = draw(st.sampled_from([b" ", b'"', b",", b"\r", b"\n", b"\xff", b"\x00", b", ", b'x"']))
        data = data[:at] + bad + data[at:]
    return data, defect


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(file=regular_csv(), chunk_rows=st.integers(1, 5))
def test_regular_files_are_read_as_pandas_reads_them(file, chunk_rows):
    data, defect = file
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "clients.csv"
        path.write_bytes(data)
        if not defect:
            assert csvfile._regular_layout(path) is not None  # the columnar path is the one tested
        assert_read_as_specified(path, chunk_rows)


def assert_read_as_specified(path: Path, chunk_rows: int) -> None:
    """A regular file as pandas reads it; any other one as the ``csv`` module's records."""
    if b"\0" not in path.read_bytes() and csvfile._regular_layout(path) is not None:
        assert_read_alike(path, chunk_rows)  # the columnar path: as pandas
        return
    ours, our_error = our_chunks(path, chunk_rows)
    theirs, their_error, ragged = record_chunks(path, chunk_rows)
    if their_error is not None or our_error is not None:
        assert our_error is not None and their_error is not None, (our_error, their_error)
        assert their_error in our_error or "not a readable CSV" in our_error
        return
    assert len(ours) == len(theirs)
    named: dict[int, str] = {}
    for a, b in zip(ours, theirs, strict=True):
        pd.testing.assert_frame_equal(a, b, check_exact=True)
        named.update(a.attrs.get(csvfile.ROW_PROBLEMS, {}))
    assert sorted(named) == sorted(ragged)
    for i, width in ragged.items():
        assert f"has {width} fields" in named[i]


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=csv_bytes(), chunk_rows=st.integers(1, 5))
def test_any_file_is_read_as_specified(data, chunk_rows):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "clients.csv"
        path.write_bytes(data)
        assert_read_as_specified(path, chunk_rows)


@pytest.mark.parametrize(
    "content",
    [
        b"a,b\n1,2\n3,4\n",
        b"a,b\r\n1,2\r\n\r\n3,4",
        b'a,b\n"Stone, brick","x ""y"" z"\n"multi\nline",2\n',
        b"\xef\xbb\xbfa,b\n1,\n,2\n",
        b"a,b\n1,",  # the last field empty, at the end of the file without a line end
    ],
)
def test_regular_files_take_the_columnar_path(tmp_path, content):
    path = tmp_path / "f.csv"
    path.write_bytes(content)
    assert csvfile._regular_layout(path) is not None
    assert_read_alike(path, 1)


@pytest.mark.parametrize(
    "content",
    [
        b"a,b\n1\n",  # short row: a ragged row (pandas pads it)
        b"a,b\n1,2,3\n",  # long row: a ragged row (pandas takes the first column as the index)
        b"a,b\n 1, 2\n",  # spaces after the comma: skipped, as pandas does
        b'a,b\n"x"y,2\n',  # text after a closing quote
        b"a,b\n1,2\r3,4\n",  # a bare carriage return
        b"a,b\n\xe9,2\n",  # not UTF-8: Windows-1252
        b"a,b\n",  # no data
        b"\xef\xbb\xbfa, e,",  # a header only, ending with a comma at the end of the file
    ],
)
def test_irregular_files_are_read_record_by_record(tmp_path, content):
    path = tmp_path / "f.csv"
    path.write_bytes(content)
    assert csvfile._regular_layout(path) is None
    ours, error = our_chunks(path, 2)
    theirs, _, _ = record_chunks(path, 2)
    assert error is None
    for a, b in zip(ours, theirs, strict=True):
        pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_a_ragged_line_is_a_row_problem_and_the_others_are_read(tmp_path):
    path = tmp_path / "f.csv"
    path.write_bytes(b"a,b\n1,2\n3,4,5\n6,7\n")
    (frame,) = read_csv_chunks(path, 10)
    assert frame["a"].tolist()[0::2] == ["1", "6"] and frame.iloc[1].isna().all()
    assert list(frame.attrs[csvfile.ROW_PROBLEMS]) == [1]
    assert "line 3 of the file has 3 fields where the header has 2" in frame.attrs[csvfile.ROW_PROBLEMS][1]


def test_duplicate_column_names_are_refused_naming_them(tmp_path):
    path = tmp_path / "f.csv"
    path.write_bytes(b"SK_ID_CURR,AMT_CREDIT,AMT_CREDIT\n1,2,3\n")
    with pytest.raises(FileValidationError, match=r"more than once: AMT_CREDIT \(2 times\)"):
        list(read_csv_chunks(path, 10))


def test_a_french_excel_export_is_detected_and_its_numbers_read(tmp_path):
    text = "SK_ID_CURR;AMT_CREDIT;NAME\r\n100002;1\u00a0234\u00a0567,5;Célibataire\r\n100003;-0,25;x\r\n"
    path = tmp_path / "f.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("cp1252", errors="strict")[0:0] + text.encode("utf-8"))
    reader = csvfile.ClientsCsv(path, numeric=["AMT_CREDIT"])
    assert (reader.format.separator, reader.format.decimal, reader.format.encoding) == (";", ",", "utf-8")
    assert reader.format.bom and reader.format.line_end == "CRLF"
    (frame,) = reader.chunks(10)
    assert frame["AMT_CREDIT"].tolist() == ["1234567.5", "-0.25"]
    assert frame["NAME"].tolist() == ["Célibataire", "x"]  # text is never changed
    assert frame["SK_ID_CURR"].tolist() == ["100002", "100003"]
    cp = tmp_path / "cp.csv"
    cp.write_bytes(text.replace("\u00a0", " ").encode("cp1252"))
    reader = csvfile.ClientsCsv(cp, numeric=["AMT_CREDIT"])
    assert reader.format.encoding == "cp1252" and not reader.format.bom
    assert next(reader.chunks(10))["NAME"].tolist() == ["Célibataire", "x"]
    assert "semicolon-separated, decimal comma" in reader.format.describe("en")
    assert "séparateur point-virgule, virgule décimale" in reader.format.describe("fr")


@pytest.mark.parametrize(
    ("cell", "plain"),
    [("1 234,5", "1234.5"), ("-0,5", "-0.5"), ("12\u202f000", "12000"), (",5", ".5"), ("12", "12"), ("2,5E-05", "2.5E-05"),
     ("1,234.5", "1,234.5"), ("12 34", "12 34"), ("abc", "abc"), ("", "")],
)  # fmt: skip
def test_french_numbers_get_their_plain_spelling(cell, plain):
    assert csvfile.plain_number(cell) == plain


def test_a_compressed_file_is_capped_once_decompressed(tmp_path):
    import gzip

    path = tmp_path / "bomb.csv.gz"
    with gzip.open(path, "wb") as fh:
        fh.write(b"a,b\n" + b"1,2\n" * 400_000)  # 1.6 MB of text in a few kB
    assert path.stat().st_size < 20_000
    with pytest.raises(FileValidationError, match="expands to more than 1 MB"):
        list(csvfile.ClientsCsv(path, max_bytes=1 << 20).chunks(1000))
    assert sum(len(c) for c in csvfile.ClientsCsv(path).chunks(100_000)) == 400_000


def test_a_compressed_file_is_read_record_by_record(tmp_path):
    path = tmp_path / "f.csv.gz"
    pd.DataFrame({"a": ["1"], "b": ["x"]}).to_csv(path, index=False)
    assert csvfile._regular_layout(path) is None
    assert_read_alike(path, 1)


def test_generated_and_real_files_are_read_alike(tmp_path):
    """A synthetic application file in several scan blocks, and the real sample when present."""
    path = tmp_path / "apps.csv"
    generate_application(np.random.default_rng(5), 3000)[columns("application_test")].to_csv(
        path, index=False
    )
    small = csvfile._SCAN_BLOCK
    try:
        csvfile._SCAN_BLOCK = 100_003  # records straddle the blocks of the first pass
        assert csvfile._regular_layout(path) is not None
        assert_read_alike(path, 700)
    finally:
        csvfile._SCAN_BLOCK = small
    real = HOMECREDIT / "application_test.csv"
    if real.is_file():
        assert csvfile._regular_layout(real) is not None
        assert_read_alike(real, 1000)


def test_a_french_export_validates_exactly_as_the_plain_file(tmp_path):
    """The same applications written by pandas the French way (``;``, decimal comma, exponents such
    as ``2,4E-05``, flags as ``1,0``, Windows-1252, CRLF) give the same parsed values, bit for bit."""
    from core import DEMO_BUNDLE_DIR, load_bundle
    from core.serving.validation import numeric_fields, validate_frame

    schema = load_bundle(DEMO_BUNDLE_DIR).schema
    frame = generate_application(np.random.default_rng(3), 400)[columns("application_test")]
    frame.to_csv(tmp_path / "plain.csv", index=False)
    frame.to_csv(
        tmp_path / "fr.csv", index=False, sep=";", decimal=",", encoding="cp1252", lineterminator="\r\n"
    )
    numeric = numeric_fields(schema)
    pairs = zip(
        csvfile.ClientsCsv(tmp_path / "plain.csv", numeric=numeric).chunks(150),  # the columnar reader
        csvfile.ClientsCsv(tmp_path / "fr.csv", numeric=numeric).chunks(150),  # record by record
        strict=True,
    )
    for k, (a, b) in enumerate(pairs):
        assert a.index.equals(b.index) and a.index[0] == k * 150  # every chunk, not only the first
        plain, french = validate_frame(a, schema), validate_frame(b, schema)
        assert plain.errors == french.errors == []
        pd.testing.assert_frame_equal(plain.features, french.features, check_exact=True)


@pytest.mark.parametrize(
    "data",
    [b"\na,a\n1,2\n", b" \na,a\n1,2\n", b"\r\nx,y,x\n1,2,3\n", b'"a\n",x,"a\n"\n1,2,3\n'],
    ids=["blank-line-first", "space-line-first", "crlf-first", "quoted-line-end-in-header"],
)
def test_a_header_naming_a_column_twice_is_refused_wherever_it_starts(tmp_path, data):
    """Found by the property test on CI: the header check read the first *line*, not the first record."""
    path = tmp_path / "clients.csv"
    path.write_bytes(data)
    _, error = our_chunks(path, 2)
    assert error is not None and "more than once" in error
    assert_read_as_specified(path, 2)
