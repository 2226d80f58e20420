"""Fairness audit: acceptance, default and error rates by group, with the four-fifths rule.

For the groups of one attribute — gender (``CODE_GENDER``), age band (from ``DAYS_BIRTH``) or any
categorical field — the audit gives each group's count, acceptance rate, the ratio of its
acceptance rate to the best-treated group's (the *four-fifths rule*: a ratio below 0.8 is flagged)
and, when outcomes are known, the observed default rate and the true and false positive rates at the
threshold. Positive class: **default** (TARGET = 1); the model's positive prediction is **refused**
(probability >= threshold): TPR is the share of defaulters refused, FPR the share of good clients
refused. The group metrics are fairlearn's ``MetricFrame`` (its ``selection_rate``,
``true_positive_rate``, ``false_positive_rate``, ``group_max`` and ``demographic_parity_ratio``);
percentile bootstrap intervals resample the clients (fairlearn's own ``n_boot`` builds one
MetricFrame per resample — 12 s for 200 resamples of 400 rows on this machine — so the resamples are
counted here with ``bincount``, the same statistics).

Three populations: the bundle's labelled validation set (its clients' fields from the reference
data), an uploaded labelled file scored by the service, and the decisions logged over a period
(acceptance only: the log holds no outcomes).
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from fairlearn.metrics import MetricFrame, demographic_parity_ratio, selection_rate

from core.serving.bundle import Bundle
from core.serving.schema import ID_COLUMN, TARGET_COLUMN, FeatureSchema

FOUR_FIFTHS = 0.8
#: groups smaller than this are shown but their ratios are marked as unreliable
MIN_GROUP = 30
AGE_BAND = "AGE_BAND"
#: age bands in years (lower bound included), from DAYS_BIRTH (days before the application, negative)
AGE_EDGES: tuple[float, ...] = (0, 25, 35, 45, 55, np.inf)
AGE_NAMES: tuple[str, ...] = ("< 25", "25-34", "35-44", "45-54", "55+")
MISSING = "(missing)"
#: fields that describe a protected characteristic (EU non-discrimination law; Regulation B)
SENSITIVE_FIELDS: dict[str, str] = {
    "CODE_GENDER": "gender",
    "DAYS_BIRTH": "age",
    "NAME_FAMILY_STATUS": "family status",
    "CNT_CHILDREN": "number of children",
}


@dataclass(frozen=True)
class FairnessAudit:
    """The audit of one attribute over one population (``table``: one row per group)."""

    attribute: str
    source: str
    n: int
    labelled: bool
    threshold: float | None
    level: float
    table: pd.DataFrame
    min_ratio: float  # fairlearn's demographic_parity_ratio of acceptance (smallest / largest rate)
    best_group: str
    flagged: list[str] = field(default_factory=list)  # groups whose ratio is below 0.8

    def summary(self) -> str:
        """One sentence for a report."""
        flagged = ", ".join(self.flagged) if self.flagged else "none"
        return (
            f"{self.attribute} on {self.source} ({self.n} clients): lowest approval-rate ratio "
            f"{self.min_ratio:.2f} (best-treated group: {self.best_group}); below {FOUR_FIFTHS}: {flagged}"
        )


def age_band(days_birth: pd.Series) -> pd.Series:
    """The age band of each ``DAYS_BIRTH`` (text cells accepted; unreadable or missing: ``(missing)``)."""
    years = -pd.to_numeric(days_birth, errors="coerce") / 365.25
    bands = pd.cut(years, bins=list(AGE_EDGES), labels=list(AGE_NAMES), right=False)
    return bands.astype(object).where(bands.notna(), MISSING)


def groups_of(frame: pd.DataFrame, attribute: str) -> pd.Series:
    """The group of each row for ``attribute`` (``AGE_BAND`` is made from ``DAYS_BIRTH``)."""
    if attribute == AGE_BAND:
        if "DAYS_BIRTH" not in frame.columns:
            raise ValueError("the age band needs DAYS_BIRTH, which this population does not hold.")
        return age_band(frame["DAYS_BIRTH"]).rename(AGE_BAND)
    if attribute not in frame.columns:
        raise ValueError(f"attribute={attribute!r} is not a column of this population.")
    values = frame[attribute].astype(object)
    return values.where(values.notna() & (values.astype(str) != ""), MISSING).astype(str).rename(attribute)


def _rate(mask: Callable[[np.ndarray, np.ndarray], np.ndarray], hit: Callable[..., np.ndarray]) -> Callable:
    """A fairlearn metric: share of ``hit`` among ``mask`` (NaN when the group has none)."""

    def metric(y_true: Any, y_pred: Any) -> float:
        y, p = np.asarray(y_true), np.asarray(y_pred)
        m = mask(y, p)
        return float(hit(y, p)[m].mean()) if m.any() else float("nan")

    return metric


# positive class: default (y = 1); positive prediction: refused (p = 1)
_TPR = _rate(lambda y, p: y == 1, lambda y, p: p == 1)
_FPR = _rate(lambda y, p: y == 0, lambda y, p: p == 1)
_DEFAULT_RATE = _rate(lambda y, p: np.ones_like(y, dtype=bool), lambda y, p: y == 1)


def _point(groups: pd.Series, accepted: np.ndarray, target: np.ndarray | None) -> tuple[pd.DataFrame, float]:
    """Per-group point estimates through fairlearn, and the demographic parity ratio of acceptance."""
    refused = (~accepted).astype(int)
    with warnings.catch_warnings():  # fairlearn warns about its own defaults; nothing here depends on them
        warnings.simplefilter("ignore")
        accept = MetricFrame(
            metrics={"count": lambda y, p: len(y), "acceptance_rate": selection_rate},
            y_true=np.zeros(len(accepted), dtype=int) if target is None else target,
            y_pred=accepted.astype(int), sensitive_features=groups,
        )  # fmt: skip
        table = accept.by_group.copy()
        table["approval_ratio"] = table["acceptance_rate"] / accept.group_max()["acceptance_rate"]
        ratio = float(
            demographic_parity_ratio(
                np.zeros(len(accepted), dtype=int), accepted.astype(int), sensitive_features=groups
            )
        )
        if target is not None:
            errors = MetricFrame(
                metrics={"default_rate": _DEFAULT_RATE, "tpr": _TPR, "fpr": _FPR},
                y_true=target, y_pred=refused, sensitive_features=groups,
            )  # fmt: skip
            table = table.join(errors.by_group)
    table.index = table.index.astype(str)
    return table, ratio


def _bootstrap(
    codes: np.ndarray, k: int, accepted: np.ndarray, target: np.ndarray | None, n_boot: int, seed: int
) -> dict[str, np.ndarray]:
    """Resampled per-group statistics (n_boot x k each), counted with bincount."""
    rng = np.random.default_rng(seed)
    n = codes.size
    out: dict[str, list[np.ndarray]] = {"acceptance_rate": [], "approval_ratio": []}
    if target is not None:
        out |= {"default_rate": [], "tpr": [], "fpr": []}
    refused = ~accepted
    for _ in range(n_boot):
        idx = rng.integers(0, n, n)
        g = codes[idx]

        def count(mask: np.ndarray, g: np.ndarray = g) -> np.ndarray:
            return np.bincount(g[mask], minlength=k).astype(float)

        with np.errstate(invalid="ignore", divide="ignore"):
            total = count(np.ones(n, dtype=bool))
            acc = count(accepted[idx]) / total
            out["acceptance_rate"].append(acc)
            out["approval_ratio"].append(acc / np.nanmax(acc) if np.any(acc > 0) else acc * np.nan)
            if target is not None:
                y = target[idx]
                out["default_rate"].append(count(y == 1) / total)
                out["tpr"].append(count((y == 1) & refused[idx]) / count(y == 1))
                out["fpr"].append(count((y == 0) & refused[idx]) / count(y == 0))
    return {name: np.vstack(rows) for name, rows in out.items()}


def fairness_audit(
    frame: pd.DataFrame,
    attribute: str,
    *,
    threshold: float | None = None,
    source: str = "population",
    n_boot: int = 200,
    level: float = 0.9,
    seed: int = 0,
) -> FairnessAudit:
    """Audit ``frame`` by ``attribute`` (a column, or :data:`AGE_BAND`).

    ``frame`` holds ``accepted`` (bool) or ``probability`` (then accepted = probability < ``threshold``),
    and optionally ``TARGET`` (0 repaid, 1 default) for the default rate, TPR and FPR. Each statistic comes
    with a percentile bootstrap interval at ``level`` (``*_low``, ``*_high``); ``flag`` marks ratios
    below 0.8, ``small`` groups of fewer than :data:`MIN_GROUP` clients.
    """
    if not len(frame):
        raise ValueError(f"no clients to audit in {source}.")
    if "accepted" in frame.columns:
        accepted = frame["accepted"].to_numpy(dtype=bool)
    elif "probability" in frame.columns and threshold is not None:
        accepted = frame["probability"].to_numpy(dtype=float) < threshold
    else:
        raise ValueError("the population needs an 'accepted' column, or 'probability' and a threshold.")
    target = None
    if TARGET_COLUMN in frame.columns:
        y = pd.to_numeric(frame[TARGET_COLUMN], errors="coerce")
        if y.notna().all() and y.isin((0, 1)).all():
            target = y.to_numpy(dtype=int)
    groups = groups_of(frame, attribute).reset_index(drop=True)
    table, ratio = _point(groups, accepted, target)
    order = {name: i for i, name in enumerate(table.index)}
    codes = groups.map(order).to_numpy(dtype=np.int64)
    boots = _bootstrap(codes, len(order), accepted, target, n_boot, seed)
    alpha = (1 - level) / 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns (a group without defaulters)
        for name, values in boots.items():
            table[f"{name}_low"] = np.nanquantile(values, alpha, axis=0)
            table[f"{name}_high"] = np.nanquantile(values, 1 - alpha, axis=0)
    table["count"] = table["count"].astype(int)
    table["flag"] = table["approval_ratio"] < FOUR_FIFTHS
    table["small"] = table["count"] < MIN_GROUP
    table = table.rename_axis("group").reset_index()
    if attribute == AGE_BAND:
        rank = {name: i for i, name in enumerate([*AGE_NAMES, MISSING])}
        table = table.sort_values("group", key=lambda s: s.map(rank)).reset_index(drop=True)
    best = str(table.loc[table["acceptance_rate"].idxmax(), "group"])
    return FairnessAudit(
        attribute=attribute, source=source, n=len(frame), labelled=target is not None, threshold=threshold,
        level=level, table=table, min_ratio=ratio, best_group=best,
        flagged=[str(g) for g in table.loc[table["flag"], "group"]],
    )  # fmt: skip


# ---------------------------------------------------------------------- populations
def validation_population(bundle: Bundle) -> pd.DataFrame:
    """The bundle's labelled validation predictions with their clients' fields (from the validation set
    itself, or else its reference data by ``SK_ID_CURR``: only the clients both hold)."""
    validation = bundle.validation
    if validation is None or not {"probability", TARGET_COLUMN} <= set(validation.columns):
        raise ValueError("this bundle has no labelled validation set to audit.")
    if "CODE_GENDER" in validation.columns or bundle.reference is None or ID_COLUMN not in validation.columns:
        return validation.reset_index(drop=True)
    ref = bundle.reference
    fields = [c for c in ref.columns if c not in validation.columns or c == ID_COLUMN]
    joined = validation.merge(ref[fields].drop_duplicates(ID_COLUMN), on=ID_COLUMN, how="inner")
    if joined.empty:
        raise ValueError(
            "no client of the validation set is in the bundle's reference data: no fields to group by."
        )
    return joined.reset_index(drop=True)


def scored_population(frame: pd.DataFrame, results: pd.DataFrame, first_row: int = 1) -> pd.DataFrame:
    """An uploaded file's rows (text cells) with their scores: ``results`` is the service's batch result
    (``row``, ``probability``, ``decision``); rows that were not scored are left out."""
    rows = results["row"].to_numpy(dtype=int) - first_row
    out = frame.iloc[rows].reset_index(drop=True).copy()
    out["probability"] = results["probability"].to_numpy(dtype=float)
    out["accepted"] = (results["decision"] == "ACCEPTED").to_numpy()
    return out


def logged_population(
    log: Any, *, since: datetime | None = None, until: datetime | None = None, final: bool = False
) -> pd.DataFrame:
    """Model decisions logged in ``[since, until)`` with the application fields as received;
    ``accepted`` is the model's decision, or with ``final`` the officer's where one overrode it."""
    from sqlalchemy import select

    from core.store import tables as t
    from core.store.listing import conditions

    table = log.table(since=since, until=until, kind="decision")
    if table.empty:
        raise ValueError("no model decision is logged in this period.")
    d = t.decisions
    query = select(d.c.seq, d.c.application).where(*conditions(since=since, until=until, kind="decision"))
    with log.engine.connect() as conn:
        apps = {int(s): json.loads(a) if a else {} for s, a in conn.execute(query)}
    fields = pd.DataFrame([apps.get(int(s), {}) or {} for s in table["seq"]], index=table.index)
    column = "final_decision" if final else "decision"
    out = pd.concat([table[["decision_id", "created_at", "decision", "final_decision"]], fields], axis=1)
    out["accepted"] = (table[column] == "ACCEPTED").to_numpy()
    return out.reset_index(drop=True)


def categorical_fields(frame: pd.DataFrame, schema: FeatureSchema, *, max_groups: int = 30) -> list[str]:
    """Fields of the population an analyst can group by: the schema's categorical inputs (or features)
    present in ``frame`` with at most ``max_groups`` values, gender first."""
    names = [s.name for s in (*schema.inputs, *schema.features) if s.kind == "categorical"]
    out = [n for n in dict.fromkeys(names) if n in frame.columns and frame[n].nunique() <= max_groups]
    return sorted(out, key=lambda n: (n != "CODE_GENDER", n))


def sensitive_inputs(schema: FeatureSchema) -> list[dict[str, Any]]:
    """Which sensitive fields the model reads: ``direct`` (a model feature), ``derived`` (through the
    features listed in ``via``) or ``no``."""
    out = []
    for name, meaning in SENSITIVE_FIELDS.items():
        via = [
            s.name
            for s in schema.features
            if s.name != name and s.info is not None and name in (s.info.depends_on or ())
        ]
        used = "direct" if name in schema.names else "derived" if via else "no"
        out.append({"field": name, "meaning": meaning, "used": used, "via": via})
    return out


def audit_table(audits: list[FairnessAudit]) -> pd.DataFrame:
    """Every audit's groups in one table (attribute and source first), e.g. for a CSV export."""
    frames = [a.table.assign(attribute=a.attribute, source=a.source) for a in audits]
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    first = ["attribute", "source", "group"]
    return table[first + [c for c in table.columns if c not in first]] if len(table) else table


def audits_json(audits: list[FairnessAudit]) -> str:
    """The audits as JSON: per attribute, the summary figures and the groups (NaN as null)."""
    out = []
    for a in audits:
        groups = json.loads(a.table.to_json(orient="records"))
        out.append(
            {
                "attribute": a.attribute, "source": a.source, "n": a.n, "labelled": a.labelled,
                "threshold": a.threshold, "level": a.level, "min_ratio": a.min_ratio,
                "best_group": a.best_group, "flagged": a.flagged, "four_fifths": FOUR_FIFTHS, "groups": groups,
            }
        )  # fmt: skip
    return json.dumps(out, indent=1, ensure_ascii=False)
