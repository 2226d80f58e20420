"""``pad evaluate``: the report in the terminal, as JSON and as HTML, on the example and the real sample."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import HOMECREDIT, REPO


def _pad(*args, cwd):
    return subprocess.run([sys.executable, "-m", "core.cli", "evaluate", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=600)  # fmt: skip


def test_evaluate_the_demo_bundle_on_the_labelled_example(tmp_path):
    res = _pad("--bundle", str(REPO / "assets" / "demo_bundle"), "--data", str(REPO / "examples" / "labelled_sample.csv"),
               "--json", str(tmp_path / "r.json"), "--html", str(tmp_path / "r.html"), "--bootstrap", "20", cwd=REPO)  # fmt: skip
    assert res.returncode == 0, res.stderr[-2000:]
    for text in (
        "ROC AUC",
        "Gini",
        "KS",
        "Brier score",
        "at the bundle's",
        "at this data's optimum",
        "AGE_BAND",
        "CODE_GENDER",
    ):
        assert text in res.stdout
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["n"] == 549 and report["n_rejected"] == 0
    at = report["at_threshold"]
    assert at["tp"] + at["fp"] + at["tn"] + at["fn"] == report["n"]
    assert report["at_optimum"]["cost_per_client"] <= at["cost_per_client"]
    auc = report["figures"]["roc_auc"]
    assert auc["low"] <= auc["value"] <= auc["high"] and 0.6 < auc["value"] < 0.95
    assert {s["segment"] for s in report["segments"]} == {
        "NAME_CONTRACT_TYPE",
        "CODE_GENDER",
        "AGE_BAND",
        "NAME_INCOME_TYPE",
    }
    assert len(report["reliability"]) == 10
    page = (tmp_path / "r.html").read_text()
    assert page.count("data:image/png;base64,") == 3 and "Reliability" in page


def test_evaluate_on_the_real_sample_folder(tmp_path):
    if not (HOMECREDIT / "application_train.csv").exists():
        pytest.skip(f"real Home Credit sample not found at {HOMECREDIT}")
    res = _pad("--bundle", str(REPO / "assets" / "demo_bundle"), "--data", str(HOMECREDIT), "--json",
               str(tmp_path / "r.json"), "--bootstrap", "10", cwd=tmp_path)  # fmt: skip
    assert res.returncode == 0, res.stderr[-2000:]
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["n"] == 8936 and report["history_known"] > 0
    assert 0.7 < report["figures"]["roc_auc"]["value"] < 0.85


def test_evaluate_without_outcomes_says_so(tmp_path):
    res = _pad(
        "--bundle",
        str(REPO / "assets" / "demo_bundle"),
        "--data",
        str(REPO / "examples" / "applications_sample.csv"),
        cwd=REPO,
    )
    assert res.returncode == 2 and "no TARGET column" in res.stderr and "Traceback" not in res.stderr
