"""The compact log (one payload of inputs per batch): it reads back as the per-row JSON log, its hashes
chain, and an edited payload is found by ``verify``."""

from __future__ import annotations

import json
import sqlite3
import uuid
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import core
from core.cli.score import read_csv_chunks
from core.store import Actor, DecisionDesk, Store
from core.store.chain import canonical, prepare_batch, row_hash
from core.store.inputs import DecodedInputs, encode

SAMPLE = Path(__file__).resolve().parents[3] / "examples" / "applications_sample.csv"
ACTOR = Actor("t", authenticated=True)
#: what differs between two logs of the same entries
VARYING = {"seq", "decision_id", "created_at", "input_hash", "prev_hash", "row_hash"}


def _same(compact: list, rowwise: list) -> None:
    assert len(compact) == len(rowwise)
    for a, b in zip(compact, rowwise, strict=True):
        x, y = asdict(a), asdict(b)
        for name in VARYING:
            x.pop(name), y.pop(name)
        assert x == y


def _desk(path: Path, bundle) -> DecisionDesk:  # type: ignore[no-untyped-def]
    store = Store.open(f"sqlite:///{path}")
    service = core.ScoringService(
        bundle, history=store.history, grey_zone=None
    )  # the log format, not reviews
    return DecisionDesk(service, store)


@pytest.mark.parametrize("explain", [False, True])
def test_a_scored_file_reads_back_as_the_row_wise_log(app_bundle, tmp_path, explain):
    compact, rowwise = _desk(tmp_path / "a.sqlite", app_bundle), _desk(tmp_path / "b.sqlite", app_bundle)
    first, ids = 1, []
    for frame in read_csv_chunks(SAMPLE, chunk_rows=30):  # two chunks, refused rows among them
        decided = compact.decide_frame(frame, first_row=first, channel="cli", actor=ACTOR, explain=explain)
        cells = [
            {str(k): (None if pd.isna(v) else v) for k, v in frame.iloc[i].items()} for i in range(len(frame))
        ]
        entries = rowwise.batch_entries(
            decided.batch,
            lambda row, cells=cells, first=first: cells[row - first],
            channel="cli",
            actor=ACTOR,
            latency_ms=1.0,
        )
        rowwise.store.log.append_batch(entries)
        first += len(frame)
        ids += decided.decision_ids
    a = compact.store.log.records(limit=100)
    b = rowwise.store.log.records(limit=100)
    for r in a:  # the latency is the chunk's, not the test's 1.0
        if r.latency_ms is not None:
            object.__setattr__(r, "latency_ms", 1.0)
    _same(a, b)
    assert {r.kind for r in a} == {"decision", "refused_input"}
    assert ids == [r.decision_id for r in reversed(a) if r.kind == "decision"]
    assert compact.store.log.verify().ok
    one = compact.store.log.get(a[3].decision_id)
    assert one is not None and one.application == a[3].application and one.features == a[3].features
    fa, fb = compact.store.log.frame(), rowwise.store.log.frame()
    features = sorted(app_bundle.schema.names)
    pd.testing.assert_frame_equal(
        fa[features].astype(float, errors="ignore"),
        fb[features].astype(float, errors="ignore"),
        check_dtype=False,
    )


def test_records_keep_their_json_and_an_edit_is_found(app_bundle, tmp_path):
    desk = _desk(tmp_path / "c.sqlite", app_bundle)
    rows = list(read_csv_chunks(SAMPLE, chunk_rows=50))[0].head(3)
    records = [{k: v for k, v in r.items() if not pd.isna(v)} for r in rows.to_dict("records")]
    records.append("not an application")  # refused, kept as given
    decided = desk.decide_records(records, channel="api", actor=ACTOR)
    logged = {r.decision_id: r for r in desk.store.log.records(limit=10)}
    assert [logged[i].application for i in decided.decision_ids if i] == [
        json.loads(canonical(r)) for r in records[: decided.batch.n_scored]
    ]
    assert any(r.application == "not an application" and r.kind == "refused_input" for r in logged.values())
    assert desk.store.log.verify().ok
    for r in logged.values():  # the row's hash covers its inputs' hash and its row in them
        raw = {**asdict(r), "inputs_id": "x" * 32, "inputs_row": 0}
        assert row_hash(raw) != r.row_hash
    path = tmp_path / "c.sqlite"
    desk.store.log.close()
    with sqlite3.connect(path) as conn:  # an edit around the triggers
        conn.execute("DROP TRIGGER decision_inputs_no_update")
        payload = conn.execute("SELECT payload FROM decision_inputs").fetchone()[0]
        conn.execute("UPDATE decision_inputs SET payload = ?", (payload[:-1] + bytes([payload[-1] ^ 1]),))
    report = Store.open(f"sqlite:///{path}").log.verify()
    assert not report.ok and "inputs" in (report.problem or "")


