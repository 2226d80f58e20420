"""The feature registry: every name labelled in both languages, bounds and domains true to the real data."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from core.features.application import APPLICATION_FIELDS, DERIVED
from core.features.registry import NO_HISTORY, SECTIONS, UNITS, history_names, registry
from core.serving.presentation import format_value, label, reason_sentence
from core.serving.service import Reason
from tests.conftest import HOMECREDIT

CODE = re.compile(r"\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b")  # SK_ID_CURR, EXT_SOURCE_1, ...


def test_every_field_and_feature_has_an_entry():
    reg = registry()
    assert set(APPLICATION_FIELDS) <= set(reg)
    assert {d.name for d in DERIVED} <= set(reg)
    assert len(history_names()) > 700
    assert all(reg[n].origin == "application" for n in APPLICATION_FIELDS)


@pytest.mark.parametrize("name", sorted(registry()))
def test_entry_reads_right_in_both_languages(name):
    info = registry()[name]
    for text in (info.label_fr, info.label_en, info.description_fr, info.description_en):
        assert text.strip(), f"{name}: empty label or description"
        assert not CODE.search(text), f"{name}: a raw code reaches people: {text!r}"
    assert info.unit in UNITS
    if info.lo is not None and info.hi is not None:
        assert info.lo <= info.hi
    if info.origin == "application":
        assert info.section in SECTIONS and info.bounds_rationale
        if info.unit == "category":
            assert info.categories and set(info.category_labels_fr or {}) == set(info.categories)


def test_counts_are_not_flags():
    """FLAG_DOCUMENT_SUM is a count (it was once read as yes/no because of its prefix)."""
    assert registry()["FLAG_DOCUMENT_SUM"].unit == "count"
    assert registry()["FLAG_DOCUMENT_3"].unit == "flag"
    sentence = reason_sentence(Reason("FLAG_DOCUMENT_SUM", 2.0, 0.1, "default", 40.0), "fr")
    assert sentence.startswith("Nombre de documents fournis : 2 ") and "oui" not in sentence


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_sentence_for_every_feature_reads_right(lang):
    for name, info in registry().items():
        value: object = (
            "Working"
            if info.unit == "category"
            else (1.0 if info.unit == "flag" else -1200.0 if info.unit == "days" else 0.5)
        )
        text = reason_sentence(
            Reason(name, None if name == NO_HISTORY else value, 0.2, "default", 60.0), lang
        )
        assert not CODE.search(text), text
        assert ("risque" in text) if lang == "fr" else ("risk" in text)
        if info.unit == "flag":
            assert ("oui" in text) if lang == "fr" else ("yes" in text)
        if info.unit in ("count", "currency", "ratio", "score"):
            assert " oui " not in text and " yes " not in text


def test_integer_and_years_formatting():
    assert format_value("DAYS_BIRTH", -14610, "en") == "40.0 years"
    assert format_value("AMT_ANNUITY", 24750.0, "fr") == "24\u202f750 €"
    assert label("CREDIT_TERM_RATIO", "fr") == "Annuité / crédit"


@pytest.fixture(scope="module")
def real_applications() -> pd.DataFrame:
    if not HOMECREDIT.is_dir():
        pytest.skip(f"real Home Credit samples not found at {HOMECREDIT}")
    return pd.concat(
        [pd.read_csv(HOMECREDIT / "application_train.csv"), pd.read_csv(HOMECREDIT / "application_test.csv")]
    )


@pytest.mark.realdata
def test_domains_and_bounds_hold_every_real_value(real_applications):
    reg = registry()
    for name in APPLICATION_FIELDS:
        info, col = reg[name], real_applications[name]
        if info.unit == "category":
            outside = set(col.dropna()) - set(info.categories or [])
            assert not outside, f"{name}: real values outside the domain: {outside}"
            continue
        values = col.dropna().astype(float)
        if info.sentinel is not None:
            values = values[values != info.sentinel]
        if info.lo is not None:
            assert (values >= info.lo).all(), f"{name}: real value below {info.lo}: {values.min()}"
        if info.hi is not None:
            assert (values <= info.hi).all(), f"{name}: real value above {info.hi}: {values.max()}"
        if info.integer:
            assert np.all(np.mod(values, 1) == 0), f"{name}: not whole"


@pytest.mark.realdata
def test_full_domain_includes_values_training_may_never_see(real_applications):
    """Businessman exists in Home Credit's data even when a training sample never drew it."""
    assert "Businessman" in registry()["NAME_INCOME_TYPE"].categories
    assert "Businessman" in set(real_applications["NAME_INCOME_TYPE"])
    assert registry()["NAME_INCOME_TYPE"].categories_source


def test_every_feature_of_the_demo_bundle_is_labelled_in_both_languages():
    from core import DEMO_BUNDLE_DIR, load_bundle

    bundle = load_bundle(DEMO_BUNDLE_DIR)
    for spec in [*bundle.schema.features, *bundle.schema.inputs]:
        assert spec.info is not None, spec.name
        for text in (spec.info.label_fr, spec.info.label_en):
            assert text and not CODE.search(text), (spec.name, text)
        assert label(spec.name, "fr", bundle.schema) == spec.info.label_fr


def test_every_numeric_entry_has_both_bounds_and_their_rationale():
    """No numeric field or feature is unbounded (a value of 1e308 is never scored), and each bound says why."""
    import math

    for name, info in registry().items():
        if info.unit in ("category",) or name == "CREDIT_HISTORY":
            continue
        assert info.lo is not None and info.hi is not None, name
        assert math.isfinite(info.lo) and math.isfinite(info.hi) and info.lo <= info.hi, name
        assert info.bounds_rationale, name


def test_a_feature_bundle_refuses_values_outside_the_registry_bounds():
    from core.errors import RecordValidationError
    from core.serving.schema import legacy_schema
    from core.serving.validation import validate_record

    schema = legacy_schema(["EXT_SOURCES_MAX", "AMT_ANNUITY", "BUREAU_DAYS_CREDIT_SUM"], [])
    for field, value in [("EXT_SOURCES_MAX", 3.5), ("EXT_SOURCES_MAX", -1e308), ("AMT_ANNUITY", 1e308),
                         ("BUREAU_DAYS_CREDIT_SUM", -1e308)]:  # fmt: skip
        record = {
            "EXT_SOURCES_MAX": 0.5,
            "AMT_ANNUITY": 20000.0,
            "BUREAU_DAYS_CREDIT_SUM": -3000.0,
            field: value,
        }
        with pytest.raises(RecordValidationError) as info:
            validate_record(record, schema)
        assert [e.field for e in info.value.errors] == [field]
        assert "impossible value" in info.value.errors[0].problem and " — " in info.value.errors[0].problem
