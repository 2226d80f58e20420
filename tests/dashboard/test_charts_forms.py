"""Figure builders and form conversions (the logic under the pages)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.serving.presentation import days_to_years
from dashboard import charts, forms


def test_risk_gauge_marks_threshold_and_uses_pattern_when_refused():
    fig = charts.risk_gauge(0.3, 0.1, title="t", threshold_label="threshold")
    bar = fig.data[0]
    assert bar.x == (0.3,) and bar.marker.color == charts.REFUSED and bar.marker.pattern.shape == "/"
    assert any(s.x0 == 0.1 for s in fig.layout.shapes)
    accepted = charts.risk_gauge(0.05, 0.1, title="t", threshold_label="threshold").data[0]
    assert accepted.marker.color == charts.ACCEPTED


def test_waterfall_adds_up(toy_bundle, toy_record):
    from core import Explainer

    e = Explainer(toy_bundle).explain_record(toy_record)
    fig = charts.waterfall(
        e.contributions,
        e.base_value,
        labels={},
        top=5,
        title="t",
        others_label="o",
        base_label="b",
        total_label="s",
    )
    w = fig.data[0]
    deltas = list(w.x)[:-1]  # the last bar is the total
    assert w.base == pytest.approx(e.base_value)
    assert e.base_value + sum(deltas) == pytest.approx(e.raw_prediction)
    assert len(deltas) == 5 + 1 and w.text[-1] == f"{e.raw_prediction:.2f}"


def test_population_numeric_and_categorical():
    num = charts.population(pd.Series([1.0, 2.0, 3.0, np.nan]), 2.0, title="t", client_label="c")
    assert num.data[0].type == "histogram" and any(s.x0 == 2.0 for s in num.layout.shapes)
    cat = charts.population(pd.Series(["a", "b", "b"]), "b", title="t", client_label="c")
    assert list(cat.data[0].y) == ["b", "a"] and cat.data[0].marker.color[0] == charts.INK


def test_cost_curve_and_confusion():
    curve = pd.DataFrame({"threshold": [0.1, 0.5], "cost_per_client": [0.5, 0.4]})
    band = pd.DataFrame({"threshold": [0.1, 0.5], "low": [0.4, 0.3], "high": [0.6, 0.5]})
    labels = {k: k for k in ("band", "cost", "optimal", "production", "current", "x", "y", "title")}
    fig = charts.cost_curve(curve, band, current=0.2, optimal=0.5, production=0.3, labels=labels)
    assert {s.x0 for s in fig.layout.shapes} == {0.2, 0.5, 0.3}
    cm = charts.confusion(
        1,
        2,
        3,
        4,
        labels={
            k: k
            for k in (
                "tp",
                "fp",
                "tn",
                "fn",
                "pred_accept",
                "pred_refuse",
                "true_repaid",
                "true_default",
                "title",
            )
        },
    )
    assert [list(r) for r in cm.data[0].z] == [[3, 2], [4, 1]]


def test_score_distribution_splits_by_threshold():
    fig = charts.score_distribution(np.array([0.05, 0.2, 0.5]), 0.1, title="t", x_label="x")
    assert list(fig.data[0].x) == [0.05] and list(fig.data[1].x) == [0.2, 0.5]


def test_beeswarm_and_importance(toy_bundle):
    from core import Explainer

    ex = Explainer(toy_bundle)
    shap, rows = ex.global_shap()
    fig = charts.beeswarm(
        shap.values,
        rows[toy_bundle.schema.names],
        ["EXT_SOURCE_2", "DAYS_BIRTH"],
        labels={},
        title="t",
        x_label="x",
    )
    assert len(fig.data) == 2 and len(fig.data[0].x) == len(rows)
    bar = charts.importance_bar(ex.global_importance(), labels={}, top=5, title="t", x_label="x")
    assert list(bar.data[0].y)[-1] == "EXT_SOURCE_2"


def test_form_fields_and_record_conversion(toy_bundle):
    fields = {s.name: forms.field_spec(s, "en") for s in toy_bundle.schema.features}
    age = fields["DAYS_BIRTH"]
    assert (
        age.kind == "years"
        and age.min_value == pytest.approx(18, abs=0.01)
        and age.max_value == pytest.approx(120, abs=0.01)
    )
    assert fields["CODE_GENDER"].options == ("F", "M")
    assert fields["AMT_CREDIT"].label.endswith("(currency)")
    widget = {
        "DAYS_BIRTH": 40.0,
        "CODE_GENDER": "F",
        "FLAG_DOCUMENT_3": "1",
        "AMT_CREDIT": None,
        "NAME_EDUCATION_TYPE": forms.MISSING,
    }
    record = forms.to_record(list(fields.values()), widget, 123)
    assert record["SK_ID_CURR"] == 123 and record["DAYS_BIRTH"] == -14610.0
    assert (
        record["FLAG_DOCUMENT_3"] is True
        and record["AMT_CREDIT"] is None
        and record["NAME_EDUCATION_TYPE"] is None
    )
    assert forms.to_widget(age, -14610.0) == pytest.approx(days_to_years(-14610.0), abs=0.05)
    top, rest = forms.split_fields(toy_bundle.schema)
    assert [s.importance_rank for s in top] == sorted(s.importance_rank for s in top) and len(top) + len(
        rest
    ) == 13


def test_client_values_lookup(toy_bundle):
    cid = int(toy_bundle.reference["SK_ID_CURR"].iloc[0])
    values = forms.client_values(toy_bundle.reference, cid, toy_bundle.schema)
    assert set(values) == set(toy_bundle.schema.names)
    assert forms.client_values(toy_bundle.reference, -1, toy_bundle.schema) is None
