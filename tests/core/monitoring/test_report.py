"""Drift report of the demo bundle: every feature and the score against the reference sample."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from core.monitoring import drift_report, drift_report_from_log
from core.monitoring.report import SCORE_NAME


@pytest.fixture(scope="module")
def reference_features(demo_bundle) -> pd.DataFrame:
    return demo_bundle.reference[demo_bundle.schema.names]


def test_the_reference_against_itself_is_stable(demo_bundle, reference_features):
    report = drift_report(demo_bundle, reference_features)
    assert len(report.features) == len(demo_bundle.schema.names)
    assert all(f.psi == 0 for f in report.features) and report.score.psi == 0
    assert report.counts == {"stable": len(report.features), "watch": 0, "shift": 0}
    assert report.score.name == SCORE_NAME and report.n_current == report.n_reference == 2000


def test_a_shifted_population(demo_service, reference_features):
    current = reference_features.sample(n=600, random_state=1).copy()
    current["EXT_SOURCE_3"] = (current["EXT_SOURCE_3"] - 0.3).clip(lower=0)  # worse external scores
    current["CODE_GENDER"] = "M"
    report = drift_report(demo_service, current, source="test")
    psis = [f.psi for f in report.features]
    assert psis == sorted(psis, reverse=True)
    assert {f.name for f in report.top(2)} == {"EXT_SOURCE_3", "CODE_GENDER"}
    assert report.top(1)[0].band == "shift"
    assert sum(report.counts.values()) == len(report.features)
    assert report.score.psi > 0.1  # the model noticed: the scores moved too
    table = report.table()
    assert table["feature"].tolist()[:2] == [f.name for f in report.top(2)] and report.source == "test"
    gender = next(f for f in report.features if f.name == "CODE_GENDER")
    assert gender.kind == "categorical" and {"F", "M", "(other)", "(missing)"} <= {
        b.label for b in gender.bins
    }


def test_given_probabilities_are_used_for_the_score(demo_service, reference_features):
    ref_proba = demo_service.probabilities(reference_features)
    same = drift_report(demo_service, reference_features, current_probabilities=ref_proba)
    assert same.score.psi == 0
    high = drift_report(demo_service, reference_features, current_probabilities=np.full(2000, 0.99))
    assert high.score.band == "shift" and high.score.bins[-2].current_share == 1.0
    with pytest.raises(ValueError, match="current_probabilities has 3 values for 2000 current rows"):
        drift_report(demo_service, reference_features, current_probabilities=[0.1, 0.2, 0.3])


def test_the_missing_category_token_is_a_missing_value(demo_service, reference_features):
    token = demo_service.schema.missing_category
    current = reference_features.copy()
    for name in demo_service.schema.categorical:
        current[name] = current[name].astype(object).where(current[name].notna(), token)
    assert drift_report(demo_service, current).counts["stable"] == len(demo_service.schema.names)


def test_errors_name_the_problem(demo_bundle, reference_features):
    with pytest.raises(ValueError, match=r"lacks 1 model feature\(s\) of bundle .*\['EXT_SOURCE_3'\]"):
        drift_report(demo_bundle, reference_features.drop(columns="EXT_SOURCE_3"))
    with pytest.raises(ValueError, match=r"the current population is empty \(0 rows\)"):
        drift_report(demo_bundle, reference_features.iloc[:0])
    with pytest.raises(ValueError, match="has no reference data, so drift cannot be measured"):
        drift_report(dataclasses.replace(demo_bundle, reference=None), reference_features)


def test_report_from_the_decision_log(demo_service, make_log):
    log = make_log(300)
    other = make_log(50, seed=1, version="older")  # another model's decisions are left out
    report = drift_report_from_log(demo_service, pd.concat([log, other], ignore_index=True))
    assert report.n_current == 300
    assert report.daily is not None and int(report.daily["decisions"].sum()) == 350
    assert report.latency is not None and set(report.latency["channel"]) == {"api", "cli", "dashboard"}
    assert report.score.n_current == 300
    with pytest.raises(
        ValueError, match=r"no decision of bundle version 'demo-seed42' \(found \['older'\]\)"
    ):
        drift_report_from_log(demo_service, other)
    with pytest.raises(ValueError, match="holds no model decision"):
        drift_report_from_log(demo_service, log.assign(kind="refused_input"))
    with pytest.raises(ValueError, match=r"lacks columns \['probability'\]"):
        drift_report_from_log(demo_service, log.drop(columns="probability"))
