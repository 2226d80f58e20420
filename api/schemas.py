"""Public response models of the API (requests are validated by core against the bundle schema)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel


class Problem(BaseModel):
    """One problem with one field of the request."""

    field: str
    problem: str


class ErrorResponse(BaseModel):
    """Body of 4xx responses: every problem found, each naming its field."""

    detail: list[Problem]


class BundleInfo(BaseModel):
    """Which bundle is serving."""

    name: str
    version: str
    format: Literal["v1", "legacy"]
    source: str


class Health(BaseModel):
    """Readiness of the service."""

    status: Literal["ok"]
    model_loaded: bool
    bundle: BundleInfo
    n_features: int


class ValueWarning(BaseModel):
    """A value accepted with a caveat (e.g. outside the range seen in training)."""

    field: str
    message: str


class Reason(BaseModel):
    """One factor of the decision in plain language."""

    feature: str
    value: Any
    contribution: float
    percentile: float | None
    text_fr: str
    text_en: str


class Reasons(BaseModel):
    """Top factors pushing toward default and toward repayment."""

    toward_default: list[Reason]
    toward_repayment: list[Reason]


class Prediction(BaseModel):
    """Score and decision of one client."""

    client_id: int | None
    probability: float
    decision: Literal["ACCEPTED", "REFUSED"]
    threshold: float
    model_version: str
    warnings: list[ValueWarning]
    reasons: Reasons


class BatchItem(BaseModel):
    """Score of one valid client of a batch; ``row`` is its 1-based position in the request."""

    row: int
    client_id: int | None
    probability: float
    decision: Literal["ACCEPTED", "REFUSED"]


class RowProblem(BaseModel):
    """A problem in one client of a batch."""

    row: int
    field: str
    problem: str


class BatchPrediction(BaseModel):
    """Scores of the valid clients and the problems of the others."""

    n: int
    n_scored: int
    threshold: float
    model_version: str
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

    prediction: Prediction
    base_value: float
    raw_prediction: float
    contributions: list[Contribution]
