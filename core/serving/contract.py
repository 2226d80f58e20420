"""The scoring contract: the versioned result schema every caller receives (API, CLI, dashboard).

Change it only on purpose: the golden corpus (``tests/golden``) pins its exact outputs, and any
change of fields or values comes with a new :data:`CONTRACT_VERSION`. Fields reserved for later
additions (recourse options) are present and null, so that adding them does not break callers.
``recourse`` is filled (:func:`recourse_out`) only where a recourse search ran — ``POST /recourse``;
every other result keeps it null.

Changelog: 1.0 the first contract; 1.1 + ``decision_id``; 1.2 contributions rounded to
:data:`CONTRIBUTION_DECIMALS` decimals; 1.3 an integral number as the client id (``100002.0``) is read
as that exact integer instead of being refused; 1.4 batch results also warn of a client id an earlier
row has and of a JSON key given twice; 1.5 fills the reserved ``points_score`` (a scorecard reading of
the probability: :mod:`core.serving.points`), adds ``points_band`` and fills the reserved
``review_status`` (the grey zone: :mod:`core.serving.review`; ``decision`` keeps its meaning, the model's
decision), and the batch table gains the columns ``points_score``, ``points_band``, ``review_status``.
"""

from __future__ import annotations

from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, Field

from core.serving.presentation import SpecIndex, reason_sentence
from core.serving.recourse import Recourse, option_sentence
from core.serving.service import BatchScoring, Reason, ScoringResult

CONTRACT_VERSION = "1.5"  # also the Literal of ScoreOut.contract_version: change both, on purpose
SHAP_SCALE = "log-odds of default"
#: Decimals of a contribution in the contract: two exact TreeSHAP implementations (CatBoost's, the
#: per-leaf tables of :mod:`core.serving.treeshap`) agree to ~1e-15 but not bit for bit (float summation
#: order), so the contract carries 10 decimals — far below any difference a reason could show.
CONTRIBUTION_DECIMALS = 10
#: Columns of a batch result, identical in ``pad score``, the dashboard download and /predict/batch.
TABLE_COLUMNS = [
    "row",
    "SK_ID_CURR",
    "probability",
    "decision",
    "threshold",
    "history",
    "bundle_version",
    "warnings",
    "points_score",
    "points_band",
    "review_status",
]
REASON_COLUMNS = ["reasons_toward_default", "reasons_toward_repayment"]


class ReasonOut(BaseModel):
    """One principal factor of the decision."""

    feature: str = Field(description="model feature (code)")
    label_fr: str
    label_en: str
    value: float | str | None = Field(description="the client's value of the feature, in model units")
    contribution: float = Field(
        description=f"SHAP value ({SHAP_SCALE}, {CONTRIBUTION_DECIMALS} decimals); > 0 pushes toward default"
    )
    direction: Literal["default", "repayment"]
    percentile: float | None = Field(description="share (0-100) of reference clients with a lower value")
    text_fr: str
    text_en: str


class Reasons(BaseModel):
    """Top factors pushing toward default and toward repayment."""

    toward_default: list[ReasonOut]
    toward_repayment: list[ReasonOut]


class WarningOut(BaseModel):
    """A value accepted with a caveat (e.g. outside what training saw)."""

    field: str
    message: str


class BundleRef(BaseModel):
    """Which model produced the result."""

    name: str
    version: str
    model_sha256: str | None


class ScoreOut(BaseModel):
    """The result of scoring one application (contract 1.5: 1.4 with ``points_score``, ``points_band`` and
    ``review_status`` filled; 1.4: 1.3 whose batch results also warn, in ``warnings``, of a client id an
    earlier row has and of a JSON key given twice; 1.3: 1.2 where an integral number as the client id,
    ``100002.0``, is read as that exact integer instead of being refused (up to 2**53 for a float; the
    API reads its JSON text exactly); 1.2: 1.1 with contributions rounded to
    :data:`CONTRIBUTION_DECIMALS` decimals; 1.1 = 1.0 + ``decision_id``; see the module's changelog)."""

    contract_version: Literal["1.5"] = "1.5"
    client_id: int | None = Field(description="SK_ID_CURR as sent: an exact integer, never a float")
    probability: float = Field(description="model's probability of default (class 1, TARGET = 1)")
    decision: Literal["ACCEPTED", "REFUSED"] = Field(
        description="the model's decision: REFUSED when probability >= threshold"
    )
    threshold: float
    bundle: BundleRef
    history: Literal["known", "none", "not_applicable"] = Field(
        description="known: the client's credit history was used; none: no history known (new applicant); "
        "not_applicable: the bundle scores feature records"
    )
    shap_scale: Literal["log-odds of default"] = "log-odds of default"
    reasons: Reasons
    warnings: list[WarningOut]
    missing_fields: list[str] = Field(description="input fields the record did not give (scored as missing)")
    decision_id: str | None = Field(
        default=None, description="id of this decision in the decision log (null when it was not recorded)"
    )
    points_score: int | None = Field(
        default=None,
        description="points = offset + factor·ln(odds of repaying), factor = PDO / ln 2 (default: 600 points "
        "at odds 50:1, 20 points to double the odds, within 300-850); more points = lower risk",
    )
    points_band: str | None = Field(
        default=None, description="band of the points score, A (lowest risk) to E"
    )
    review_status: Literal["to_review", "not_required"] | None = Field(
        default=None,
        description="to_review: the probability lies in the grey zone around the threshold and a person "
        "decides (the model's decision stays in `decision`); null when no grey zone is configured",
    )
    # reserved for later versions: present, null until filled
    recourse: list[dict[str, Any]] | None = None


