"""The application form's logic: amounts, years and days, layout from the schema, widget <-> record."""

from __future__ import annotations

import math

import pytest

import core
from dashboard import forms

# ----------------------------------------------------------------------------- amounts


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("450 000", 450_000.0),
        ("450000", 450_000.0),
        ("450,000.50", 450_000.5),
        ("450 000,50", 450_000.5),
        ("450\u202f000", 450_000.0),  # the narrow no-break space French formatting writes
        ("450\u00a0000 €", 450_000.0),
        ("€ 1 200 000", 1_200_000.0),
        ("1.200.000", 1_200_000.0),
        ("450.000,50", 450_000.5),
        ("1,234,567.89", 1_234_567.89),
        ("99.9", 99.9),
        ("0,5", 0.5),
        ("  12500  ", 12_500.0),
        ("-100", -100.0),  # read as typed: the validation says why a negative amount is impossible
    ],
)
def test_parse_amount_reads_what_people_type(text, value):
    assert forms.parse_amount(text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["", "   ", None])
def test_parse_amount_empty_is_not_given(text):
    assert forms.parse_amount(text) is None


@pytest.mark.parametrize(
    "text", ["abc", "12,34,5", "1e5", "450 000 000,00,1", "4,50.000", "inf", "nan", "--5"]
)
def test_parse_amount_refuses_what_is_not_an_amount(text):
    with pytest.raises(ValueError, match="not an amount"):
        forms.parse_amount(text)


@pytest.mark.parametrize(
    ("value", "fr", "en"),
    [(450_000.0, "450 000", "450,000"), (1234.5, "1 234,50", "1,234.50"), (0.0, "0", "0"), (None, "", "")],
)
def test_format_amount_writes_thousands_separators(value, fr, en):
    assert forms.format_amount(value, "fr") == fr
    assert forms.format_amount(value, "en") == en


@pytest.mark.parametrize("value", [0.0, 5.0, 999.99, 45_000.0, 450_000.5, 1_683_030.79, 12_345_678.0])
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_amount_round_trips_through_its_text(value, lang):
    assert forms.parse_amount(forms.format_amount(value, lang)) == pytest.approx(value)


# ----------------------------------------------------------------------------- years and days


@pytest.mark.parametrize("days", [-6575, -11472, -14610, -43830, -1, 0])
def test_days_years_round_trip_to_the_day(days):
    years = forms.to_years(days)
    assert years >= 0
    assert forms.to_days(years) == days


def test_years_are_positive_and_days_negative():
    assert forms.to_years(-3652.5) == pytest.approx(10.0)
    assert forms.to_days(40.0) == -14610.0
    assert forms.to_years(None) is None and forms.to_days(None) is None
    assert forms.to_years(float("nan")) is None
    assert math.copysign(1, forms.to_years(0.0)) == 1  # never "-0.0 years"


# ----------------------------------------------------------------------------- layout


def test_application_layout_shows_what_the_model_reads_in_the_file_order(app_bundle):
    schema = app_bundle.schema
    layout = forms.form_layout(schema, "fr")
    shown = [f.name for f in layout.fields]
    used = [s.name for s in schema.used_inputs()]
    assert sorted(shown) == sorted(used) and len(shown) == len(set(shown))  # each read field once, no other
    assert not set(shown) & ({s.name for s in schema.inputs} - set(used))
    sections = [s for s, _ in layout.main]
    assert sections == [s for s in forms.MAIN_SECTIONS if s in sections]
    ranks = [core.field_info(f.name, schema).form_rank for _, g in layout.main for f in g]
    assert None not in ranks and ranks == sorted(ranks)
    assert all(core.field_info(f.name, schema).form_rank is None or f.section not in forms.MAIN_SECTIONS
               for f in (x for _, g in layout.more for x in g))  # fmt: skip
    more_sections = [s for s, _ in layout.more]
    assert more_sections == [s for s in forms.SECTION_ORDER if s in more_sections]


def test_fields_have_labels_units_and_required_marks(app_bundle):
    fields = {f.name: f for f in forms.form_layout(app_bundle.schema, "fr").fields}
    assert fields["AMT_CREDIT"].kind == "amount" and fields["AMT_CREDIT"].label == "Montant du crédit (€) *"
    assert fields["DAYS_BIRTH"].kind == "years" and fields["DAYS_BIRTH"].label == "Âge (ans) *"
    assert fields["DAYS_BIRTH"].bounds == (pytest.approx(18.0, abs=0.01), pytest.approx(120.0, abs=0.01))
    assert fields["DAYS_EMPLOYED"].sentinel == 365243 and not fields["DAYS_EMPLOYED"].required
    assert fields["FLAG_DOCUMENT_3"].kind == "flag" and fields["FLAG_DOCUMENT_3"].choices
    assert fields["CODE_GENDER"].choices  # Femme / Homme / Non renseigné fit as buttons
    gender = fields["CODE_GENDER"]
    assert gender.kind == "category" and gender.option_labels["F"] == "Femme"
    english = {f.name: f for f in forms.form_layout(app_bundle.schema, "en").fields}
    assert english["CODE_GENDER"].option_labels["F"] == "Female"
    assert english["DAYS_EMPLOYED"].label == "Years in current job"  # the label says years already
    for f in fields.values():
        assert f.name not in f.label
        assert f.label.endswith(" *") == f.required


