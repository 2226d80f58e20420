"""Chunks decided in overlapping threads give what one step after the other gives, in order, with the
review marks of a chunk in the same transaction as its decisions, and a log that verifies."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import pandas as pd
import pytest

import core
from core.cli.score import read_csv_chunks
from core.serving.review import GreyZone
from core.store import Actor, DecisionDesk, Store
from core.store.desk import DecidedBatch
from core.store.pipeline import decide_chunks

SAMPLE = Path(__file__).resolve().parents[3] / "examples" / "applications_sample.csv"
ACTOR = Actor("t", authenticated=True)
#: what differs between two logs of the same rows
VARYING = {
    "seq",
    "decision_id",
    "created_at",
    "input_hash",
    "prev_hash",
    "row_hash",
    "latency_ms",
    "overrides",
}


def _desk(url: str, bundle) -> DecisionDesk:  # type: ignore[no-untyped-def]
    store = Store.open(url)
    zone = GreyZone(low=0.2, high=0.6, source="configured", review_cost=1.0)  # some rows of each chunk
    return DecisionDesk(core.ScoringService(bundle, history=store.history, grey_zone=zone), store)


def _run(desk: DecisionDesk, overlap: bool, explain: bool = False) -> list[DecidedBatch]:
    out: list[DecidedBatch] = []
    decide_chunks(
        desk, read_csv_chunks(SAMPLE, 13), channel="cli", actor=ACTOR, explain=explain, on_decided=out.append,
        overlap=overlap,
    )  # fmt: skip
    return out


def _rows(desk: DecisionDesk) -> list[dict]:
    rows = []
    for r in reversed(desk.store.log.records(limit=1000)):
        row = asdict(r)
        for name in VARYING:
            row.pop(name)
        rows.append(row)
    return rows


@pytest.mark.parametrize("explain", [False, True])
def test_overlapped_chunks_equal_one_step_after_the_other(app_bundle, tmp_path, explain):
    a = _desk(f"sqlite:///{tmp_path / 'a.sqlite'}", app_bundle)
    b = _desk(f"sqlite:///{tmp_path / 'b.sqlite'}", app_bundle)
    overlapped, sequential = _run(a, True, explain), _run(b, False, explain)
    assert len(overlapped) == len(sequential) > 3
    for x, y in zip(overlapped, sequential, strict=True):
        pd.testing.assert_frame_equal(x.batch.results, y.batch.results)
        assert x.batch.errors == y.batch.errors and x.batch.warnings == y.batch.warnings
        assert x.batch.reasons == y.batch.reasons
        assert (x.logged, x.to_review) == (y.logged, y.to_review)
    assert sum(d.to_review for d in overlapped) > 0  # the grey zone is exercised
    assert _rows(a) == _rows(b)
    assert a.store.log.verify().ok and b.store.log.verify().ok


def test_review_marks_point_at_their_decisions_in_the_same_write(app_bundle, db_url):
    desk = _desk(db_url, app_bundle)
    decided = _run(desk, True)
    ids = [i for d in decided for i in d.decision_ids]
    records = list(reversed(desk.store.log.records(limit=1000)))
    marks = [r for r in records if r.kind == "review_open"]
    assert len(marks) == sum(d.to_review for d in decided) > 0
    assert {m.overrides for m in marks} <= set(ids)
    for m in marks:  # each chunk's marks come right after its decisions and refused rows
        before = [r for r in records if r.seq < m.seq and r.kind != "review_open"]
        assert before[-1].created_at == m.created_at
    queue = desk.store.log.review_queue(status="open")
    assert len(queue) == len(marks)
    assert desk.store.log.verify().ok


def test_a_stop_hands_over_every_chunk_already_logged(app_bundle, tmp_path):
    desk = _desk(f"sqlite:///{tmp_path / 'c.sqlite'}", app_bundle)

    def chunks():  # type: ignore[no-untyped-def]
        for i, chunk in enumerate(read_csv_chunks(SAMPLE, 13)):
            if i == 3:
                raise KeyboardInterrupt
            yield chunk

    out: list[DecidedBatch] = []
    with pytest.raises(KeyboardInterrupt):
        decide_chunks(desk, chunks(), channel="cli", actor=ACTOR, on_decided=out.append)
    logged = desk.store.log.count(kind="decision")
    assert len(out) == 3 and sum(d.batch.n_scored for d in out) == logged