class LegacyScoreOut(ScoreOut):
    """A result for a legacy bundle: also the original API's field names, for its existing callers."""

    SK_ID_CURR: int | None
    proba_default: float
    score: int = Field(description="1 = REFUSED, 0 = ACCEPTED (the original API)")
    latency_ms: float


def reason_out(reason: Reason, schema: Any) -> ReasonOut:
    """A reason code in the contract, with its sentences."""
    from core.serving.presentation import label

    return ReasonOut(
        feature=reason.feature,
        label_fr=label(reason.feature, "fr", schema),
        label_en=label(reason.feature, "en", schema),
        value=reason.value,
        contribution=round(reason.contribution, CONTRIBUTION_DECIMALS),
        direction=reason.direction,
        percentile=reason.percentile,
        text_fr=reason_sentence(reason, "fr", schema),
        text_en=reason_sentence(reason, "en", schema),
    )


def score_out(
    result: ScoringResult,
    schema: Any,
    *,
    legacy: bool = False,
    latency_ms: float = 0.0,
    decision_id: str | None = None,
    recourse: Recourse | None = None,
) -> ScoreOut:
    """The contract's view of a scoring result (``recourse``: fills the reserved field when searched)."""
    body: dict[str, Any] = {
        "client_id": result.client_id,
        "probability": result.probability,
        "decision": result.decision,
        "threshold": result.threshold,
        "bundle": BundleRef(
            name=result.bundle_name, version=result.bundle_version, model_sha256=result.model_sha256
        ),
        "history": result.history,
        "reasons": Reasons(
            toward_default=[reason_out(r, schema) for r in result.toward_default],
            toward_repayment=[reason_out(r, schema) for r in result.toward_repayment],
        ),
        "warnings": [WarningOut(field=w.field, message=w.message) for w in result.warnings],
        "missing_fields": list(result.missing_fields),
        "decision_id": decision_id,
        "points_score": result.points_score,
        "points_band": result.points_band,
        "review_status": result.review_status,
        "recourse": None
        if recourse is None or recourse.status == "not_applicable"
        else recourse_out(recourse, schema),
    }
    if legacy:
        return LegacyScoreOut(
            **body,
            SK_ID_CURR=result.client_id,
            proba_default=result.probability,
            score=int(result.decision == "REFUSED"),
            latency_ms=round(latency_ms, 3),
        )
    return ScoreOut(**body)


def recourse_out(recourse: Recourse, schema: Any) -> list[dict[str, Any]]:
    """The reserved ``recourse`` field: one dict per option — ``changes`` (field, current, proposed),
    the model's ``probability`` with them, ``distance`` (sum of relative changes), ``term`` (credit /
    annuity after the changes) and the sentence in French and English; an empty list when the
    application needs none (accepted) or no change within the bounds turns the decision."""
    return [
        {
            **o.record(),
            "text_fr": option_sentence(o.changes, "fr", schema),
            "text_en": option_sentence(o.changes, "en", schema),
        }
        for o in recourse.options
    ]


def results_table(
    batch: BatchScoring, schema: Any, *, bundle_version: str, lang: Literal["fr", "en"] = "en"
) -> pd.DataFrame:
    """The batch result table shared by every channel (:data:`TABLE_COLUMNS` + reasons when explained)."""
    out = batch.results.copy()
    out["bundle_version"] = bundle_version
    by_row: dict[int, list[str]] = {}
    for w in batch.warnings:
        by_row.setdefault(w.row, []).append(f"{w.field}: {w.problem}")
    out["warnings"] = [" | ".join(by_row.get(int(r), [])) for r in out["row"]]
    out = out[TABLE_COLUMNS]
    if batch.reasons is not None:
        specs = None if schema is None else SpecIndex(schema)
        out["reasons_toward_default"] = [
            " | ".join(reason_sentence(r, lang, specs) for r in d) for d, _ in batch.reasons
        ]
        out["reasons_toward_repayment"] = [
            " | ".join(reason_sentence(r, lang, specs) for r in u) for _, u in batch.reasons
        ]
    return out.reset_index(drop=True)
