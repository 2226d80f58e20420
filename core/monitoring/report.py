"""Drift report: the PSI of every model feature and of the score, current population vs the bundle's
reference sample (the clients the model was built around)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from core.monitoring.decisions import check_log, daily_rates, latency_percentiles
from core.monitoring.psi import BANDS, DEFAULT_BINS, Band, FeatureDrift, FeatureKind, feature_psi
from core.serving.bundle import Bundle
from core.serving.service import ScoringService

#: The name the score's drift goes by in a report.
SCORE_NAME = "probability"


@dataclass(frozen=True)
class DriftReport:
    """PSI of each model feature (highest first) and of the predicted probability of default."""

    bundle_name: str
    bundle_version: str
    created_at: str  # ISO 8601, UTC
    n_reference: int
    n_current: int
    score: FeatureDrift
    features: tuple[FeatureDrift, ...]  # sorted by PSI, highest first
    source: str = ""  # what the current population is: a file, the decision log over a window...
    daily: pd.DataFrame | None = None  # decision-log reports: see core.monitoring.decisions.daily_rates
    latency: pd.DataFrame | None = None  # decision-log reports: see latency_percentiles

    @property
    def counts(self) -> dict[Band, int]:
        """Number of features in each band (every band listed, zeros included)."""
        out: dict[Band, int] = dict.fromkeys(BANDS, 0)
        for f in self.features:
            out[f.band] += 1
        return out

    def top(self, n: int = 10) -> tuple[FeatureDrift, ...]:
        """The ``n`` features that drifted most."""
        return self.features[:n]

    def table(self) -> pd.DataFrame:
        """One row per feature: feature, kind, psi, band, n_reference, n_current (PSI descending)."""
        return pd.DataFrame(
            [(f.name, f.kind, f.psi, f.band, f.n_reference, f.n_current) for f in self.features],
            columns=["feature", "kind", "psi", "band", "n_reference", "n_current"],
        )


def _service(service_or_bundle: ScoringService | Bundle) -> ScoringService:
    if isinstance(service_or_bundle, ScoringService):
        return service_or_bundle
    return ScoringService(service_or_bundle)


def _reference(bundle: Bundle) -> pd.DataFrame:
    ref = bundle.reference
    if ref is None or ref.empty:
        raise ValueError(
            f"bundle {bundle.name} {bundle.version} has no reference data, so drift cannot be measured "
            "(legacy bundles carry none)."
        )
    return ref


def _kinds(bundle: Bundle) -> dict[str, FeatureKind]:
    """Categorical features are binned by category; numeric and yes/no ones (0/1) by quantile."""
    return {
        spec.name: "categorical" if spec.kind == "categorical" else "numeric"
        for spec in bundle.schema.features
    }


def _categories(column: pd.Series, missing_token: str) -> pd.Series:
    """A categorical column with the model's missing token (e.g. ``"Missing"``) as a real missing value."""
    col = column.astype(object)
    return col.where(col.notna() & (col != missing_token), None)


def _current_probabilities(service: ScoringService, current: pd.DataFrame, given: Any | None) -> pd.Series:
    if given is None:
        return pd.Series(service.probabilities(current), name=SCORE_NAME)
    proba = pd.Series(np.asarray(given, dtype=float), name=SCORE_NAME)
    if len(proba) != len(current):
        raise ValueError(
            f"current_probabilities has {len(proba)} values for {len(current)} current rows: "
            "give one probability per row, or none to have the model score the rows."
        )
    return proba


def drift_report(
    service_or_bundle: ScoringService | Bundle,
    current_features: pd.DataFrame,
    *,
    current_probabilities: Any | None = None,
    bins: int = DEFAULT_BINS,
    source: str = "",
) -> DriftReport:
    """PSI of every model feature and of the score between the bundle's reference and ``current_features``.

    Parameters
    ----------
    service_or_bundle
        The scoring service of the bundle (or the bundle: a service is then built for it).
    current_features
        The model's feature vectors of the current population (e.g. ``BatchScoring.features``);
        extra columns are ignored.
    current_probabilities
        The probabilities of default the model gave those rows (e.g. from the decision log); by
        default the model scores ``current_features``. The reference's probabilities are always the
        model's scores of the reference features.
    bins
        Quantile bins per numeric feature and for the score.
    source
        A short description of the current population, carried into the report.
    """
    service = _service(service_or_bundle)
    bundle = service.bundle
    reference = _reference(bundle)
    names = bundle.schema.names
    absent = [n for n in names if n not in current_features.columns]
    if absent:
        raise ValueError(
            f"current_features lacks {len(absent)} model feature(s) of bundle {bundle.name}: {absent[:10]}."
        )
    if current_features.empty:
        raise ValueError("the current population is empty (0 rows): there is nothing to compare.")
    current = current_features[names].reset_index(drop=True)
    token = bundle.schema.missing_category
    drifts = []
    for name, kind in _kinds(bundle).items():
        ref_col, cur_col = reference[name], current[name]
        if kind == "categorical":
            ref_col, cur_col = _categories(ref_col, token), _categories(cur_col, token)
        drifts.append(feature_psi(ref_col, cur_col, kind=kind, bins=bins, name=name))
    ref_proba = pd.Series(service.probabilities(reference[names]), name=SCORE_NAME)
    cur_proba = _current_probabilities(service, current, current_probabilities)
    score = feature_psi(ref_proba, cur_proba, kind="numeric", bins=bins, name=SCORE_NAME)
    return DriftReport(
        bundle_name=bundle.name,
        bundle_version=bundle.version,
        created_at=datetime.now(UTC).replace(microsecond=0).isoformat(),
        n_reference=len(reference),
        n_current=len(current),
        score=score,
        features=tuple(sorted(drifts, key=lambda d: (-d.psi, d.name))),
        source=source,
    )


def drift_report_from_log(
    service_or_bundle: ScoringService | Bundle,
    log: pd.DataFrame,
    *,
    bins: int = DEFAULT_BINS,
    source: str = "the decision log",
) -> DriftReport:
    """Drift of the logged model decisions, plus the log's daily rates and latency per channel.

    ``log`` is a decision-log frame with the model features and ``probability`` of each decision
    (:func:`core.store.decisions_frame`); only ``decision`` rows are compared with the reference,
    with the probability that was logged, and only those of the bundle's version when the frame
    has a ``bundle_version`` column. The daily rates and latencies are over every row of ``log``.
    """
    check_log(log, ("created_at", "channel", "kind", "decision", "overridden", "latency_ms", SCORE_NAME))
    service = _service(service_or_bundle)
    decided = log[log["kind"] == "decision"]
    if decided.empty:
        raise ValueError(
            f"the decision log holds no model decision ({len(log)} event(s), none of kind 'decision'): "
            "there is nothing to compare with the reference."
        )
    if "bundle_version" in decided.columns:  # another model's features and scores are not comparable
        version = service.bundle.version
        decided = decided[decided["bundle_version"] == version]
        if decided.empty:
            found = sorted({str(v) for v in log["bundle_version"].dropna()})
            raise ValueError(
                f"the decision log holds no decision of bundle version {version!r} (found {found}): "
                "compare it with the bundle that made those decisions (--bundle)."
            )
    report = drift_report(
        service, decided, current_probabilities=decided[SCORE_NAME], bins=bins, source=source
    )
    return replace(report, daily=daily_rates(log), latency=latency_percentiles(log))
