"""Public response models of the API that are not the scoring contract itself (``core.ScoreOut``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel

from api.errors import cut
from core import ScoreOut

#: a field name or a problem as a response quotes it: cut when longer than a sentence
Text = Annotated[str, AfterValidator(cut)]


class Problem(BaseModel):
    """One problem with one field of the request (``row``: the application of a batch, from 1)."""

    field: Text
    problem: Text
    row: int | None = None


class ErrorResponse(BaseModel):
    """Body of 4xx responses: every problem found, each naming its field."""

    detail: list[Problem]


class BundleInfo(BaseModel):
    """Which bundle is serving."""

    name: str
    version: str
    format: Literal["v1", "legacy"]
    source: str
    contract: Literal["application", "features"]


class Health(BaseModel):
    """Readiness of the service."""

    status: Literal["ok"]
    model_loaded: bool
    bundle: BundleInfo
    n_features: int
    auth: Literal["open", "api-keys"]
    store: dict[str, Any]


class BatchItem(BaseModel):
    """Score of one valid application of a batch: the columns of a ``pad score`` output row."""

    row: int
    SK_ID_CURR: int | None
    probability: float
    decision: Literal["ACCEPTED", "REFUSED"]
    threshold: float
    history: Literal["known", "none", "not_applicable"]
    bundle_version: str
    warnings: str
    points_score: int | None = None
    points_band: str | None = None
    review_status: Literal["to_review", "not_required"] | None = None
    decision_id: str | None = None


class RowProblem(BaseModel):
    """A problem in one application of a batch."""

    row: int
    field: Text
    problem: Text


class BatchPrediction(BaseModel):
    """Scores of the valid applications and the problems of the others."""

    contract_version: str
    n: int
    n_scored: int
    threshold: float
    bundle_version: str
    results: list[BatchItem]
    errors: list[RowProblem]


class Contribution(BaseModel):
    """SHAP contribution of one feature (log-odds)."""

    feature: str
    value: Any
    shap: float
    percentile: float | None


class Explanation(BaseModel):
    """Full local explanation: base value + contributions = raw prediction (log-odds)."""

    prediction: ScoreOut
    base_value: float
    raw_prediction: float
    contributions: list[Contribution]
