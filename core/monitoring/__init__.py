"""Drift monitoring: population stability of the model's features and score, and decision-log figures.

:mod:`core.monitoring.psi` computes one feature's PSI; :func:`drift_report` compares a current
population with the bundle's reference sample; :mod:`core.monitoring.decisions` turns a decision-log
frame into daily rates and latency percentiles; :mod:`core.monitoring.render` writes a report as
JSON, CSV or HTML.
"""

from core.monitoring.decisions import daily_rates, latency_percentiles, load_decision_log
from core.monitoring.psi import (
    Band,
    FeatureDrift,
    FeatureKind,
    PSIBin,
    band,
    categorical_psi,
    feature_psi,
    numeric_psi,
    psi_from_shares,
)
from core.monitoring.render import to_csv, to_html, to_json
from core.monitoring.report import DriftReport, drift_report, drift_report_from_log

__all__ = [
    "Band",
    "DriftReport",
    "FeatureDrift",
    "FeatureKind",
    "PSIBin",
    "band",
    "categorical_psi",
    "daily_rates",
    "drift_report",
    "drift_report_from_log",
    "feature_psi",
    "latency_percentiles",
    "load_decision_log",
    "numeric_psi",
    "psi_from_shares",
    "to_csv",
    "to_html",
    "to_json",
]
