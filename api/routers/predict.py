"""POST /predict, POST /predict/batch and POST /explain."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from api.dependencies import (
    BadRequest,
    bundle_of,
    explainer_of,
    json_body,
    json_safe,
    prediction_of,
    validation_problems,
)
from api.schemas import (
    BatchItem,
    BatchPrediction,
    Contribution,
    ErrorResponse,
    Explanation,
    Prediction,
    RowProblem,
)
from core import LocalExplanation, RecordValidationError, score_records

router = APIRouter(tags=["scoring"])
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorResponse, "description": "Body is not valid JSON"},
    413: {"model": ErrorResponse, "description": "Body or batch too large"},
    422: {"model": ErrorResponse, "description": "Invalid client record: every field problem listed"},
}
TOP_REASONS = 5


async def _explain(request: Request) -> LocalExplanation:
    record = await json_body(request)
    try:
        return explainer_of(request).explain_record(record, top_k=TOP_REASONS)
    except RecordValidationError as exc:
        raise validation_problems(exc) from None


@router.post("/predict", response_model=Prediction, responses=ERRORS, summary="Score one client")
async def predict(request: Request) -> Prediction:
    """Probability of default, decision against the threshold, and the top reason codes of one client."""
    return prediction_of(await _explain(request), TOP_REASONS)


@router.post(
    "/explain", response_model=Explanation, responses=ERRORS, summary="Full SHAP explanation of one client"
)
async def explain(request: Request) -> Explanation:
    """Base value and every feature's SHAP contribution (log-odds); they add up to the raw prediction."""
    explanation = await _explain(request)
    return Explanation(
        prediction=prediction_of(explanation, TOP_REASONS),
        base_value=explanation.base_value,
        raw_prediction=explanation.raw_prediction,
        contributions=[
            Contribution(
                feature=r.feature, value=json_safe(r.value), shap=r.shap, percentile=json_safe(r.percentile)
            )
            for r in explanation.contributions.itertuples()
        ],
    )


@router.post(
    "/predict/batch", response_model=BatchPrediction, responses=ERRORS, summary="Score a list of clients"
)
async def predict_batch(request: Request) -> BatchPrediction:
    """Scores of the valid clients; the invalid ones are reported by row without failing the others.

    The body is a JSON list of client records, or ``{"clients": [...]}``.
    """
    body = await json_body(request)
    clients = body.get("clients") if isinstance(body, dict) else body
    if not isinstance(clients, list):
        raise BadRequest(422, [{"field": "clients", "problem": "expected a list of client records"}])
    limit = request.app.state.max_batch_rows
    if len(clients) > limit:
        raise BadRequest(
            413, [{"field": "clients", "problem": f"{len(clients)} clients: at most {limit} per request"}]
        )
    bundle = bundle_of(request)
    batch = score_records(bundle, clients)
    return BatchPrediction(
        n=batch.n_rows,
        n_scored=batch.n_scored,
        threshold=bundle.threshold,
        model_version=bundle.version,
        results=[
            BatchItem(
                row=int(r.row),
                client_id=json_safe(r.SK_ID_CURR),
                probability=float(r.probability),
                decision=r.decision,
            )
            for r in batch.results.itertuples()
        ],
        errors=[RowProblem(row=e.row, field=e.field, problem=e.problem) for e in batch.errors],
    )
