"""``pad score`` invoked as a command."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import core

REPO = Path(__file__).resolve().parents[3]


def pad(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "core.cli", *args], cwd=REPO, capture_output=True, text=True, timeout=180
    )


@pytest.fixture()
def clients_csv(toy_bundle, tmp_path) -> Path:
    ref = toy_bundle.reference.head(30).copy()
    ref["AMT_CREDIT"] = ref["AMT_CREDIT"].astype(object)
    ref.loc[4, "AMT_CREDIT"] = "lots"
    ref.loc[9, "EXT_SOURCE_2"] = 1.7
    ref["NOTE"] = "=1+1"
    path = tmp_path / "clients.csv"
    ref.to_csv(path, index=False)
    return path


def test_score_csv_reports_bad_rows_and_scores_the_rest(toy_bundle_dir, clients_csv, tmp_path):
    out = tmp_path / "scores.csv"
    res = pad("score", str(clients_csv), "--bundle", str(toy_bundle_dir), "-o", str(out))
    assert res.returncode == 0, res.stderr
    assert "row 5: AMT_CREDIT: expected a number, got the text 'lots'" in res.stderr
    assert "row 10: EXT_SOURCE_2: impossible value 1.7: must be between 0 and 1" in res.stderr
    assert "scored 28 of 30 clients; 2 rejected" in res.stderr
    scores = pd.read_csv(out)
    assert list(scores.columns) == core.TABLE_COLUMNS
    assert len(scores) == 28 and set(scores["decision"]) <= {"ACCEPTED", "REFUSED"}
    assert "ignored 1 unknown column(s): NOTE" in res.stderr


def test_score_explain_to_stdout(toy_bundle_dir, clients_csv):
    res = pad("score", str(clients_csv), "--bundle", str(toy_bundle_dir), "--explain", "--lang", "fr")
    assert res.returncode == 0, res.stderr
    scores = pd.read_csv(io.StringIO(res.stdout))
    assert {"reasons_toward_default", "reasons_toward_repayment"} <= set(scores.columns)
    assert scores["reasons_toward_default"].str.contains("risque").any()


def test_score_json_record_and_list(toy_bundle_dir, toy_record, tmp_path):
    one = tmp_path / "one.json"
    one.write_text(json.dumps(toy_record))
    res = pad("score", str(one), "--bundle", str(toy_bundle_dir))
    assert res.returncode == 0, res.stderr
    assert pd.read_csv(io.StringIO(res.stdout))["SK_ID_CURR"].tolist() == [toy_record["SK_ID_CURR"]]
    many = tmp_path / "many.json"
    many.write_text(json.dumps([toy_record, dict(toy_record, CODE_GENDER="?")]))
    res = pad("score", str(many), "--bundle", str(toy_bundle_dir))
    assert res.returncode == 0 and "row 2: CODE_GENDER: unknown category '?'" in res.stderr


def test_nothing_scored_exits_nonzero(toy_bundle_dir, toy_record, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([dict(toy_record, EXT_SOURCE_1="x")]))
    res = pad("score", str(bad), "--bundle", str(toy_bundle_dir))
    assert res.returncode == 1
    assert "scored 0 of 1 clients" in res.stderr


@pytest.mark.parametrize(
    ("content", "suffix", "match"),
    [
        ("SK_ID_CURR,EXT_SOURCE_1\n1,0.5\n", ".csv", "lacks 12 feature column"),
        ("{not json", ".json", "not valid JSON"),
    ],
)
def test_unusable_files_give_one_clear_error(toy_bundle_dir, tmp_path, content, suffix, match):
    path = tmp_path / f"in{suffix}"
    path.write_text(content)
    res = pad("score", str(path), "--bundle", str(toy_bundle_dir))
    assert res.returncode == 2
    assert match in res.stderr and "Traceback" not in res.stderr


def test_missing_input_and_bad_bundle(tmp_path):
    res = pad("score", str(tmp_path / "none.csv"))
    assert res.returncode == 2 and "does not exist" in res.stderr
    (tmp_path / "x.csv").write_text("a\n1\n")
    res = pad("score", str(tmp_path / "x.csv"), "--bundle", str(tmp_path))
    assert res.returncode == 2 and "manifest.json is missing" in res.stderr


def test_seed_payload_scores_against_a_legacy_bundle(seed_reference, tmp_path):
    """The original project's real payload, through ``pad score``, on a bundle in its four-file format."""
    from core.serving.bundle import LEGACY_FILES
    from tests.core.test_bundle import _legacy_folder

    names = (seed_reference / LEGACY_FILES["kept"]).read_text().split("\n")
    cats = (seed_reference / LEGACY_FILES["cat"]).read_text().split()
    folder = _legacy_folder(tmp_path / "legacy", names, cats)
    res = pad("score", str(seed_reference / "examples" / "input_example.json"), "--bundle", str(folder))
    assert res.returncode == 0, res.stderr
    scores = pd.read_csv(io.StringIO(res.stdout))
    assert scores["SK_ID_CURR"].tolist() == [100001] and scores["history"].tolist() == ["not_applicable"]
    assert "scored 1 of 1 clients; 0 rejected" in res.stderr