def test_long_category_labels_are_a_list_not_cut_buttons():
    short = forms.FormField(
        "A", "category", "a", None, "identity", options=("Y", "N"), option_labels={"Y": "Oui", "N": "Non"}
    )
    long = forms.FormField(
        "B", "category", "b", None, "building", options=("block of flats", "terraced house", "specific housing"),
        option_labels={},
    )  # fmt: skip
    assert short.choices and not long.choices


def test_feature_layout_puts_the_most_important_first(toy_bundle):
    layout = forms.form_layout(toy_bundle.schema, "en")
    main = [f.name for _, g in layout.main for f in g]
    top = [s.name for s in toy_bundle.schema.by_importance()[: forms.TOP_FEATURES]]
    required = [s.name for s in toy_bundle.schema.features if s.required]
    assert sorted(main) == sorted(set(top) | set(required))  # a required field is never hidden
    assert sorted(f.name for f in layout.fields) == sorted(toy_bundle.schema.names)
    assert [f.name for f in layout.fields if f.required] == [
        s.name for s in toy_bundle.schema.by_importance() if s.required
    ]


# ----------------------------------------------------------------------------- values <-> record


def test_a_new_application_is_empty(app_bundle):
    fields = forms.form_layout(app_bundle.schema, "fr").fields
    values = forms.widget_values(fields, None, "fr")
    assert {v for k, v in values.items() if not k.endswith(forms.SENTINEL_SUFFIX)} <= {None, ""}
    record, bad = forms.read_record(fields, values, client_id=None)
    assert bad == [] and "SK_ID_CURR" not in record
    assert set(record) == {f.name for f in fields} and set(record.values()) == {None}


def test_a_loaded_record_comes_back_exactly(app_bundle, app_service):
    fields = forms.form_layout(app_bundle.schema, "fr").fields
    cid = app_service.known_ids()[4]
    loaded = app_service.record_of(cid)
    values = forms.widget_values(fields, loaded, "fr")
    record, bad = forms.read_record(fields, values, client_id=cid, loaded=loaded)
    assert bad == [] and record["SK_ID_CURR"] == cid
    assert record == {"SK_ID_CURR": cid, **{f.name: loaded[f.name] for f in fields}}


def test_typed_values_become_the_contract_record(app_bundle):
    fields = forms.form_layout(app_bundle.schema, "fr").fields
    values = forms.widget_values(fields, None, "fr") | {
        "AMT_CREDIT": "450 000",
        "AMT_INCOME_TOTAL": "38 000,50",
        "DAYS_BIRTH": 40.0,
        "DAYS_EMPLOYED": 12.0,
        "CODE_GENDER": "F",
        "FLAG_DOCUMENT_3": "1",
        "FLAG_DOCUMENT_2": "0",
        "EXT_SOURCE_2": 0.61,
    }
    record, bad = forms.read_record(fields, values, client_id=None)
    assert bad == []
    assert record["AMT_CREDIT"] == 450_000.0 and record["AMT_INCOME_TOTAL"] == 38_000.5
    assert record["DAYS_BIRTH"] == -14610.0 and record["DAYS_EMPLOYED"] == -4383.0
    assert record["CODE_GENDER"] == "F" and record["EXT_SOURCE_2"] == 0.61
    assert record["FLAG_DOCUMENT_3"] is True and record["FLAG_DOCUMENT_2"] is False
    assert record["AMT_ANNUITY"] is None and record["EXT_SOURCE_1"] is None


def test_not_employed_sends_home_credits_code(app_bundle):
    fields = forms.form_layout(app_bundle.schema, "en").fields
    key = "DAYS_EMPLOYED" + forms.SENTINEL_SUFFIX
    values = forms.widget_values(fields, None, "en") | {"DAYS_EMPLOYED": 3.0, key: True}
    record, _ = forms.read_record(fields, values, client_id=None)
    assert record["DAYS_EMPLOYED"] == 365243.0
    back = forms.widget_values(fields, {"DAYS_EMPLOYED": 365243.0}, "en")
    assert back[key] is True and back["DAYS_EMPLOYED"] is None


def test_an_unreadable_amount_is_reported_not_guessed(app_bundle):
    fields = forms.form_layout(app_bundle.schema, "fr").fields
    values = forms.widget_values(fields, None, "fr") | {"AMT_CREDIT": "45O 000", "AMT_ANNUITY": "20 000"}
    record, bad = forms.read_record(fields, values, client_id=None)
    assert bad == [forms.BadInput("AMT_CREDIT", "amount", "45O 000")]
    assert record["AMT_CREDIT"] is None and record["AMT_ANNUITY"] == 20_000.0


def test_an_edited_loaded_field_sends_the_new_value(app_bundle, app_service):
    fields = forms.form_layout(app_bundle.schema, "en").fields
    cid = app_service.known_ids()[0]
    loaded = app_service.record_of(cid)
    values = forms.widget_values(fields, loaded, "en") | {"AMT_CREDIT": "1,000,000"}
    record, _ = forms.read_record(fields, values, client_id=cid, loaded=loaded, lang="en")
    assert record["AMT_CREDIT"] == 1_000_000.0
    assert record["AMT_ANNUITY"] == loaded["AMT_ANNUITY"]  # untouched: the file's exact value