def test_payload_round_trip_matches_canonical_json():
    app = pd.DataFrame(
        {"B": pd.array(["x", None, 'q"\\'], dtype="str"), "A": pd.array(["1", "2", None], dtype="str")}
    )
    features = pd.DataFrame(
        {"f": [1.5, np.nan, np.inf], "c": ["u", None, "v"], "i": np.array([1, 2, 3])}, index=[7, 8, 9]
    )
    decoded = DecodedInputs(encode(app, features.iloc[[0, 2]], [0, 2]).payload)
    for i in range(3):
        cells = {k: (None if pd.isna(v) else v) for k, v in app.iloc[i].items()}
        assert decoded.application(i) == json.loads(canonical(cells))
        assert list(decoded.application(i)) == ["A", "B"]  # sorted, as canonical JSON
    assert decoded.features(0) == {"c": "u", "f": 1.5, "i": 1}
    assert decoded.features(1) is None  # a refused row has no vector
    assert decoded.features(2) == {"c": "v", "f": None, "i": 3}  # infinity is null, as in JSON


def test_batch_rows_hash_as_their_columns_say():
    header = ("cli", 'o"f\\f é\n', True, "b 🏦", "v\u2028", "a" * 64, 0.5)
    rows = [("decision", 12, 0.1 + 0.2, 1 / 3, "ACCEPTED", canonical([{"f": 'x"'}]), "[]", 0),
            ("refused_input", None, None, None, None, "[]", canonical([{"p": "\\"}]), 1)]  # fmt: skip
    prepared = prepare_batch(header, rows, "c" * 32, "d" * 64)
    assert all(
        p.rest == json.dumps(p.values, separators=(",", ":"), ensure_ascii=False)[1:-1] for p in prepared
    )
    ids = [p.decision_id for p in prepared]
    assert all(uuid.UUID(i).version == 4 and uuid.UUID(i).hex == i for i in ids) and len(set(ids)) == 2


def test_both_engines_write_and_read_the_compact_rows(app_bundle, db_url):
    store = Store.open(db_url)
    desk = DecisionDesk(core.ScoringService(app_bundle, history=store.history, grey_zone=None), store)
    frame = next(iter(read_csv_chunks(SAMPLE, chunk_rows=20)))
    decided = desk.decide_frame(frame, first_row=1, channel="cli", actor=ACTOR)
    store.log.append(entry_after := _one(decided))  # a single row after the batch: the chain goes on
    records = {r.decision_id: r for r in store.log.records(limit=50)}
    first = records[decided.decision_ids[0]]
    row = decided.batch.results["row"].iloc[0] - 1
    cells = {str(k): (None if pd.isna(v) else v) for k, v in frame.iloc[row].items()}
    assert first.application == json.loads(canonical(cells)) and first.features
    assert len(records) == decided.logged + 1 and entry_after.officer == "t"
    assert store.log.verify().ok and store.log.verify().rows == decided.logged + 1


def _one(decided):  # type: ignore[no-untyped-def]
    from core.store import NewDecision

    return NewDecision(channel="api", kind="decision", officer="t", authenticated=True, client_id=1,
                       application={"x": 1}, probability=0.5, threshold=0.5, decision="REFUSED")  # fmt: skip


@pytest.mark.parametrize("n", [0, 1, 49, 50, 51, 137])
def test_records_are_encoded_a_few_at_a_time_byte_for_byte(n):
    """The payload's JSON of a batch of records equals ``canonical`` of the whole list (NaN, nested
    values, unicode included), though json's encoder is called on a few records at a time."""
    from core.store.inputs import RECORDS_PER_CALL, records_json

    rng = np.random.default_rng(n)
    records = [
        {"SK_ID_CURR": 100_000 + i, "AMT": float(rng.normal()) if i % 7 else float("nan"),
         "NAME": "é\"\\x" * (i % 3), "NESTED": {"b": [1, None, True], "a": i}, "Z": None}
        for i in range(n)
    ]  # fmt: skip
    assert RECORDS_PER_CALL == 50
    assert records_json(records) == canonical(records)
    assert json.loads(records_json(records)) == json.loads(canonical(records))


def test_a_batch_recorded_under_a_chosen_reference_is_found_by_it(tmp_path, app_bundle):
    desk = _desk(tmp_path / "s.sqlite", app_bundle)
    records = [core.ScoringService(app_bundle).example_record()] * 3
    reference = uuid.uuid4().hex
    assert not desk.store.log.batch_recorded(reference)
    decided = desk.decide_records(records, channel="api", actor=ACTOR, batch_id=reference)
    assert desk.store.log.batch_recorded(reference) and not desk.store.log.batch_recorded(uuid.uuid4().hex)
    with sqlite3.connect(tmp_path / "s.sqlite") as conn:
        pointed = {r[0] for r in conn.execute("SELECT inputs_id FROM decisions WHERE kind = 'decision'")}
    assert pointed == {reference} and len(decided.decision_ids) == 3
