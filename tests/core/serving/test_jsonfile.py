"""JSON documents of applications: named errors for what Python's reader would crash on, duplicate keys."""

from __future__ import annotations

import pytest

from core.errors import FileValidationError
from core.serving.jsonfile import parse_json_records


def test_one_record_or_a_list():
    assert parse_json_records('{"a": 1}').records == [{"a": 1}]
    assert parse_json_records(b'[{"a": 1}, {"b": 2}]').records == [{"a": 1}, {"b": 2}]


def test_duplicate_keys_are_named_by_record():
    parsed = parse_json_records('[{"a": 1}, {"a": 1, "b": 2, "a": 3, "a": 4}]')
    assert parsed.records[1] == {"a": 4, "b": 2}  # the last value, as every JSON reader keeps it
    assert parsed.duplicate_keys == {2: [("a", 3)]}


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ('{"AMT_CREDIT": ' + "9" * 5000 + "}", "an integer of more than 4,300 digits"),
        ('{"a": ', "is not valid JSON"),
        (b"\xff\xfe{", "not valid JSON"),
    ],
)
def test_unusable_documents_are_one_named_error(text, match):
    with pytest.raises(FileValidationError, match=match):
        parse_json_records(text, "clients.json")


def test_a_long_document_error_is_cut():
    with pytest.raises(FileValidationError) as info:
        parse_json_records('{"a": "' + "x" * 1_000_000)
    assert len(str(info.value)) < 400
