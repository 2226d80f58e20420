"""The vectorised ``validate_frame`` against the row-wise oracle, on adversarial cells.

Rows come from the real Home Credit sample (skipped when absent) and from the synthetic generator;
cells are replaced by what files really hold and what an attacker would write (blanks, ``nan``,
``1e309``, ``-0``, decimal commas, thousands separators, flags as 0/1/true/yes, unknown categories,
out-of-bounds values, ids with ``.0``, negative, huge or above 2**63 - 1, arbitrary text). Both
validators must give the same errors and warnings (row, field, problem, value and its type, in the
same order), the same parsed values, ids and target.
"""

from __future__ import annotations

import io
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core import DEMO_BUNDLE_DIR, load_bundle
from core.data.synthetic.application import generate_application
from core.data.tables import columns
from core.errors import FileValidationError
from core.serving import cells
from core.serving.schema import FeatureSchema, FeatureSpec, legacy_schema
from core.serving.validation import FrameValidation, read_clients_csv, validate_frame
from tests.conftest import HOMECREDIT
from tests.core.serving.rowwise_validation import _as_text, parse_floats, parse_ids, validate_frame_rowwise

NUMBERS = [
    "", " ", "\t", "\u3000", "nan", "NaN", "-nan", "+nan", "nan(1)", "inf", "+inf", "-inf", "Infinity",
    "-infinity", "INF", "∞", "1e309", "-1e309", "1e-400", "-0", "0", "-0.0", "+5", ".5", "5.", "1,5",
    "1 000", "1\u00a0000", "1\u202f000", "1.000,5", "1,000.5", "1_000", "١٢٣", "²", "0x10", "1e", "e5",
    "1.5", "-100.5", "365243", "-365243", "1e300", "-1e300", "9007199254740993", " 12 ", "12\u00a0",
    "\x1c12", "true", "yes", "abc", "=1+1", "1e5", "1E+05", "0.1000000000000000055511151231257827",
]  # fmt: skip
FLAGS = [
    "0", "1", "1.0", "0.0", "true", "TRUE", "True", "yes", "YES", "no", "No", "false", "FALSE", "t",
    "f", "y", "n", "2", "-1", "0.5", " 1 ", "\u00a0yes", "1.00", "01", "０", "", "nan",
]  # fmt: skip
CATEGORIES = ["", " ", "Missing", "__MISSING__", "XNA", "Astronaut", "nan", "None", "Ｆ", "f", "m"]
IDS = [
    "100002", "100002.0", "100002.00", "100002.5", "0", "0.0", ".0", "-5", "+5", "00042",
    "9223372036854775807", "9223372036854775808", "18446744073709551616", "9" * 19, "9" * 30,
    "9" * 31, "1" * 18, "1e5", "١٠٠٠٠٢", "²", " 42 ", "4 2", "", "abc", "9007199254740993",
    "5.0.0", "100002.0 ", "-0",
]  # fmt: skip
TARGETS = ["0", "1", "7", "0.5", "", "x", "1.0", "nan", "-0", "true"]


# ---------------------------------------------------------------------------- comparison
def _key(value: object) -> tuple[str, str]:
    if isinstance(value, float) and math.isnan(value):
        return type(value).__name__, "nan"
    return type(value).__name__, repr(value)


def _report(rows: list) -> list[tuple]:
    return [(e.row, e.field, str(e.problem), getattr(e.problem, "code", None), _key(e.value)) for e in rows]


def _same_column(a: pd.Series, b: pd.Series) -> None:
    assert a.dtype == b.dtype, a.name
    if a.dtype == object:
        assert [_key(v) for v in a] == [_key(v) for v in b], a.name
    else:
        x, y = a.to_numpy(), b.to_numpy()
        assert np.array_equal(x, y, equal_nan=True) and np.array_equal(np.signbit(x), np.signbit(y)), a.name


