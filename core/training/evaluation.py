"""Evaluation of scores against outcomes: the figures credit-risk teams report, with bootstrap intervals.

``pad evaluate`` (:func:`evaluate_bundle`) scores a labelled Kaggle-format population with a bundle
through the scoring service and reports ROC AUC, Gini, KS, the business cost per client at the
bundle's threshold and at the optimum (the optimum is measured on the population itself, so it is
an optimistic bound, not a threshold to deploy), confusion counts, the reliability curve and Brier
score, and the same by segment (contract type, gender, age band, income type). Training uses the
same functions for its held-out figures.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import brier_score_loss, roc_auc_score, roc_curve

from core.cost import CostWeights, confusion_at, optimal_threshold

log = logging.getLogger(__name__)

#: Segments of the report: a raw application field, or ``AGE_BAND`` (from DAYS_BIRTH).
SEGMENTS: tuple[str, ...] = ("NAME_CONTRACT_TYPE", "CODE_GENDER", "AGE_BAND", "NAME_INCOME_TYPE")
AGE_BANDS: tuple[tuple[float, float, str], ...] = (
    (0, 30, "< 30"), (30, 40, "30-39"), (40, 50, "40-49"), (50, 60, "50-59"), (60, 200, "60+"),
)  # fmt: skip
#: Segments smaller than this are reported without figures (too few clients to say anything).
MIN_SEGMENT = 30


def ks_statistic(y: np.ndarray, proba: np.ndarray) -> float:
    """Kolmogorov-Smirnov statistic: the largest gap between the score distributions of
    defaulters and non-defaulters (max of TPR - FPR over thresholds)."""
    fpr, tpr, _ = roc_curve(y, proba)
    return float(np.max(tpr - fpr))


def reliability(y: np.ndarray, proba: np.ndarray, bins: int = 10) -> pd.DataFrame:
    """Reliability curve on equal-count bins: mean predicted probability, observed default rate, n."""
    frame = pd.DataFrame({"y": np.asarray(y, dtype=float), "p": np.asarray(proba, dtype=float)})
    bins = max(1, min(bins, len(frame)))
    frame["bin"] = pd.qcut(frame["p"].rank(method="first"), bins, labels=False)
    return (
        frame.groupby("bin")
        .agg(predicted=("p", "mean"), observed=("y", "mean"), n=("y", "size"))
        .reset_index(drop=True)
    )


def _point(y: np.ndarray, p: np.ndarray, threshold: float, weights: CostWeights) -> dict[str, float]:
    both = 0 < y.sum() < len(y)
    auc = float(roc_auc_score(y, p)) if both else float("nan")
    return {
        "roc_auc": auc,
        "gini": 2 * auc - 1,
        "ks": ks_statistic(y, p) if both else float("nan"),
        "cost_per_client": confusion_at(y, p, threshold, weights).cost_per_client,
        "brier": float(brier_score_loss(y, p)),
        "default_rate": float(y.mean()),
    }


def bootstrap_intervals(
    y: np.ndarray,
    proba: np.ndarray,
    *,
    threshold: float,
    weights: CostWeights,
    n_boot: int = 300,
    level: float = 0.95,
    seed: int = 0,
) -> dict[str, dict[str, float]]:
    """Each figure of :func:`_point` with its percentile bootstrap interval (clients resampled).

    Returns ``{name: {"value", "low", "high"}}``; the threshold is held fixed (the bundle's).
    """
    y = np.asarray(y).astype(int)
    p = np.asarray(proba, dtype=float)
    point = _point(y, p, threshold, weights)
    rng = np.random.default_rng(seed)
    draws: dict[str, list[float]] = {k: [] for k in point}
    for _ in range(n_boot):
        idx = rng.integers(0, len(y), len(y))
        for k, v in _point(y[idx], p[idx], threshold, weights).items():
            draws[k].append(v)
    alpha = (1 - level) / 2
    out = {}
    for k, v in point.items():
        arr = np.asarray(draws[k], dtype=float)
        arr = arr[np.isfinite(arr)]
        low, high = np.quantile(arr, [alpha, 1 - alpha]) if arr.size else (np.nan, np.nan)
        out[k] = {"value": v, "low": float(low), "high": float(high)}
    return out


def age_band(days_birth: pd.Series) -> pd.Series:
    """Age band of each client from Kaggle's DAYS_BIRTH (negative days before the application)."""
    years = -pd.to_numeric(days_birth, errors="coerce") / 365.25
    out = pd.Series("unknown", index=days_birth.index, dtype=object)
    for lo, hi, name in AGE_BANDS:
        out[(years >= lo) & (years < hi)] = name
    return out


def segment_table(
    y: np.ndarray,
    proba: np.ndarray,
    fields: pd.DataFrame,
    *,
    threshold: float,
    weights: CostWeights,
    n_boot: int = 200,
    seed: int = 0,
) -> list[dict[str, Any]]:
    """One row per (segment, value): n, default rate, acceptance rate, AUC and cost with intervals."""
    rows: list[dict[str, Any]] = []
    for seg in SEGMENTS:
        if seg == "AGE_BAND":
            if "DAYS_BIRTH" not in fields.columns:
                continue
            values = age_band(fields["DAYS_BIRTH"])
        elif seg in fields.columns:
            values = fields[seg].astype(object).where(fields[seg].notna(), "missing")
        else:
            continue
        order = [b[2] for b in AGE_BANDS] + ["unknown"] if seg == "AGE_BAND" else None
        for value in sorted(values.unique(), key=lambda v: order.index(v) if order else str(v)):  # noqa: B023
            mask = (values == value).to_numpy()
            ys, ps = y[mask], proba[mask]
            row: dict[str, Any] = {"segment": seg, "value": str(value), "n": int(mask.sum())}
            row["default_rate"] = float(ys.mean())
            row["acceptance_rate"] = float((ps < threshold).mean())
            if mask.sum() >= MIN_SEGMENT and 0 < ys.sum() < len(ys):
                ci = bootstrap_intervals(
                    ys, ps, threshold=threshold, weights=weights, n_boot=n_boot, seed=seed
                )
                for k in ("roc_auc", "cost_per_client"):
                    row[k], row[f"{k}_low"], row[f"{k}_high"] = ci[k]["value"], ci[k]["low"], ci[k]["high"]
            rows.append(row)
    return rows


@dataclass
class EvaluationReport:
    """Everything ``pad evaluate`` reports about one bundle on one labelled population."""

    bundle: str
    data: str
    n: int
    n_rejected: int
    threshold: float
    cost_weights: dict[str, float]
    figures: dict[str, dict[str, float]]  # name -> value, low, high (bootstrap, bundle's threshold)
    at_threshold: dict[str, Any]  # confusion counts and rates at the bundle's threshold
    at_optimum: dict[str, Any]  # the same at the threshold that is optimal on this population
    reliability: list[dict[str, float]]
    segments: list[dict[str, Any]]
    bootstrap: dict[str, Any]
    history_known: int = 0
    roc: dict[str, list[float]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary."""
        return asdict(self)


def _confusion(y: np.ndarray, p: np.ndarray, threshold: float, weights: CostWeights) -> dict[str, Any]:
    at = confusion_at(y, p, threshold, weights)
    return {
        "threshold": at.threshold, "tp": at.tp, "fp": at.fp, "tn": at.tn, "fn": at.fn, "cost": at.cost,
        "cost_per_client": at.cost_per_client, "recall": at.recall, "precision": at.precision,
        "specificity": at.specificity, "acceptance_rate": at.acceptance_rate,
    }  # fmt: skip


def evaluate_scores(
    y: np.ndarray,
    proba: np.ndarray,
    fields: pd.DataFrame,
    *,
    threshold: float,
    weights: CostWeights,
    n_boot: int = 300,
    seed: int = 0,
    bundle: str = "",
    data: str = "",
    n_rejected: int = 0,
) -> EvaluationReport:
    """The report of labelled scores (``fields``: the raw application fields of the same rows)."""
    y = np.asarray(y).astype(int)
    p = np.asarray(proba, dtype=float)
    if len(y) == 0:
        raise ValueError("no labelled client could be scored: the evaluation needs at least one.")
    level = 0.95
    figures = bootstrap_intervals(
        y, p, threshold=threshold, weights=weights, n_boot=n_boot, level=level, seed=seed
    )
    best = optimal_threshold(y, p, weights)
    fpr, tpr, _ = roc_curve(y, p) if 0 < y.sum() < len(y) else (np.array([0.0, 1.0]),) * 2 + (None,)
    keep = np.unique(np.linspace(0, len(fpr) - 1, min(len(fpr), 200)).astype(int))
    return EvaluationReport(
        bundle=bundle,
        data=data,
        n=int(len(y)),
        n_rejected=int(n_rejected),
        threshold=float(threshold),
        cost_weights={"fn": weights.fn, "fp": weights.fp},
        figures=figures,
        at_threshold=_confusion(y, p, threshold, weights),
        at_optimum=_confusion(y, p, best, weights),
        reliability=reliability(y, p).round(6).to_dict(orient="records"),
        segments=segment_table(y, p, fields.reset_index(drop=True), threshold=threshold, weights=weights,
                               n_boot=max(50, n_boot // 2), seed=seed),
        bootstrap={"resamples": n_boot, "level": level, "method": "percentile, clients resampled, threshold fixed"},
        roc={"fpr": [float(v) for v in fpr[keep]], "tpr": [float(v) for v in tpr[keep]]},
    )  # fmt: skip


def evaluate_bundle(
    bundle_dir: Path | str, data: Path | str, *, n_boot: int = 300, seed: int = 0
) -> EvaluationReport:
    """Score a labelled population with a bundle and report it (see the module docstring).

    ``data`` is a folder of Kaggle tables (``application_train.csv`` scored with each client's
    history aggregated from the side tables present) or one labelled CSV (``TARGET`` column, no
    history). Rows the validation rejects are counted, not scored.
    """
    from core.features.build import history_table
    from core.serving.service import FrameHistory, ScoringService
    from core.serving.source import load_bundle_arg
    from core.serving.validation import read_clients_csv

    data = Path(data)
    bundle = load_bundle_arg(bundle_dir)  # a folder, or a registered model (models:/NAME/VERSION)
    history = None
    if data.is_dir():
        csv = data / "application_train.csv"
        if not csv.exists():
            raise FileNotFoundError(
                f"{data} has no application_train.csv: give a folder of Kaggle tables or a CSV."
            )
        history = FrameHistory(history_table(data).to_pandas())
    else:
        csv = data
    frame = read_clients_csv(csv)
    if "TARGET" not in frame.columns:
        raise ValueError(
            f"{csv.name} has no TARGET column: the evaluation needs known outcomes (0 repaid, 1 default)."
        )
    service = ScoringService(bundle, history=history)
    if history is None:
        service.history = None
    batch = service.score_frame(frame)
    if batch.target is None:
        raise ValueError(f"{csv.name}: no TARGET values could be read.")
    y = batch.target.astype(int).to_numpy()
    p = batch.results["probability"].to_numpy(dtype=float)
    rows = batch.results["row"].to_numpy(dtype=int) - 1
    fields = frame.iloc[rows][
        [
            c
            for c in ("NAME_CONTRACT_TYPE", "CODE_GENDER", "DAYS_BIRTH", "NAME_INCOME_TYPE")
            if c in frame.columns
        ]
    ]
    report = evaluate_scores(
        y, p, fields, threshold=bundle.threshold, weights=bundle.cost_weights, n_boot=n_boot, seed=seed,
        bundle=str(bundle_dir), data=str(data), n_rejected=batch.n_rows - batch.n_scored,
    )  # fmt: skip
    report.history_known = int((batch.results["history"] == "known").sum())
    return report
