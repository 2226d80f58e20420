"""Strict validation of records and CSV frames: every kind of bad input, all errors at once."""

from __future__ import annotations

import io
import json
import re

import pytest

from core.errors import FileValidationError, RecordValidationError
from core.serving.validation import read_clients_csv, validate_frame, validate_record


def errors_of(record, schema) -> dict[str, str]:
    with pytest.raises(RecordValidationError) as info:
        validate_record(record, schema)
    return {e.field: e.problem for e in info.value.errors}


def test_valid_record_passes(toy_record, toy_bundle):
    valid = validate_record(toy_record, toy_bundle.schema)
    assert valid.client_id == toy_record["SK_ID_CURR"]
    assert list(valid.values) == toy_bundle.schema.names
    assert valid.values["FLAG_DOCUMENT_3"] in (0.0, 1.0)


@pytest.mark.parametrize(
    ("field", "value", "match"),
    [
        ("AMT_CREDIT", "1000", "expected a number, got the text '1000'"),
        ("AMT_CREDIT", True, "expected a number, got the boolean true"),
        ("AMT_CREDIT", float("nan"), "NaN and infinity are not allowed"),
        ("AMT_CREDIT", float("inf"), "NaN and infinity are not allowed"),
        ("AMT_CREDIT", -5.0, "impossible value -5.0: must be between 0 and .* an amount is positive"),
        ("AMT_CREDIT", [1], "expected a number"),
        ("AMT_INCOME_TOTAL", -1, "impossible value -1"),
        ("EXT_SOURCE_2", 1.2, "must be between 0 and 1"),
        ("DAYS_BIRTH", -3000, "impossible age 8.2 years"),
        ("DAYS_BIRTH", -50_000, "impossible age 136.9 years"),
        ("DAYS_EMPLOYED", 400, "counted back from the application.*365243 means not employed"),
        ("DAYS_EMPLOYED", -100.5, "must be a whole number, got -100.5"),
        ("CODE_GENDER", "X", "unknown category 'X': expected one of 'F', 'M'"),
        ("CODE_GENDER", 1, "expected a text category, got 1"),
        ("FLAG_DOCUMENT_3", 2, r"expected true/false \(or 0/1\), got 2"),
        ("FLAG_DOCUMENT_3", "yes", "expected true/false"),
        ("PREV_RATIO_REFUSED", -0.1, "must be between 0 and 1"),
        ("SK_ID_CURR", -1, "positive integer"),
        ("SK_ID_CURR", "abc", "positive integer"),
    ],
)
def test_each_bad_value_names_field_and_problem(toy_record, toy_bundle, field, value, match):
    errors = errors_of(dict(toy_record, **{field: value}), toy_bundle.schema)
    assert list(errors) == [field]
    assert re.search(match, errors[field]), errors[field]


def test_unknown_and_missing_fields(toy_record, toy_bundle):
    record = dict(toy_record, SURPRISE=1)
    del record["AMT_ANNUITY"]
    errors = errors_of(record, toy_bundle.schema)
    assert errors == {
        "SURPRISE": "unknown field: this model has no input of that name",
        "AMT_ANNUITY": "missing field: send null if the value is unknown",
    }


def test_all_errors_reported_at_once(toy_record, toy_bundle):
    record = dict(toy_record, EXT_SOURCE_1=2.0, CODE_GENDER="Z", AMT_CREDIT="lots", OTHER=3)
    errors = errors_of(record, toy_bundle.schema)
    assert set(errors) == {"EXT_SOURCE_1", "CODE_GENDER", "AMT_CREDIT", "OTHER"}


def test_nulls_accepted_and_id_optional(toy_record, toy_bundle):
    required = ["AMT_CREDIT", "AMT_ANNUITY", "AMT_INCOME_TOTAL", "DAYS_BIRTH"]
    record = {k: (toy_record[k] if k in required else None) for k in toy_record}
    del record["SK_ID_CURR"]
    valid = validate_record(record, toy_bundle.schema)
    assert valid.client_id is None
    assert [n for n, v in valid.values.items() if v is not None] == [
        n for n in toy_bundle.schema.names if n in required
    ]
    assert set(valid.missing) == set(toy_bundle.schema.names) - set(required)


def test_all_null_record_is_insufficient_data_naming_the_fields(toy_record, toy_bundle):
    errors = errors_of({k: None for k in toy_record}, toy_bundle.schema)
    assert set(errors) == {"AMT_CREDIT", "AMT_ANNUITY", "AMT_INCOME_TOTAL", "DAYS_BIRTH"}
    assert all(p.startswith("insufficient data") for p in errors.values())


def test_flags_accept_json_booleans_and_01(toy_record, toy_bundle):
    for v, expected in ((True, 1.0), (False, 0.0), (1, 1.0), (0, 0.0)):
        assert (
            validate_record(dict(toy_record, FLAG_DOCUMENT_3=v), toy_bundle.schema).values["FLAG_DOCUMENT_3"]
            == expected
        )


@pytest.mark.parametrize(
    ("value", "client_id"),
    [(100002.0, 100002), (float(2**53), 2**53), (100002.5, None), (float(2**53 + 2), None), (-3.0, None)],
)
def test_an_integral_float_id_is_that_integer_when_exact(toy_record, toy_bundle, value, client_id):
    """100002.0 is the id 100002; a fraction, or a float beyond 2**53 (maybe a rounded id), is refused."""
    record = {**toy_record, "SK_ID_CURR": value}
    if client_id is None:
        with pytest.raises(RecordValidationError, match="SK_ID_CURR: must be a positive integer"):
            validate_record(record, toy_bundle.schema)
    else:
        valid = validate_record(record, toy_bundle.schema)
        assert valid.client_id == client_id and type(valid.client_id) is int