def assert_same(fast: FrameValidation, slow: FrameValidation) -> None:
    """The two validations are identical: report, order, values and their types."""
    assert _report(fast.errors) == _report(slow.errors)
    assert _report(fast.warnings) == _report(slow.warnings)
    assert (fast.n_rows, fast.ignored_columns, fast.absent_columns) == (
        slow.n_rows,
        slow.ignored_columns,
        slow.absent_columns,
    )
    assert list(fast.features.columns) == list(slow.features.columns)
    assert fast.features.index.equals(slow.features.index)
    for name in slow.features.columns:
        _same_column(fast.features[name], slow.features[name])
    assert fast.client_ids.index.equals(slow.client_ids.index)
    assert [_key(v) for v in fast.client_ids] == [_key(v) for v in slow.client_ids]
    assert (fast.target is None) == (slow.target is None)
    if slow.target is not None:
        assert fast.target.index.equals(slow.target.index)
        _same_column(fast.target, slow.target)


def check(frame: pd.DataFrame, schema: FeatureSchema, first_row: int = 1) -> FrameValidation:
    """Validate ``frame`` both ways; the same result, or the same refusal."""
    try:
        slow = validate_frame_rowwise(frame.copy(), schema, first_row=first_row)
    except FileValidationError as exc:
        with pytest.raises(FileValidationError) as info:
            validate_frame(frame, schema, first_row=first_row)
        assert str(info.value) == str(exc)
        return None  # type: ignore[return-value]
    fast = validate_frame(frame, schema, first_row=first_row)
    assert_same(fast, slow)
    return fast


# ---------------------------------------------------------------------------- inputs
def as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """A frame as ``pad score`` reads it: every cell text (through a CSV)."""
    return read_clients_csv(io.StringIO(frame.to_csv(index=False)))


@pytest.fixture(scope="module")
def demo_schema() -> FeatureSchema:
    return load_bundle(DEMO_BUNDLE_DIR).schema


@pytest.fixture(scope="module")
def synthetic_rows() -> pd.DataFrame:
    apps = generate_application(np.random.default_rng(11), 200)[columns("application_test")]
    return as_text(apps)


@pytest.fixture(scope="module")
def real_rows() -> pd.DataFrame:
    path = HOMECREDIT / "application_test.csv"
    if not path.is_file():
        pytest.skip(f"real Home Credit samples not found at {HOMECREDIT}")
    return read_clients_csv(path).head(400)


def _spec_cells(spec: FeatureSpec) -> list[str]:
    """Cells aimed at one field: its bounds, sentinel, training range, categories."""
    if spec.kind == "categorical":
        known = [*(spec.categories or []), *(spec.seen_categories or [])]
        return [*known, *(f" {c}" for c in known[:3]), *(c.upper() for c in known[:3])]
    if spec.kind == "boolean":
        return []
    out: list[str] = []
    for v in (spec.domain_min, spec.domain_max, spec.min, spec.max, spec.median):
        if v is not None:
            out += [repr(v), repr(v - 1), repr(v + 1), repr(v * 2), f"{v:.3e}", repr(v - 0.5)]
    if spec.info is not None and spec.info.sentinel is not None:
        out += [repr(spec.info.sentinel), str(int(spec.info.sentinel)), repr(spec.info.sentinel + 1)]
    return out


def adversarial(spec: FeatureSpec | None) -> st.SearchStrategy[str]:
    """Cells for a field (``None``: the id column)."""
    if spec is None:
        pool = st.sampled_from(IDS)
        numbers = st.integers(-(2**70), 2**70).map(str)
        return st.one_of(pool, numbers, numbers.map(lambda s: s + ".0"), st.text(max_size=6))
    generic = {"categorical": CATEGORIES, "boolean": FLAGS}.get(spec.kind, NUMBERS)
    pools = [st.sampled_from(generic), st.sampled_from(NUMBERS + FLAGS), st.text(max_size=8)]
    if own := _spec_cells(spec):
        pools.append(st.sampled_from(own))
    if spec.kind == "numeric":
        pools += [st.floats().map(repr), st.integers(-(10**20), 10**20).map(str)]
    padding = st.sampled_from(["", " ", "\t", "\u00a0", "\u3000", "\x1c"])
    cell = st.one_of(*pools)
    return st.one_of(cell, st.tuples(padding, cell, padding).map("".join))


def text_frame(cells_by_column: dict[str, list]) -> pd.DataFrame:
    """A frame of text cells (``str`` columns, missing cells NaN), as ``read_csv(dtype=str)`` gives."""
    return pd.DataFrame({name: pd.array(values, dtype="str") for name, values in cells_by_column.items()})


