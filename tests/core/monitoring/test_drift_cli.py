"""``pad drift`` invoked through ``core.cli.main``, with the demo bundle."""

from __future__ import annotations

import io
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

import core.cli as cli
from core import DEMO_BUNDLE_DIR
from core.data.synthetic import generate

REPO = Path(__file__).resolve().parents[3]
SAMPLE = REPO / "examples" / "applications_sample.csv"
BUNDLE = ["--bundle", str(DEMO_BUNDLE_DIR)]


@pytest.fixture()
def pad(monkeypatch, capsys):
    """Run ``pad`` in-process; return (exit code, stdout, stderr)."""
    if "core.cli.drift" not in cli._COMMAND_MODULES:  # until core.cli registers the module itself
        monkeypatch.setattr(cli, "_COMMAND_MODULES", (*cli._COMMAND_MODULES, "core.cli.drift"))

    def run(*args: str) -> tuple[int, str, str]:
        code = cli.main(list(args))
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


@pytest.fixture(scope="module")
def synthetic_csv(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("drift") / "applications.csv"
    generate(300, 11)["application_train"].drop(columns="TARGET").to_csv(path, index=False)
    return path


def test_drift_of_the_examples_file(pad, tmp_path):
    out = tmp_path / "drift.html"
    code, stdout, stderr = pad("drift", "--current", str(SAMPLE), *BUNDLE, "--out", str(out), "--top", "5")
    assert code == 0, stderr
    assert "compared 46 of 50 applications; 4 rejected" in stderr
    assert "row 8: AMT_INCOME_TOTAL: expected a number" in stderr
    lines = stdout.splitlines()
    assert lines[0].startswith("drift of 46 rows (applications_sample.csv) against the reference of")
    assert lines[1].startswith("score (probability of default): PSI ")
    assert lines[2].startswith("features: ") and " stable, " in lines[2]
    assert len(lines) == 4 + 5  # header lines + the top 5
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


@pytest.mark.parametrize("suffix", [".json", ".csv"])
def test_drift_of_synthetic_applications_writes_the_report(pad, synthetic_csv, tmp_path, suffix):
    out = tmp_path / f"drift{suffix}"
    code, stdout, stderr = pad("drift", "--current", str(synthetic_csv), *BUNDLE, "--out", str(out))
    assert code == 0, stderr
    assert "compared 300 of 300 applications; 0 rejected" in stderr
    text = out.read_text(encoding="utf-8")
    if suffix == ".json":
        data = json.loads(text)
        assert data["n_current"] == 300 and data["source"] == "applications.csv"
        assert len(data["features"]) == 125
    else:
        frame = pd.read_csv(io.StringIO(text))
        assert len(frame) == 126 and frame["scope"].iloc[0] == "score"
        # the table printed is the top of the CSV's features
        top = [ln.split()[-1] for ln in stdout.splitlines()[4:]]
        assert top == frame["feature"].iloc[1 : 1 + len(top)].tolist()


def _fake_store(monkeypatch, frame: pd.DataFrame) -> list:
    calls: list = []

    class FakeStore:
        @staticmethod
        def decisions_frame(since, until):
            calls.append((since, until))
            return frame

    monkeypatch.setitem(sys.modules, "core.store", FakeStore)
    return calls


def test_drift_of_the_decision_log(pad, monkeypatch, make_log, tmp_path):
    calls = _fake_store(monkeypatch, make_log(250))
    out = tmp_path / "log.json"
    code, stdout, stderr = pad(
        "drift", "--since", "2026-03-01", "--until", "2026-03-03", *BUNDLE, "--out", str(out)
    )
    assert code == 0, stderr
    # --until with a date alone includes that day: the window ends at the next midnight, UTC
    assert calls == [(datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 4, tzinfo=UTC))]
    assert (
        "drift of 250 rows (decision log from 2026-03-01T00:00:00+00:00 to 2026-03-04T00:00:00+00:00)"
        in stdout
    )
    assert "decisions: 250 over 3 day(s)" in stdout and "latency api: p50 " in stdout
    assert len(json.loads(out.read_text())["daily"]) == 3


def test_since_with_an_offset_is_converted_to_utc(pad, monkeypatch, make_log):
    calls = _fake_store(monkeypatch, make_log(30))
    assert pad("drift", "--since", "2026-03-01T08:00+02:00", *BUNDLE)[0] == 0
    assert calls == [(datetime(2026, 3, 1, 6, 0, tzinfo=UTC), None)]


def test_an_empty_decision_log_window(pad, monkeypatch, make_log):
    _fake_store(monkeypatch, make_log(5).iloc[:0])
    code, _, stderr = pad("drift", "--since", "2026-03-01", *BUNDLE)
    assert code == 2
    assert "error: the decision log from 2026-03-01T00:00:00+00:00 to now holds no model decision" in stderr


def test_no_decision_log_yet(pad, monkeypatch):
    monkeypatch.setitem(sys.modules, "core.store", None)
    code, _, stderr = pad("drift", "--since", "2026-03-01", *BUNDLE)
    assert code == 2 and "error: the decision log is not available: " in stderr
    assert "Traceback" not in stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--current", "nowhere.csv"], "error: input file nowhere.csv does not exist."),
        (["--current", str(SAMPLE), "--out", "r.xlsx"], "'.xlsx' is not one of ['.csv', '.html', '.json']"),
        (["--since", "yesterday"], "error: 'yesterday' is not a date: give an ISO 8601 date"),
        (["--since", "2026-03-02", "--until", "2026-03-01"], "--until 2026-03-01 is not after --since"),
        (["--current", str(SAMPLE), "--until", "2026-03-01"], "error: --until needs --since"),
        (["--current", str(SAMPLE), "--bins", "0"], "--bins >= 1"),
    ],
)
def test_errors_are_one_line(pad, args, message):
    code, _, stderr = pad("drift", *args, *BUNDLE)
    assert code == 2 and message in stderr and "Traceback" not in stderr


def test_a_file_with_no_valid_row(pad, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "SK_ID_CURR,AMT_CREDIT,AMT_ANNUITY,AMT_INCOME_TOTAL,DAYS_BIRTH\n1,lots,1,1,-9000\n2,,1,1,-9000\n",
        encoding="utf-8",
    )
    code, _, stderr = pad("drift", "--current", str(bad), *BUNDLE)
    assert code == 2 and "error: no application of bad.csv could be scored (2 rows, all rejected)." in stderr


def test_current_and_since_are_exclusive(pad):
    with pytest.raises(SystemExit) as exc:
        pad("drift", "--current", str(SAMPLE), "--since", "2026-03-01")
    assert exc.value.code == 2
