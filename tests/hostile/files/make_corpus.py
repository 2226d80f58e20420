"""Writes the hostile files of this folder (``python -m tests.hostile.files.make_corpus``).

The files are committed: this script only says how each was made. Rows come from
``examples/applications_sample.csv`` (synthetic applicants, never real clients).
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import io
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
SAMPLE = HERE.parents[2] / "examples" / "applications_sample.csv"


def _rows(n: int = 3) -> tuple[list[str], list[list[str]]]:
    with SAMPLE.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        return header, [next(reader) for _ in range(n)]


def _csv(header: list[str], rows: list[list[str]], *, sep: str = ",", end: str = "\n") -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=sep, lineterminator=end)
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def _set(header: list[str], row: list[str], **cells: str) -> list[str]:
    row = list(row)
    for name, value in cells.items():
        row[header.index(name)] = value
    return row


def _french(header: list[str], rows: list[list[str]]) -> list[list[str]]:
    """Numbers as a French Excel writes them: decimal comma, thousands grouped by no-break spaces."""
    out = []
    for row in rows:
        cells = []
        for cell in row:
            try:
                float(cell)
            except ValueError:
                cells.append(cell)
                continue
            if cell.lstrip("-").isdigit() and len(cell) > 6:  # an id stays as it is
                cells.append(cell)
                continue
            whole, _, frac = cell.partition(".")
            sign = "-" if whole.startswith("-") else ""
            digits = whole.lstrip("-")
            grouped = f"{int(digits):,}".replace(",", "\u00a0") if digits.isdigit() else digits
            cells.append(sign + grouped + ("," + frac if frac else ""))
        out.append(cells)
    return out


def main() -> None:
    header, rows = _rows()
    files: dict[str, bytes] = {}
    # 1: ids
    files["id_beyond_float.csv"] = _csv(
        header, [_set(header, rows[0], SK_ID_CURR="9007199254740993"), *rows[1:]]
    ).encode()
    files["empty_and_bad_id_in_chunk.csv"] = _csv(
        header, [rows[0], _set(header, rows[1], SK_ID_CURR=""), _set(header, rows[2], SK_ID_CURR="12abc")]
    ).encode()
    record = dict(zip(header, rows[0], strict=True))
    app = {k: (None if v == "" else v) for k, v in record.items()}
    for k, v in list(app.items()):
        if v is None:
            continue
        with contextlib.suppress(ValueError):
            app[k] = int(v) if v.lstrip("-").isdigit() else float(v)
    flags = [k for k in header if k.startswith(("FLAG_", "REG_", "LIVE_"))]
    typed = {k: (bool(v) if k in flags and isinstance(v, int) else v) for k, v in app.items()}
    files["id_beyond_float.json"] = json.dumps([{**typed, "SK_ID_CURR": 9007199254740993}]).encode()
    # 2: empty data
    files["id_only_row.csv"] = _csv(header, [[rows[0][0]] + [""] * (len(header) - 1), rows[1]]).encode()
    files["all_null.json"] = json.dumps([{k: None for k in header}]).encode()
    # 3: bounds and warnings
    files["impossible_amounts.csv"] = _csv(
        header,
        [_set(header, rows[0], AMT_ANNUITY="1e308"), _set(header, rows[1], EXT_SOURCE_1="3.5"), rows[2]],
    ).encode()
    files["outside_training_range.csv"] = _csv(
        header, [_set(header, rows[0], EXT_SOURCE_1="0.999"), *rows[1:]]
    ).encode()
    files["outside_training_range.json"] = json.dumps([{**typed, "EXT_SOURCE_1": 0.999}]).encode()
    # 4: French spreadsheet exports
    extra = [*header, "Commentaire"]
    fr_rows = [[*r, "dossier vérifié"] for r in _french(header, rows)]
    files["french_excel_cp1252.csv"] = _csv(extra, fr_rows, sep=";", end="\r\n").encode("cp1252")
    files["french_excel_utf8_bom.csv"] = b"\xef\xbb\xbf" + _csv(extra, fr_rows, sep=";", end="\r\n").encode()
    # 5: one bad line, duplicate names, duplicate ids and keys
    text = _csv(header, rows).splitlines()
    text[2] += ",extra,cells"
    files["ragged_line.csv"] = ("\n".join(text) + "\n").encode()
    dup = [h if h != "AMT_GOODS_PRICE" else "AMT_CREDIT" for h in header]
    files["duplicate_columns.csv"] = _csv(dup, rows).encode()
    files["duplicate_ids.csv"] = _csv(
        header, [rows[0], rows[1], _set(header, rows[2], SK_ID_CURR=rows[0][0])]
    ).encode()
    body = json.dumps(typed)[:-1] + ', "AMT_CREDIT": 500000.0}'
    files["duplicate_json_keys.json"] = f"[{body}]".encode()
    # 6: crashes
    files["deeply_nested.json"] = b"[" * 100_000 + b"]" * 100_000
    files["huge_integer.json"] = json.dumps([typed])[:-2].encode() + b', "AMT_CREDIT": ' + b"9" * 5000 + b"}]"
    labelled = [*header, "TARGET"]
    files["labelled_empty_target.csv"] = _csv(
        labelled, [[*rows[0], "0"], [*rows[1], ""], [*rows[2], "1"]]
    ).encode()
    files["labelled_no_target_value.csv"] = _csv(labelled, [[*r, ""] for r in rows]).encode()
    # 7: resource abuse
    files["long_cell.csv"] = _csv(
        header, [_set(header, rows[0], NAME_TYPE_SUITE="A" * 600_000), *rows[1:]]
    ).encode()
    files["long_column_name.csv"] = _csv([*header, "X" * 100_000], [[*r, "1"] for r in rows]).encode()
    bomb = io.BytesIO()
    with gzip.GzipFile(fileobj=bomb, mode="wb", mtime=0) as fh:
        fh.write(_csv(header, rows).encode())
        fh.write(("," * (len(header) - 1) + "\n").encode() * 40_000)  # 4.8 MB of empty rows
    files["zip_bomb.csv.gz"] = bomb.getvalue()
    # 8: spreadsheet formulas
    files["formula_cells.csv"] = _csv(
        [*header, "note"],
        [
            [*_set(header, rows[0], NAME_TYPE_SUITE="=cmd|' /C calc'!A0"), "x"],
            [*rows[1], '=HYPERLINK("http://x")'],
            [*rows[2], "ok"],
        ],
    ).encode()
    files["formula_in_id.csv"] = _csv(
        header,
        [
            _set(header, rows[0], SK_ID_CURR="=1+2"),
            _set(header, rows[1], OCCUPATION_TYPE="@SUM(A1)"),
            rows[2],
        ],
    ).encode()
    # 15: many extra columns
    wide = [*header, *(f"X_{i:04d}" for i in range(700))]
    files["many_extra_columns.csv"] = _csv(wide, [[*r, *["1"] * 700] for r in rows]).encode()
    for name, data in files.items():
        (HERE / name).write_bytes(data)


if __name__ == "__main__":
    main()
