"""POST /predict, POST /predict/batch and POST /explain: thin routes over the core scoring service."""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from api.dependencies import BadRequest, json_body, service_of, validation_problems
from api.schemas import BatchItem, BatchPrediction, Contribution, ErrorResponse, Explanation, RowProblem
from core import (
    CONTRACT_VERSION,
    RecordValidationError,
    ScoreOut,
    ScoringResult,
    json_value,
    results_table,
    score_out,
)

router = APIRouter(tags=["scoring"])
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorResponse, "description": "Body is not valid JSON"},
    413: {"model": ErrorResponse, "description": "Body or batch too large"},
    422: {"model": ErrorResponse, "description": "Invalid application: every field problem listed"},
}
TOP_REASONS = 5


async def _score(request: Request) -> tuple[ScoringResult, float]:
    record = await json_body(request)
    started = time.perf_counter()
    try:
        result = await run_in_threadpool(service_of(request).score, record, explain=True, top_k=TOP_REASONS)
    except RecordValidationError as exc:
        raise validation_problems(exc) from None
    return result, (time.perf_counter() - started) * 1000


def _out(request: Request, result: ScoringResult, latency_ms: float) -> ScoreOut:
    service = service_of(request)
    return score_out(result, service.schema, legacy=service.bundle.format == "legacy", latency_ms=latency_ms)


@router.post("/predict", response_model=ScoreOut, responses=ERRORS, summary="Score one application")
async def predict(request: Request) -> JSONResponse:
    """Probability of default, the model's decision against the threshold, and the top reason codes.

    The body is one application (raw Home Credit application fields; for a feature-level bundle,
    the model's features). Legacy bundles also answer with the original API's field names.
    """
    result, latency = await _score(request)
    return JSONResponse(_out(request, result, latency).model_dump(mode="json"))


@router.post(
    "/explain",
    response_model=Explanation,
    responses=ERRORS,
    summary="Full SHAP explanation of one application",
)
async def explain(request: Request) -> Explanation:
    """Base value and every feature's SHAP contribution (log-odds); they add up to the raw prediction."""
    result, latency = await _score(request)
    assert result.contributions is not None and result.base_value is not None and result.raw_score is not None
    return Explanation(
        prediction=_out(request, result, latency),
        base_value=result.base_value,
        raw_prediction=result.raw_score,
        contributions=[
            Contribution(
                feature=r.feature, value=json_value(r.value), shap=r.shap, percentile=json_value(r.percentile)
            )
            for r in result.contributions.itertuples()
        ],
    )


@router.post(
    "/predict/batch", response_model=BatchPrediction, responses=ERRORS, summary="Score a list of applications"
)
async def predict_batch(request: Request) -> BatchPrediction:
    """Scores of the valid applications; the invalid ones are reported by row without failing the others.

    The body is a JSON list of applications, or ``{"clients": [...]}``. Each result has the same
    columns as a row of ``pad score`` and of the dashboard's download.
    """
    body = await json_body(request)
    clients = body.get("clients") if isinstance(body, dict) else body
    if not isinstance(clients, list):
        raise BadRequest(422, [{"field": "clients", "problem": "expected a list of applications"}])
    limit = request.app.state.max_batch_rows
    if len(clients) > limit:
        raise BadRequest(
            413,
            [{"field": "clients", "problem": f"{len(clients)} applications: at most {limit} per request"}],
        )
    service = service_of(request)
    batch = await run_in_threadpool(service.score_records, clients)
    table = results_table(batch, service.schema, bundle_version=service.bundle.version)
    return BatchPrediction(
        contract_version=CONTRACT_VERSION,
        n=batch.n_rows,
        n_scored=batch.n_scored,
        threshold=service.bundle.threshold,
        bundle_version=service.bundle.version,
        results=[
            BatchItem(**{k: json_value(v) for k, v in row.items()}) for row in table.to_dict(orient="records")
        ],
        errors=[RowProblem(row=e.row, field=e.field, problem=e.problem) for e in batch.errors],
    )
