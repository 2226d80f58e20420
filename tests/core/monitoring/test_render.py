"""A drift report as JSON, CSV (spreadsheet-safe) and self-contained HTML."""

from __future__ import annotations

import dataclasses
import io
import json
import re

import pandas as pd
import pytest

from core.monitoring import drift_report, drift_report_from_log, numeric_psi, to_csv, to_html, to_json


@pytest.fixture(scope="module")
def report(demo_service):
    ref = demo_service.bundle.reference[demo_service.schema.names]
    current = ref.sample(n=400, random_state=2).copy()
    current["AMT_INCOME_TOTAL"] = current["AMT_INCOME_TOTAL"] * 3
    return drift_report(demo_service, current, source="sample <b>")


@pytest.fixture(scope="module")
def log_report(demo_service, make_log):
    return drift_report_from_log(demo_service, make_log(200))


def test_json_round_trips_without_nan(report, log_report):
    data = json.loads(to_json(report))
    assert data["bundle"] == {"name": report.bundle_name, "version": report.bundle_version}
    assert [f["name"] for f in data["features"]] == [f.name for f in report.features]
    assert data["counts"] == report.counts and data["score"]["psi"] == report.score.psi
    first = data["features"][0]["bins"][0]
    assert first["lower"] is None and set(first) >= {"label", "reference_share", "current_share"}
    assert data["daily"] is None
    logged = json.loads(to_json(log_report))
    assert logged["daily"][0]["day"] == "2026-03-01" and {r["channel"] for r in logged["latency"]} == {
        "api", "cli", "dashboard",
    }  # fmt: skip
    assert "NaN" not in to_json(log_report)


def test_csv_lists_the_score_then_the_features(report):
    frame = pd.read_csv(io.StringIO(to_csv(report)))
    assert list(frame.columns) == ["scope", "feature", "kind", "psi", "band", "n_reference", "n_current"]
    assert frame["scope"].tolist()[0] == "score" and frame["feature"].tolist()[0] == "probability"
    assert frame["feature"].tolist()[1:] == [f.name for f in report.features]
    assert frame["psi"].iloc[1] == pytest.approx(report.features[0].psi)


def test_csv_neutralises_spreadsheet_formulas(report):
    evil = numeric_psi(pd.Series([1.0, 2.0]), pd.Series([1.0]), name='=HYPERLINK("http://x")')
    text = to_csv(dataclasses.replace(report, features=(evil,)))
    assert "'=HYPERLINK" in text and "\n=HYPERLINK" not in text


def test_html_is_self_contained_and_escaped(report, log_report):
    page = to_html(report)
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert "<script" not in page and not re.search(r"(src|href)=", page) and "http" not in page
    assert "sample &lt;b&gt;" in page  # text is escaped
    assert page.count("<details") == len(report.features) + 1  # the score and each feature
    order = [page.index(f"<b>{f.name}</b>") for f in report.features]
    assert order == sorted(order)  # by PSI, highest first
    assert "#f6c6c2" in page or "#fbe7b5" in page  # band colours
    logged = to_html(log_report)
    assert "Decisions per day" in logged and "Latency per channel" in logged
