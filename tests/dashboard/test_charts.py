"""Figure builders (pure functions of data: tested directly, since AppTest cannot read plotly)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dashboard import charts


@pytest.fixture()
def scored(app_service):
    """A new applicant's explained score (no credit history) from the application bundle."""
    record = app_service.example_record() | {"SK_ID_CURR": None}
    return app_service.score(record, explain=True)


def _waterfall(result, contributions=None, **kw):
    return charts.waterfall(
        result.contributions if contributions is None else contributions, result.base_value,
        labels={}, top=5, title="t", others_label="o", base_label="b", total_label="s", **kw,
    )  # fmt: skip


def test_risk_gauge_marks_threshold_and_uses_pattern_when_refused():
    fig = charts.risk_gauge(0.3, 0.1, title="t", threshold_label="threshold")
    bar = fig.data[0]
    assert bar.x == (0.3,) and bar.marker.color == charts.REFUSED and bar.marker.pattern.shape == "/"
    assert any(s.x0 == 0.1 for s in fig.layout.shapes)
    accepted = charts.risk_gauge(0.05, 0.1, title="t", threshold_label="threshold").data[0]
    assert accepted.marker.color == charts.ACCEPTED


def test_waterfall_adds_up_to_the_clients_score(scored):
    w = _waterfall(scored).data[0]
    deltas = list(w.x)[:-1]  # the last bar is the total
    assert w.base == pytest.approx(scored.base_value)
    assert scored.base_value + sum(deltas) == pytest.approx(scored.raw_score)
    assert len(deltas) == 5 + 1 and w.text[-1] == f"{scored.raw_score:.2f}"


def test_waterfall_writes_numbers_in_the_given_format_and_keeps_every_bar(scored):
    fig = _waterfall(scored, fmt=lambda x: f"{x:.2f}".replace(".", ","))
    assert all("," in t for t in fig.data[0].text) and all(t[0] in "+−" for t in fig.data[0].text[:-1])
    ends = scored.base_value + np.cumsum([0.0, *list(fig.data[0].x)[:-1]])
    lo, hi = fig.layout.xaxis.range
    assert lo < ends.min() and hi > ends.max() and lo < scored.raw_score < hi


def test_unknown_history_is_one_bar_as_in_the_reasons(scored, app_bundle):
    assert scored.history == "none"
    history = app_bundle.schema.history_features
    grouped = charts.group_rows(scored.contributions, history)
    assert not grouped["feature"].isin(history).any()
    lump = grouped[grouped["feature"] == charts.NO_HISTORY]
    assert len(lump) == 1
    total = scored.contributions.loc[scored.contributions["feature"].isin(history), "shap"].sum()
    assert lump["shap"].iloc[0] == pytest.approx(total)
    assert grouped["shap"].sum() == pytest.approx(scored.contributions["shap"].sum())  # additivity kept
    assert list(grouped["shap"].abs()) == sorted(grouped["shap"].abs(), reverse=True)
    if any(r.feature == charts.NO_HISTORY for r in scored.toward_default + scored.toward_repayment):
        reason = next(
            r for r in scored.toward_default + scored.toward_repayment if r.feature == charts.NO_HISTORY
        )
        assert reason.contribution == pytest.approx(lump["shap"].iloc[0])


def test_equal_labels_stay_separate_bars(scored):
    names = scored.contributions["feature"].head(3).tolist()
    fig = charts.waterfall(
        scored.contributions, scored.base_value, labels=dict.fromkeys(names, "same label"), top=3,
        title="t", others_label="o", base_label="b", total_label="s",
    )  # fmt: skip
    assert len(set(fig.data[0].y)) == len(fig.data[0].y)


def test_wrap_breaks_long_labels_on_words():
    text = (
        "Jours de retard de paiement d'une échéance (moyenne par prêt, maximum sur les demandes antérieures)"
    )
    wrapped = charts.wrap(text, 32)
    assert wrapped.replace("<br>", " ") == text
    assert all(len(line) <= 32 for line in wrapped.split("<br>"))
    assert charts.wrap("Âge", 32) == "Âge"


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
    keys = ("tp", "fp", "tn", "fn", "pred_accept", "pred_refuse", "true_repaid", "true_default", "title")
    cm = charts.confusion(1, 2, 3, 4, labels={k: k for k in keys})
    assert [list(r) for r in cm.data[0].z] == [[3, 2], [4, 1]]


def test_score_distribution_splits_by_threshold_and_zooms():
    fig = charts.score_distribution(np.array([0.05, 0.2, 0.5]), 0.1, title="t", x_label="x")
    assert list(fig.data[0].x) == [0.05] and list(fig.data[1].x) == [0.2, 0.5]
    low = charts.score_distribution(
        np.array([0.01, 0.05, 0.12]), 0.09, title="t", x_label="x", names=("ACCORDÉ", "REFUSÉ")
    )
    assert [tr.name for tr in low.data] == ["ACCORDÉ", "REFUSÉ"]
    assert tuple(low.layout.xaxis.range) == (0, pytest.approx(0.2))  # not 0..1 when scores are low


