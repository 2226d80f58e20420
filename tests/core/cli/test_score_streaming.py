"""``pad score`` writes each chunk as soon as it is scored: flat memory, and a stopped run keeps its work."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from core.cli import main, score


@pytest.fixture()
def clients_csv(toy_bundle, tmp_path) -> Path:
    path = tmp_path / "clients.csv"
    frame = toy_bundle.reference.head(25).copy()
    frame["AMT_CREDIT"] = frame["AMT_CREDIT"].astype(object)
    frame.loc[13, "AMT_CREDIT"] = "lots"  # one refused row, in the second chunk
    frame.to_csv(path, index=False)
    return path


def _small_chunks(monkeypatch: pytest.MonkeyPatch, spy) -> None:
    monkeypatch.setattr(score, "CHUNK_ROWS", 10)
    monkeypatch.setattr(score, "EXPLAIN_CHUNK_ROWS", 10)
    monkeypatch.setattr(score, "read_csv_chunks", spy)


@pytest.mark.parametrize("explain", [False, True])
def test_each_chunk_is_on_disk_before_the_next_is_read(
    toy_bundle_dir, clients_csv, tmp_path, monkeypatch, explain
):
    """One step after the other (``OVERLAP = False``): a chunk's rows are written before the next is read."""
    out = tmp_path / "scores.csv"
    written: list[int] = []
    read = score.read_csv_chunks

    def spy(path: Path, rows: int):
        for chunk in read(path, rows):
            written.append(len(pd.read_csv(out)) if out.exists() else -1)
            yield chunk

    _small_chunks(monkeypatch, spy)
    monkeypatch.setattr(score, "OVERLAP", False)
    args = ["score", str(clients_csv), "--bundle", str(toy_bundle_dir), "-o", str(out)]
    assert main(args + (["--explain"] if explain else [])) == 0
    assert written == [-1, 10, 19]  # rows 1-10 written before rows 11-20 are read; row 14 refused
    scores = pd.read_csv(out)
    assert scores["row"].tolist() == [r for r in range(1, 26) if r != 14]
    assert ("reasons_toward_default" in scores.columns) == explain


def test_overlapped_chunks_stay_a_few_behind_the_reader(toy_bundle, toy_bundle_dir, tmp_path, monkeypatch):
    """Reading, scoring and logging overlap: the reader is at most three chunks ahead of the output
    (one read ahead, one scored, one being logged), so memory stays flat in the file's size."""
    path, out = tmp_path / "clients.csv", tmp_path / "scores.csv"
    toy_bundle.reference.head(60).to_csv(path, index=False)
    written: list[int] = []
    read = score.read_csv_chunks

    def spy(source, rows: int):
        for chunk in read(source, rows):
            written.append(len(out.read_text().splitlines()) - 1 if out.exists() else 0)
            yield chunk

    _small_chunks(monkeypatch, spy)
    assert main(["score", str(path), "--bundle", str(toy_bundle_dir), "-o", str(out)]) == 0
    assert len(written) == 6
    assert all(rows >= 10 * (k - 3) for k, rows in enumerate(written)), written
    assert pd.read_csv(out)["row"].tolist() == list(range(1, 61))


def test_a_stopped_run_keeps_the_chunks_it_finished(
    toy_bundle_dir, clients_csv, tmp_path, monkeypatch, capsys
):
    out = tmp_path / "scores.csv"
    read = score.read_csv_chunks

    def interrupted(path: Path, rows: int):
        for i, chunk in enumerate(read(path, rows)):
            if i == 2:
                raise KeyboardInterrupt
            yield chunk

    _small_chunks(monkeypatch, interrupted)
    assert main(["score", str(clients_csv), "--bundle", str(toy_bundle_dir), "-o", str(out)]) == 130
    kept = pd.read_csv(out)
    assert kept["row"].tolist() == [r for r in range(1, 21) if r != 14]
    assert f"stopped: the 19 rows scored so far are written to {out}" in capsys.readouterr().err


def test_a_file_without_rows_still_gets_the_header(toy_bundle, toy_bundle_dir, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text(",".join(["SK_ID_CURR", *toy_bundle.schema.names]) + "\n")
    out = tmp_path / "scores.csv"
    assert main(["score", str(path), "--bundle", str(toy_bundle_dir), "-o", str(out)]) == 1
    assert out.read_text().splitlines() == [",".join(score.TABLE_COLUMNS)]


def test_ids_of_a_csv_come_out_exactly_as_they_went_in(toy_bundle, toy_bundle_dir, tmp_path):
    """Beyond 2**53 and up to 2**63 - 1, or written 100002.0 by a spreadsheet: never through a float."""
    frame = toy_bundle.reference.head(4).astype(object)
    frame["SK_ID_CURR"] = ["9007199254740993", "9223372036854775807", "100002.0", "9223372036854775808"]
    path, out = tmp_path / "ids.csv", tmp_path / "scores.csv"
    frame.to_csv(path, index=False)
    assert main(["score", str(path), "--bundle", str(toy_bundle_dir), "-o", str(out)]) == 0
    scores = pd.read_csv(out, dtype={"SK_ID_CURR": str})
    assert scores["SK_ID_CURR"].tolist() == ["9007199254740993", "9223372036854775807", "100002"]
    assert scores["row"].tolist() == [1, 2, 3]  # 2**63 is not a valid id: row 4 is refused