def test_out_of_training_range_is_a_warning(toy_record, toy_bundle):
    spec = toy_bundle.schema.get("AMT_CREDIT")
    valid = validate_record(dict(toy_record, AMT_CREDIT=spec.max * 3), toy_bundle.schema)
    assert [w.field for w in valid.warnings] == ["AMT_CREDIT"]
    assert "outside the range seen in training" in valid.warnings[0].message


def test_not_a_mapping(toy_bundle):
    with pytest.raises(RecordValidationError, match="expected an object"):
        validate_record([1, 2], toy_bundle.schema)


def test_record_roundtrips_through_json(toy_record, toy_bundle):
    assert validate_record(json.loads(json.dumps(toy_record)), toy_bundle.schema).values


# ------------------------------------------------------------------ CSV frames


def csv_of(bundle, rows: list[dict], extra: dict | None = None) -> str:
    cols = ["SK_ID_CURR", *bundle.schema.names, *(extra or {})]
    lines = [",".join(cols)]
    for r in rows:
        lines.append(",".join("" if r.get(c) is None else str(r.get(c)) for c in cols))
    return "\n".join(lines) + "\n"


def test_frame_reports_bad_rows_and_keeps_good_ones(toy_record, toy_bundle):
    good = dict(toy_record)
    rows = [
        good,
        dict(good, SK_ID_CURR=2, AMT_CREDIT="abc", EXT_SOURCE_2=1.5),
        dict(good, SK_ID_CURR=3, CODE_GENDER="Q"),
        dict(good, SK_ID_CURR=4, AMT_ANNUITY=None, FLAG_DOCUMENT_3="true"),
        dict(good, SK_ID_CURR=5, DAYS_BIRTH="inf"),
    ]
    text = csv_of(toy_bundle, rows, extra={"COMMENT": "x"})
    frame = read_clients_csv(io.StringIO(text.replace("\nCOMMENT", "")))
    report = validate_frame(frame, toy_bundle.schema)
    assert report.n_rows == 5
    assert report.invalid_rows == [2, 3, 4, 5]
    problems = {(e.row, e.field): e.problem for e in report.errors}
    assert "expected a number, got the text 'abc'" in problems[(2, "AMT_CREDIT")]
    assert "between 0 and 1" in problems[(2, "EXT_SOURCE_2")]
    assert "unknown category 'Q'" in problems[(3, "CODE_GENDER")]
    assert "NaN and infinity" in problems[(5, "DAYS_BIRTH")]
    assert problems[(4, "AMT_ANNUITY")].startswith("insufficient data")
    assert list(report.features.index) == [1]
    assert report.client_ids.tolist() == [toy_record["SK_ID_CURR"]]
    assert report.ignored_columns == ["COMMENT"]


def test_frame_flags_and_exact_ids(toy_record, toy_bundle):
    rows = [
        dict(toy_record, SK_ID_CURR=9007199254740993, FLAG_DOCUMENT_3="true"),
        dict(toy_record, SK_ID_CURR=""),
    ]
    report = validate_frame(read_clients_csv(io.StringIO(csv_of(toy_bundle, rows))), toy_bundle.schema)
    assert report.errors == []
    assert report.features.loc[1, "FLAG_DOCUMENT_3"] == 1.0
    assert report.client_ids.tolist() == [9007199254740993, None]  # exact, never through a float


def test_frame_missing_columns_rejected_with_list(toy_bundle):
    frame = read_clients_csv(io.StringIO("SK_ID_CURR,EXT_SOURCE_1\n1,0.5\n"))
    with pytest.raises(FileValidationError, match=r"lacks 12 feature column\(s\).*EXT_SOURCE_2"):
        validate_frame(frame, toy_bundle.schema)


def test_frame_target_recognised(toy_record, toy_bundle):
    text = csv_of(toy_bundle, [dict(toy_record, TARGET=1), dict(toy_record, TARGET=7)], extra={"TARGET": 0})
    report = validate_frame(read_clients_csv(io.StringIO(text)), toy_bundle.schema)
    assert report.ignored_columns == []
    assert [(e.row, e.field) for e in report.errors] == [(2, "TARGET")]
    assert report.target.tolist() == [1]


def test_frame_first_row_offset(toy_record, toy_bundle):
    text = csv_of(toy_bundle, [dict(toy_record, AMT_CREDIT="x")])
    report = validate_frame(read_clients_csv(io.StringIO(text)), toy_bundle.schema, first_row=101)
    assert report.errors[0].row == 101


def test_unreadable_csv(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(b"")
    with pytest.raises(FileValidationError, match="not a readable CSV"):
        read_clients_csv(path)


def test_problems_carry_their_code_and_speak_both_languages(toy_record, toy_bundle):
    from core import problem_text

    with pytest.raises(RecordValidationError) as info:
        validate_record(
            dict(toy_record, EXT_SOURCE_2=1.2, CODE_GENDER="Q", AMT_CREDIT="x"), toy_bundle.schema
        )
    by_field = {e.field: e.problem for e in info.value.errors}
    assert by_field["EXT_SOURCE_2"].startswith(
        "impossible value 1.2: must be between 0 and 1"
    )  # English as before
    assert problem_text(by_field["EXT_SOURCE_2"], "fr") == "valeur impossible 1.2 : doit être entre 0 et 1"
    assert problem_text(by_field["CODE_GENDER"], "fr").startswith(
        "catégorie inconnue 'Q' : valeurs possibles 'F', 'M'"
    )
    assert problem_text(by_field["AMT_CREDIT"], "fr") == "un nombre est attendu, reçu le texte 'x'"
    assert problem_text("a plain text", "fr") == "a plain text"