def test_beeswarm_and_importance(app_service, app_bundle):
    ex = app_service.explainer
    shap, rows = ex.global_shap()
    importance = ex.global_importance()
    top = importance["feature"].head(2).tolist()
    fig = charts.beeswarm(
        shap.values, rows[app_bundle.schema.names], top, labels={}, title="t", x_label="x",
        scale=("Valeur", "faible", "élevée"),
    )  # fmt: skip
    assert len(fig.data) == 2 and len(fig.data[0].x) == len(rows)
    bar = fig.data[0].marker.colorbar
    assert bar.title.text == "Valeur" and list(bar.ticktext) == ["faible", "élevée"]
    ranked = charts.importance_bar(importance, labels={}, top=5, title="t", x_label="x")
    assert list(ranked.data[0].y)[-1] == importance["feature"].iloc[0]  # the most important on top


def test_gauge_writes_numbers_with_the_given_format():
    fig = charts.risk_gauge(0.126, 0.09, title="t", threshold_label="Seuil", fmt=lambda x: f"{100 * x:.1f} %")
    assert fig.data[0].text == ("12.6 %",)
    assert fig.layout.annotations[0].text == "Seuil 9.0 %" and fig.layout.annotations[0].y == 1


def test_history_charts_count_outcomes_and_amounts():
    previous = pd.DataFrame({"NAME_CONTRACT_STATUS": ["Refused", "Approved", "Approved", None],
                             "AMT_APPLICATION": [1000.0, 2000.0, 500.0, None]})  # fmt: skip
    fig = charts.previous_applications(previous, labels={"Approved": "Accordée", "Refused": "Refusée"}, title="p",
                                       count_label="n", amount_label="a", fmt=lambda x: f"{x:.0f}")  # fmt: skip
    bar = fig.data[0]
    assert list(bar.x) == ["Accordée", "Refusée", "?"] and list(bar.y) == [2, 1, 1]
    assert list(bar.customdata) == ["2500", "1000", "0"]
    bureau = pd.DataFrame({"CREDIT_ACTIVE": ["Active", "Closed", "Active"], "AMT_CREDIT_SUM": [100.0, 50.0, 10.0],
                           "AMT_CREDIT_SUM_DEBT": [40.0, 0.0, -5.0]})  # fmt: skip
    fig = charts.bureau_credits(bureau, labels={"Active": "En cours"}, title="b", amount_label="amount",
                                debt_label="debt", fmt=str)  # fmt: skip
    assert list(fig.data[0].x) == ["En cours (2)", "Closed (1)"]
    assert list(fig.data[0].y) == [110.0, 50.0] and list(fig.data[1].y) == [
        40.0,
        0.0,
    ]  # a negative debt is none
    payments = pd.DataFrame(
        {"years_ago": [0, 1, 2], "instalments": [12, 12, 6], "late": [1, 0, 3], "short": [0, 2, 0]}
    )
    fig = charts.payments_per_year(
        payments, title="y", year_label=lambda n: f"-{n}", names=("all", "late", "short")
    )
    assert [d.name for d in fig.data] == ["all", "late", "short"]
    assert list(fig.data[0].x) == ["-2", "-1", "-0"] and list(fig.data[1].y) == [3, 0, 1]  # oldest first


def test_drift_charts():
    table = pd.DataFrame(
        {"feature": ["a", "b", "c"], "psi": [0.05, 0.3, 0.15], "band": ["stable", "shift", "watch"]}
    )
    fig = charts.psi_bars(table, labels={"b": "Big one"}, title="t", x_label="PSI", top=2)
    bar = fig.data[0]
    assert list(bar.y) == ["c", "Big one"] and list(bar.marker.color) == [
        charts.BAND_COLOURS["watch"],
        charts.REFUSED,
    ]
    bins = pd.DataFrame({"label": ["x", "y", "(missing)"], "lower": [None, 0.5, None], "upper": [0.5, None, None],
                         "reference_share": [0.5, 0.5, 0.0], "current_share": [0.2, 0.7, 0.1]})  # fmt: skip
    fig = charts.psi_bins(
        bins, title="s", names=("ref", "cur"), y_label="%", x_label="p", fmt=lambda x: f"{x:.1f}"
    )
    assert list(charts.psi_bins(bins, title="s", names=("r", "c"), y_label="%", x_label="p", fmt=str,
                                missing="(non renseigné)").data[0].x)[-1] == "(non renseigné)"  # fmt: skip
    assert list(fig.data[0].x) == ["≤ 0.5", "> 0.5", "(missing)"] and list(fig.data[1].y) == [
        20.0,
        70.0,
        10.0,
    ]
    daily = pd.DataFrame({"day": ["2026-01-01", "2026-01-02"], "decisions": [3, 1], "acceptance_rate": [2 / 3, 1.0],
                          "override_rate": [0.0, 1.0]})  # fmt: skip
    fig = charts.daily_rates(daily, title="d", names=("n", "acc", "ovr"), rate_label="%", count_label="n")
    assert list(fig.data[1].y) == pytest.approx([200 / 3, 100.0]) and fig.data[2].yaxis == "y2"
    latency = pd.DataFrame(
        {"channel": ["api"], "count": [3], "p50_ms": [10.0], "p90_ms": [20.0], "p99_ms": [30.0]}
    )
    fig = charts.latency_bars(latency, title="l", labels={"api": "API"}, y_label="ms")
    assert [d.name for d in fig.data] == ["p50", "p90", "p99"] and list(fig.data[2].y) == [30.0]
