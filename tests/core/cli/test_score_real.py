"""The real file, as Home Credit ships it: ``pad score application_test.csv`` with the demo bundle."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from core import DEMO_BUNDLE_DIR, TABLE_COLUMNS, load_bundle, load_settings
from tests.conftest import HOMECREDIT, REPO

pytestmark = pytest.mark.realdata
REQUIRED = ["AMT_CREDIT", "AMT_ANNUITY", "AMT_INCOME_TOTAL", "DAYS_BIRTH"]


@pytest.fixture(scope="module")
def real_test_file():
    path = HOMECREDIT / "application_test.csv"
    if not path.is_file():
        pytest.skip(f"real Home Credit samples not found at {HOMECREDIT}")
    return path


def test_pad_score_scores_every_valid_row_of_the_real_file(real_test_file, tmp_path):
    out = tmp_path / "scores.csv"
    res = subprocess.run(
        [sys.executable, "-m", "core.cli", "score", str(real_test_file), "-o", str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    raw = pd.read_csv(real_test_file, dtype=str)
    valid = raw[REQUIRED].notna().all(axis=1)
    scores = pd.read_csv(out, dtype={"SK_ID_CURR": str})
    assert list(scores.columns) == TABLE_COLUMNS
    assert len(scores) == int(valid.sum()) and len(scores) > 6000
    assert scores["SK_ID_CURR"].tolist() == raw.loc[valid, "SK_ID_CURR"].tolist()  # the ids as written
    assert set(scores["decision"]) == {"ACCEPTED", "REFUSED"}
    assert set(scores["history"]) == {"none"}  # real applicants are unknown to the demo's synthetic store
    rejected = [ln for ln in res.stderr.splitlines() if ln.startswith("row ")]
    assert all("insufficient data" in ln for ln in rejected)
    assert "Traceback" not in res.stderr


def test_post_predict_takes_a_real_row_as_json(real_test_file):
    bundle = load_bundle(DEMO_BUNDLE_DIR)
    with real_test_file.open(encoding="utf-8", newline="") as fh:
        row = next(r for r in csv.DictReader(fh) if r["OCCUPATION_TYPE"] == "")  # a null category too
    record: dict = {"SK_ID_CURR": int(row.pop("SK_ID_CURR"))}
    for name, text in row.items():
        spec = bundle.schema.get(name)
        if text == "":
            record[name] = None
        elif spec.kind == "categorical":
            record[name] = text
        elif spec.kind == "boolean":
            record[name] = text == "1"
        else:
            record[name] = float(text)
    with TestClient(create_app(bundle=bundle, settings=load_settings())) as client:
        res = client.post(
            "/predict", content=json.dumps(record), headers={"content-type": "application/json"}
        )
    assert res.status_code == 200, res.json()
    body = res.json()
    assert body["client_id"] == record["SK_ID_CURR"] and body["history"] == "none"
    assert "OCCUPATION_TYPE" in body["missing_fields"]