@st.composite
def mutated(draw: st.DrawFn, base: pd.DataFrame, schema: FeatureSchema) -> pd.DataFrame:
    """Some rows of ``base`` with adversarial cells, sometimes a TARGET, an unknown or absent column."""
    start = draw(st.integers(0, len(base) - 30))
    rows = base.iloc[start : start + draw(st.integers(1, 30))]
    table = {name: [None if v is None or v != v else v for v in rows[name]] for name in rows.columns}
    specs = {s.name: s for s in schema.fields}
    names = [c for c in table if c in specs or c == "SK_ID_CURR"]
    for _ in range(draw(st.integers(0, 4 * len(rows) + 4))):
        name = draw(st.sampled_from(names))
        table[name][draw(st.integers(0, len(rows) - 1))] = draw(adversarial(specs.get(name)))
    if draw(st.booleans()):
        table["TARGET"] = [draw(st.sampled_from(TARGETS)) for _ in range(len(rows))]
    if draw(st.booleans()):
        table["NOTE"] = ["x"] * len(rows)
    if draw(st.integers(0, 4)) == 0:
        del table[draw(st.sampled_from(names))]
    return text_frame(table)


HYPOTHESIS = settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))


# ---------------------------------------------------------------------------- frames
@HYPOTHESIS
@given(data=st.data())
def test_synthetic_rows_with_adversarial_cells(data, demo_schema, synthetic_rows):
    check(
        data.draw(mutated(synthetic_rows, demo_schema)),
        demo_schema,
        first_row=data.draw(st.integers(1, 10**6)),
    )


@HYPOTHESIS
@given(data=st.data())
def test_real_rows_with_adversarial_cells(data, demo_schema, real_rows):
    check(data.draw(mutated(real_rows, demo_schema)), demo_schema)


@HYPOTHESIS
@given(data=st.data())
def test_feature_contract_and_legacy_schema(data, toy_bundle):
    base = as_text(toy_bundle.reference.head(40))
    legacy = legacy_schema(toy_bundle.schema.names, toy_bundle.schema.categorical)
    schema = data.draw(st.sampled_from([toy_bundle.schema, legacy]))
    check(data.draw(mutated(base, schema)), schema)


def _seeded(base: pd.DataFrame, schema: FeatureSchema, seed: int, share: float) -> pd.DataFrame:
    """``base`` with about ``share`` of its cells replaced by adversarial ones (seeded, no shrinking)."""
    rng = np.random.default_rng(seed)
    specs = {s.name: s for s in schema.fields}
    table = {}
    for name in base.columns:
        column = [None if v is None or v != v else v for v in base[name]]
        spec = specs.get(name)
        pool = (
            IDS
            if name == "SK_ID_CURR"
            else [*NUMBERS, *FLAGS, *CATEGORIES, *(_spec_cells(spec) if spec else [])]
        )
        for i in np.flatnonzero(rng.random(len(column)) < share):
            column[i] = str(rng.choice(pool))
        table[name] = column
    return text_frame(table)


def test_many_rows_seeded(demo_schema, synthetic_rows, real_rows):
    """Thousands of rows at once (real and synthetic), a few percent of their cells adversarial."""
    base = pd.concat([synthetic_rows, real_rows[synthetic_rows.columns]], ignore_index=True)
    for seed, share in ((1, 0.0), (2, 0.01), (3, 0.05)):
        report = check(
            _seeded(pd.concat([base] * 3, ignore_index=True), demo_schema, seed, share), demo_schema
        )
        assert report.n_rows == 3 * len(base)
        assert (len(report.errors) > 0) == (share > 0)


def test_frames_not_read_as_text(toy_bundle, demo_schema, synthetic_rows):
    """Numbers, booleans and mixed objects (a frame built in code) are judged by their text too."""
    check(toy_bundle.reference.head(30), toy_bundle.schema)
    mixed = toy_bundle.reference.head(5).astype(object)
    mixed.loc[0, "AMT_CREDIT"], mixed.loc[1, "EXT_SOURCE_2"], mixed.loc[2, "FLAG_DOCUMENT_3"] = -5, 7, True
    check(mixed, toy_bundle.schema)
    check(synthetic_rows.head(20).astype(object), demo_schema)


def test_missing_columns_refused_alike(toy_bundle, demo_schema, synthetic_rows):
    check(as_text(toy_bundle.reference.head(3).drop(columns=["EXT_SOURCE_1"])), toy_bundle.schema)
    check(synthetic_rows.head(3).drop(columns=["AMT_CREDIT", "DAYS_BIRTH"]), demo_schema)
    check(synthetic_rows.head(0), demo_schema)


