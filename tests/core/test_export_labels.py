"""Safe CSV export and human formatting."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from core.export import neutralise_formulas, to_safe_csv
from core.serving.presentation import days_to_years, format_value, label, years_to_days


@pytest.mark.parametrize("cell", ["=1+1", "+cmd", "-2+3", "@SUM(A1)", "\tx", "\r=1"])
def test_formula_cells_are_neutralised(cell):
    out = neutralise_formulas(pd.DataFrame({"text": [cell, "fine"], "num": [-1.5, 2.0]}))
    assert out["text"].tolist() == ["'" + cell, "fine"]
    assert out["num"].tolist() == [-1.5, 2.0]  # numbers stay numbers


def test_ids_keep_their_exact_integers_beside_missing_ones():
    ids = pd.Series([9007199254740993, None, 100002], dtype=object)
    text = to_safe_csv(pd.DataFrame({"SK_ID_CURR": ids, "p": [0.5, 0.25, 0.125]})).decode()
    assert text.splitlines() == [
        "SK_ID_CURR,p",
        "9007199254740993,0.5",
        ",0.25",
        "100002,0.125",
    ]  # never 100002.0


@pytest.mark.parametrize("cell", ["-1.5", "+2", "-3e5", ".5"])
def test_signed_plain_numbers_are_not_formulas(cell):
    assert neutralise_formulas(pd.DataFrame({"text": [cell]}))["text"].tolist() == [cell]


def test_safe_csv_roundtrip():
    frame = pd.DataFrame({"SK_ID_CURR": [1], "reason": ['=HYPERLINK("http://x")'], "p": [0.1]})
    back = pd.read_csv(io.BytesIO(to_safe_csv(frame)))
    assert back.loc[0, "reason"].startswith("'=")
    assert back.loc[0, "p"] == 0.1


def test_the_french_excel_dialect_is_semicolons_decimal_commas_and_a_bom():
    frame = pd.DataFrame(
        {"SK_ID_CURR": pd.Series([9007199254740993, None], dtype=object), "p": [0.25, 1.5],
         "décision": ["ACCEPTÉ", "=HYPERLINK(1)"]}
    )  # fmt: skip
    raw = to_safe_csv(frame, dialect="excel-fr")
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel reads the accents as UTF-8
    assert raw.decode("utf-8-sig").splitlines() == [
        "SK_ID_CURR;p;décision",
        "9007199254740993;0,25;ACCEPTÉ",
        ";1,5;'=HYPERLINK(1)",
    ]  # exact ids, decimal commas, formulas still neutralised
    back = pd.read_csv(io.BytesIO(raw), sep=";", decimal=",", encoding="utf-8-sig", dtype={"SK_ID_CURR": str})
    assert back["p"].tolist() == [0.25, 1.5] and back["SK_ID_CURR"].tolist()[0] == "9007199254740993"
    with pytest.raises(ValueError, match="dialect='xlsx' is not a CSV dialect"):
        to_safe_csv(frame, dialect="xlsx")  # type: ignore[arg-type]


def test_days_years_roundtrip():
    assert days_to_years(years_to_days(40)) == pytest.approx(40, abs=0.01)
    assert years_to_days(1) == -365


def test_labels_and_values():
    assert label("DAYS_BIRTH", "fr") == "Âge" and label("DAYS_BIRTH", "en") == "Age"
    assert label("SOME_UNKNOWN", "en") == "Model variable 'SOME_UNKNOWN'"  # never a bare code
    assert format_value("DAYS_BIRTH", -365.25 * 30, "en") == "30.0 years"
    assert format_value("DAYS_BIRTH", -365.25 * 30, "fr") == "30,0 ans"
    assert format_value("AMT_CREDIT", 1234567.0, "en") == "1,234,567 €"
    assert format_value("AMT_CREDIT", 1234567.0, "fr") == "1\u202f234\u202f567 €"
    assert format_value("FLAG_DOCUMENT_3", 1.0, "fr") == "oui"
    assert format_value("EXT_SOURCE_1", None, "en") == "not given"
    assert format_value("CODE_GENDER", "F", "fr") == "Femme"
    assert format_value("DAYS_EMPLOYED", 365243, "fr") == "sans emploi"
    # a count is a number, never yes/no (FLAG_DOCUMENT_SUM was once read as a flag by its prefix)
    assert format_value("FLAG_DOCUMENT_SUM", 3, "en") == "3"
    assert format_value("PREV_INST_COUNT_LATE_SUM", 2.0, "fr") == "2"
