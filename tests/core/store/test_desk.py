"""A scored file is logged row for row: the bulk path (one payload of inputs per chunk) reads back as
what the row-wise construction wrote."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

import core
from core.cli.score import read_csv_chunks
from core.store import Actor, DecisionDesk, Store
from core.store.chain import canonical

SAMPLE = Path(__file__).resolve().parents[3] / "examples" / "applications_sample.csv"


def _cells(frame: pd.DataFrame, i: int) -> dict:
    """The row-wise reading of the first version: one row of text cells, None for missing."""
    return {str(k): (None if pd.isna(v) else v) for k, v in frame.iloc[i].items()}


def _vector(features: pd.DataFrame, row: int) -> dict:
    out = {}
    for k, v in features.loc[row].items():
        v = v.item() if hasattr(v, "item") else v
        out[str(k)] = None if isinstance(v, float) and v != v else v
    return out


def _stored(store: Store) -> dict:
    return {
        r.decision_id: (r.kind, r.application, r.features, r.client_id, r.probability, r.decision, r.errors)
        for r in store.log.records(limit=1000)
    }


def _json(value: object) -> object:
    """What the per-row JSON log gave back for ``value``."""
    return json.loads(canonical(value))


def test_every_row_of_a_file_is_logged_as_the_row_wise_reading_says(app_bundle, tmp_path):
    store = Store.open(f"sqlite:///{tmp_path / 's.sqlite'}")
    desk = DecisionDesk(core.ScoringService(app_bundle, history=store.history), store)
    first, refused_apps = 1, []
    for frame in read_csv_chunks(SAMPLE, chunk_rows=30):  # 50 rows: two chunks, rows 1-30 and 31-50
        decided = desk.decide_frame(frame, first_row=first, channel="cli", actor=Actor("t", False))
        batch, stored = decided.batch, _stored(store)
        bad = sorted({e.row for e in batch.errors})
        assert decided.logged == len(batch.results) + len(bad)
        res = batch.results
        for row, did, cid, p, dec in zip(
            res["row"],
            decided.decision_ids,
            res["SK_ID_CURR"],
            res["probability"],
            res["decision"],
            strict=True,
        ):
            kind, application, features, client_id, probability, decision, _ = stored[did]
            assert kind == "decision"
            assert application == _json(_cells(frame, row - first))
            assert features == _json(_vector(batch.features, row))
            assert (client_id, probability, decision) == (None if cid is None else int(cid), float(p), dec)
        refused_apps += [canonical(_cells(frame, row - first)) for row in bad]
        first += len(frame)
    got = [canonical(r[1]) for r in _stored(store).values() if r[0] == "refused_input"]
    assert sorted(got) == sorted(refused_apps) and len(got) == 4
    assert store.log.count(kind="decision") == 46 and store.log.verify().ok
    assert all(r.errors and r.decision is None for r in store.log.records(kind="refused_input"))