# ---------------------------------------------------------------------------- cells
@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.one_of(st.none(), st.text(max_size=8), st.sampled_from(NUMBERS), st.floats().map(repr)),
        max_size=30,
    )
)
def test_numbers_parse_as_python_does(values):
    text = pd.Series(values, dtype="str")
    expected = parse_floats(_as_text(text)).to_numpy()
    got, _, _ = cells.parse_numbers(cells.raw_cells(text))
    assert np.array_equal(got, expected, equal_nan=True) and np.array_equal(
        np.signbit(got), np.signbit(expected)
    )


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.none(), st.text(max_size=6), st.sampled_from(IDS), st.integers(-(2**70), 2**70).map(str)
        ),
        max_size=30,
    )
)
def test_ids_exact_as_python_reads_them(values):
    text = pd.Series(values, dtype="str")
    expected, expected_bad = parse_ids(text)
    got, bad = cells.parse_id_cells(cells.text_cells(text))
    assert [_key(v) for v in got] == [_key(v) for v in expected]
    assert bad.tolist() == expected_bad.tolist()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(max_size=8)), max_size=30))
def test_text_is_stripped_as_python_strips(values):
    text = pd.Series(values, dtype="str")
    assert [_key(v) for v in cells.as_series(cells.text_cells(text), text.index)] == [
        _key(v) for v in _as_text(text)
    ]


def test_huge_and_odd_ids():
    text = pd.Series(
        ["9223372036854775807", "9223372036854775808", "9007199254740993", "100002.0", "²", "-3"], dtype="str"
    )
    ids, bad = cells.parse_id_cells(cells.text_cells(text))
    assert ids.tolist() == [2**63 - 1, None, 9007199254740993, 100002, None, None]
    assert bad.tolist() == [False, True, False, False, True, True]


def test_valid_categories_unseen_ones_and_the_missing_token(demo_schema, synthetic_rows):
    """Columns of categories as the bundle spells them (the columnar shortcut), all-missing ones too."""
    frame = synthetic_rows.head(12)
    gender = demo_schema.get("CODE_GENDER")
    table = {
        name: list(frame[name].astype(object).where(frame[name].notna(), None)) for name in frame.columns
    }
    table["CODE_GENDER"] = [[*gender.categories, "Missing", None][i % 5] for i in range(12)]
    table["NAME_TYPE_SUITE"] = [None] * 12  # no text at all in the column
    table["OCCUPATION_TYPE"] = ["Missing"] * 12  # only the missing token
    report = check(text_frame(table), demo_schema)
    assert any(w.field == "CODE_GENDER" for w in report.warnings)  # XNA: valid, never seen in training


def test_ragged_rows_are_one_error_each_alike(demo_schema, synthetic_rows, tmp_path):
    """A ragged line of a file (its cells read as missing, named in ``attrs``) is one error of its row
    in both validators, the other problems of the row dropped; the rows around it are kept."""
    from core.serving.csvfile import read_csv_chunks

    lines = as_text(synthetic_rows.head(6)).to_csv(index=False).splitlines()
    lines[2] += ",1,2"  # data row 2
    lines[5] = lines[5].split(",", 1)[0]  # data row 5: the id only
    path = tmp_path / "ragged.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    first, second = read_csv_chunks(path, 3)  # rows 1-3 and 4-6: the second chunk's labels are 3-5
    fast = check(first, demo_schema)
    assert [e.field for e in fast.errors if e.row == 2] == ["(row)"] and 2 not in fast.features.index
    assert not [w for w in fast.warnings if w.row == 2]
    fast = check(second, demo_schema, first_row=4)
    assert [e.field for e in fast.errors if e.row == 5] == ["(row)"] and 5 not in fast.features.index
    assert "has 1 fields where the header has" in next(e.problem for e in fast.errors if e.row == 5)


def test_the_written_out_whitespace_is_every_character_str_strip_removes():
    """``cells.WHITESPACE`` (pyarrow's trim set) is exactly ``str.isspace`` over every code point."""
    import sys

    from core.serving.cells import WHITESPACE

    every = "".join(c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace())
    assert WHITESPACE == every
