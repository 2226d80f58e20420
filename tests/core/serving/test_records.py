"""The column-wise check of JSON records against its judge, ``validate_record`` one record at a time."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from core.errors import RecordValidationError
from core.serving import records as records_module
from core.serving.records import check_records
from core.serving.service import ScoringService
from core.serving.validation import RowError, validate_record


def _row_wise(records, schema):  # type: ignore[no-untyped-def]
    """How ``score_records`` validated a batch before: one ``validate_record`` per record."""
    errors, warnings, rows, ids, values = [], [], [], [], []
    for i, record in enumerate(records, start=1):
        try:
            valid = validate_record(record, schema)
        except RecordValidationError as exc:
            errors += [RowError(i, e.field, e.problem, e.value) for e in exc.errors]
            continue
        warnings += [RowError(i, w.field, w.message, w.value) for w in valid.warnings]
        rows.append(i)
        ids.append(valid.client_id)
        values.append(valid.values)
    return rows, ids, pd.DataFrame(values, columns=[s.name for s in schema.fields]), errors, warnings


def _broken(good: dict, schema) -> list:  # type: ignore[no-untyped-def]
    """Records that each break (or warn about) one thing, every kind of field."""
    spec = {s.kind: s for s in schema.fields}
    num = next(s for s in schema.fields if s.kind == "numeric" and s.domain_min is not None)
    whole = next((s for s in schema.fields if s.kind == "numeric" and s.integer), num)
    ranged = next(s for s in schema.fields if s.kind == "numeric" and s.max is not None)
    cat = next(s for s in schema.fields if s.kind == "categorical" and s.categories)
    out: list = [
        "not an object", [1, 2], None, {}, {**good, "NOT_A_FIELD": 1}, {**good, 3: 1},
        {**good, num.name: "12"}, {**good, num.name: True}, {**good, num.name: math.nan},
        {**good, num.name: math.inf}, {**good, num.name: num.domain_min - 1}, {**good, num.name: 10**400},
        {**good, whole.name: 0.5}, {**good, ranged.name: ranged.max + abs(ranged.max) + 1},
        {**good, cat.name: "Astronaut"}, {**good, cat.name: 3}, {**good, cat.name: schema.missing_category},
        {**good, "SK_ID_CURR": True}, {**good, "SK_ID_CURR": 0}, {**good, "SK_ID_CURR": 2**70},
        {**good, "SK_ID_CURR": "100002"}, {k: v for k, v in good.items() if k != "SK_ID_CURR"},
        {**good, num.name: None}, {**good, num.name: 3}, {**good, cat.name: ["a"]}, {**good, num.name: {"x": 1}},
        {**good, cat.name: None},
    ]  # fmt: skip
    if "boolean" in spec:
        flag = spec["boolean"].name
        out += [{**good, flag: 1}, {**good, flag: 0.0}, {**good, flag: 2}, {**good, flag: "yes"}]
    for s in schema.fields:
        if s.required:
            out.append({**good, s.name: None})
            break
    return out


@pytest.fixture(scope="module")
def app_service(app_bundle):  # type: ignore[no-untyped-def]
    return ScoringService(app_bundle)


def test_records_are_checked_as_one_by_one(app_service, monkeypatch):
    schema = app_service.schema
    judged = []
    monkeypatch.setattr(
        records_module, "validate_record", lambda r, s: judged.append(r) or validate_record(r, s)
    )
    good = [app_service.record_of(i) for i in app_service.known_ids()[:40]]
    records = good[:20] + _broken(good[0], schema) + good[20:]
    rows, ids, frame, errors, warnings = _row_wise(records, schema)
    got = check_records(records, schema)
    assert len(judged) <= len(records) - 40 + 2  # clean records never reach the judge
    assert got.rows == rows and got.client_ids == ids
    assert got.errors == errors and got.warnings == warnings and errors and warnings
    inputs = pd.DataFrame(got.columns, columns=[s.name for s in schema.fields])
    pd.testing.assert_frame_equal(inputs, frame)
    batch = app_service.score_records(records)
    assert batch.results["row"].tolist() == rows
    assert batch.results["probability"].tolist() == [
        app_service.score(records[r - 1], explain=False).probability for r in rows
    ]


def test_an_empty_batch_and_a_batch_of_errors(app_service):
    assert check_records([], app_service.schema).rows == []
    got = check_records([None, "x"], app_service.schema)
    assert got.rows == [] and [e.row for e in got.errors] == [1, 2]
