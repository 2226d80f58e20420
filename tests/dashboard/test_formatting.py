"""Number formats of the form, session-state filling, local number writing, chart labels."""

from __future__ import annotations

import math

import numpy as np
import pytest

from core.serving.schema import FeatureSpec
from dashboard import charts, forms, i18n
from dashboard.state import FORM_PREFIX


def _spec(name: str, **kw) -> FeatureSpec:
    return FeatureSpec(name=name, kind="numeric", **kw)


@pytest.mark.parametrize(
    ("spec", "fmt"),
    [
        (_spec("CNT_CHILDREN", integer=True, min=0, max=5, median=0), "%.0f"),
        (_spec("AMT_CREDIT", min=45000, max=4e6, median=5e5), "%.0f"),
        (_spec("BUREAU_AMT_CREDIT_SUM_MIN", min=0, max=900, median=50), "%.0f"),
        (_spec("PREV_CC_LIMIT_MEAN", min=5294, max=472370, median=163367), "%.0f"),
        (_spec("PREV_INST_DAYSLATE_MEAN", min=-57, max=87, median=-7.3), "%.2f"),
        (_spec("EXT_SOURCE_2", min=0.0003, max=0.85, median=0.56), "%.4f"),
        (_spec("NO_STATS"), "%.4f"),
    ],
)
def test_number_format_follows_magnitude(spec, fmt):
    assert forms.number_format(spec) == fmt
    assert forms.field_spec(spec, "fr").fmt == fmt


def test_widget_state_round_trips_a_reference_client(toy_bundle):
    """Filling the form with a client then reading it back gives the client's record (years to 0.1)."""
    schema = toy_bundle.schema
    cid = int(toy_bundle.reference["SK_ID_CURR"].iloc[4])
    values = forms.client_values(toy_bundle.reference, cid, schema)
    fields = [forms.field_spec(s, "en") for s in schema.features]
    state = forms.widget_state(fields, values, FORM_PREFIX)
    assert set(state) == {FORM_PREFIX + n for n in schema.names}
    widgets = {k.removeprefix(FORM_PREFIX): v for k, v in state.items()}
    record = forms.to_record(fields, widgets, cid)
    assert record["SK_ID_CURR"] == cid
    for field in fields:
        original, back = values[field.name], record[field.name]
        if original is None or (isinstance(original, float) and math.isnan(original)):
            assert back is None, field.name
        elif field.kind == "years":
            assert back == pytest.approx(original, abs=0.05 * 365.25 + 1), field.name
        elif field.kind == "boolean":
            assert back is bool(original), field.name
        else:
            assert back == original, field.name


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("fr", ("5\u202f425", "0,678", "3,7\u202f%", "13\u202f%")), ("en", ("5,425", "0.678", "3.7%", "13%"))],
)
def test_numbers_are_written_the_local_way(monkeypatch, lang, expected):
    monkeypatch.setattr(i18n, "lang", lambda: lang)
    assert (i18n.num(5425), i18n.num(0.6781, 3), i18n.pct(0.0371), i18n.pct(0.131, 0)) == expected


def test_t_or_falls_back_to_the_given_text(monkeypatch):
    monkeypatch.setattr(i18n, "lang", lambda: "fr")
    assert i18n.t_or("bench_recall", "recall") == "Rappel"
    assert i18n.t_or("bench_unknown_column", "unknown_column") == "unknown_column"


def test_locales_have_the_same_keys_and_placeholders():
    import string

    fr, en = i18n._texts("fr"), i18n._texts("en")
    assert set(fr) == set(en)
    fields = lambda s: {f for _, f, _, _ in string.Formatter().parse(s) if f}  # noqa: E731
    assert [k for k in fr if fields(fr[k]) != fields(en[k])] == []


def test_score_distribution_zooms_on_the_scores_and_names_decisions():
    fig = charts.score_distribution(
        np.array([0.01, 0.05, 0.12]), 0.09, title="t", x_label="x", names=("ACCORDÉ", "REFUSÉ")
    )
    assert [tr.name for tr in fig.data] == ["ACCORDÉ", "REFUSÉ"]
    assert tuple(fig.layout.xaxis.range) == (0, pytest.approx(0.2))  # not 0..1 when scores are low
    wide = charts.score_distribution(np.array([0.1, 0.9]), 0.3, title="t", x_label="x")
    assert tuple(wide.layout.xaxis.range) == (0, pytest.approx(0.945))


def test_beeswarm_colour_scale_is_labelled_in_the_given_language(toy_bundle):
    from core import Explainer

    shap, rows = Explainer(toy_bundle).global_shap()
    fig = charts.beeswarm(
        shap.values,
        rows[toy_bundle.schema.names],
        ["EXT_SOURCE_2"],
        labels={},
        title="t",
        x_label="x",
        scale=("Valeur", "faible", "élevée"),
    )
    bar = fig.data[0].marker.colorbar
    assert bar.title.text == "Valeur" and list(bar.ticktext) == ["faible", "élevée"]


def test_gauge_writes_numbers_with_the_given_format():
    fig = charts.risk_gauge(0.126, 0.09, title="t", threshold_label="Seuil", fmt=lambda x: f"{100 * x:.1f} %")
    assert fig.data[0].text == ("12.6 %",)
    assert fig.layout.annotations[0].text == "Seuil 9.0 %" and fig.layout.annotations[0].y == 1


def test_waterfall_range_holds_every_bar(toy_bundle, toy_record):
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
    ends = e.base_value + np.cumsum([0.0, *list(fig.data[0].x)[:-1]])
    lo, hi = fig.layout.xaxis.range
    assert lo < ends.min() and hi > ends.max() and lo < e.raw_prediction < hi
