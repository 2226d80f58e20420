"""Drift between the demo bundle's synthetic reference and the real Home Credit samples."""

from __future__ import annotations

import math

import pytest

from core.features.build import build_features
from core.monitoring import drift_report, to_html, to_json
from tests.conftest import HOMECREDIT

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def real_features():
    if not (HOMECREDIT / "application_train.csv").is_file():
        pytest.skip(f"real Home Credit samples not found at {HOMECREDIT}")
    return build_features(HOMECREDIT)  # application_train + application_test, with their history


def test_real_clients_against_the_synthetic_reference(demo_service, real_features):
    report = drift_report(demo_service, real_features, source="real Home Credit samples")
    assert report.n_current == len(real_features) > 10_000
    assert len(report.features) == len(demo_service.schema.names)
    figures = [report.score.psi, *(f.psi for f in report.features)]
    assert all(math.isfinite(x) and x >= 0 for x in figures)
    assert all(math.isclose(sum(b.current_share for b in f.bins), 1.0) for f in report.features)
    assert sum(report.counts.values()) == len(report.features)
    to_json(report), to_html(report)  # the exports handle real data
    print(f"\nscore PSI {report.score.psi:.4f} ({report.score.band}); {report.counts}")
    for f in report.top(10):
        print(f"{f.psi:8.4f}  {f.band:6}  {f.name}")
