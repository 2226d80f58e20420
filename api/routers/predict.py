"""POST /predict, POST /predict/batch and POST /explain: thin routes over the core scoring service.

The routes are plain ``def``: FastAPI runs them in a worker thread, so that parsing, scoring,
recording and building the response never hold the event loop. A batch goes further, to a process
of its own (``api.batch``): a thousand rows of Python would otherwise make every other request wait.
Only the body is read on the loop (``Body``), where the size limit applies.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from api.batch import answer_batch
from api.dependencies import (
    MAX_CLIENT_ID,
    BadRequest,
    Body,
    actor_of,
    desk_of,
    parse_json,
    service_of,
    validation_problems,
)
from api.schemas import BatchPrediction, Contribution, ErrorResponse, Explanation
from core import (
    Decided,
    RecordValidationError,
    ScoreOut,
    UnknownClient,
    json_value,
    score_out,
)

router = APIRouter(tags=["scoring"])
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorResponse, "description": "Body is not valid JSON"},
    413: {"model": ErrorResponse, "description": "Body or batch too large"},
    401: {"model": ErrorResponse, "description": "API key missing or not valid (when keys are configured)"},
    404: {"model": ErrorResponse, "description": "Only an id was sent and the client store does not hold it"},
    415: {"model": ErrorResponse, "description": "Body not sent as application/json"},
    422: {"model": ErrorResponse, "description": "Invalid application: every field problem listed"},
    503: {
        "model": ErrorResponse,
        "description": "Too many requests in progress (MAX_CONCURRENT_REQUESTS): nothing was done, "
        "send it again after the Retry-After header's seconds",
    },
}
TOP_REASONS = 5


def _id_only(record: Any) -> int | None:
    """The client id of a body holding nothing else (``{"SK_ID_CURR": ID}``: score the stored client)."""
    if isinstance(record, dict) and list(record) == ["SK_ID_CURR"]:
        value = record["SK_ID_CURR"]
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


def decide_stored(
    request: Request, client_id: int, field: str = "SK_ID_CURR", *, recourse: bool = False
) -> Decided:
    """Score and record the stored client ``client_id`` (404 naming it when the store does not hold it)."""
    try:
        if not 1 <= client_id <= MAX_CLIENT_ID:  # no database integer holds it: no such client
            raise UnknownClient(client_id)
        return desk_of(request).decide_client(
            client_id, channel="api", actor=actor_of(request), recourse=recourse
        )
    except UnknownClient as exc:
        raise BadRequest(404, [{"field": field, "problem": str(exc)}]) from None


def _score(request: Request, raw: bytes, *, recourse: bool = False) -> Decided:
    record = parse_json(raw)
    stored = _id_only(record)
    if stored is not None:
        return decide_stored(request, stored, recourse=recourse)
    desk = desk_of(request)
    try:
        return desk.decide(
            record, channel="api", actor=actor_of(request), explain=True, top_k=TOP_REASONS, recourse=recourse
        )
    except RecordValidationError as exc:
        raise validation_problems(exc) from None


def out_of(request: Request, decided: Decided) -> ScoreOut:
    """The contract's result of a recorded decision."""
    service = service_of(request)
    return score_out(
        decided.result, service.schema, legacy=service.bundle.format == "legacy",
        latency_ms=decided.latency_ms, decision_id=decided.logged.decision_id, recourse=decided.recourse,
    )  # fmt: skip


@router.post("/predict", response_model=ScoreOut, responses=ERRORS, summary="Score one application")
def predict(request: Request, raw: Body) -> JSONResponse:
    """Probability of default, the model's decision against the threshold, and the top reason codes.

    The body is one application (raw Home Credit application fields; for a feature-level bundle,
    the model's features); a body holding only ``{"SK_ID_CURR": ID}`` scores that client of the
    store (application and history as stored). The decision is recorded in the decision log before
    the response is sent (``decision_id``). Legacy bundles also answer with the original API's names.
    """
    decided = _score(request, raw)
    return JSONResponse(out_of(request, decided).model_dump(mode="json"))


@router.post(
    "/recourse", response_model=ScoreOut, responses=ERRORS, summary="Score one application and its recourse"
)
def recourse(request: Request, raw: Body) -> JSONResponse:
    """As ``/predict``, and for a REFUSED application up to three small changes of the amounts the
    client can act on (credit, annuity, goods price) that the model accepts, in ``recourse``.

    ``recourse`` is a list of options (``changes``: field, current and proposed values; the model's
    ``probability`` with them; ``text_fr``/``text_en``): empty when the application is accepted, or
    when no change within the plausible bounds turns the decision (say so to the client). The
    options offered are recorded with the decision in the log. Feature-level bundles: ``null``.
    """
    decided = _score(request, raw, recourse=True)
    return JSONResponse(out_of(request, decided).model_dump(mode="json"))


@router.post(
    "/explain",
    response_model=Explanation,
    responses=ERRORS,
    summary="Full SHAP explanation of one application",
)
def explain(request: Request, raw: Body) -> Explanation:
    """Base value and every feature's SHAP contribution (log-odds); they add up to the raw prediction."""
    decided = _score(request, raw)
    result = decided.result
    assert result.contributions is not None and result.base_value is not None and result.raw_score is not None
    return Explanation(
        prediction=out_of(request, decided),
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
async def predict_batch(request: Request, raw: Body) -> Response:
    """Scores of the valid applications; the invalid ones are reported by row without failing the others.

    The body is a JSON list of applications, or ``{"clients": [...]}``; an item that is not a JSON
    object makes the whole request a 422 naming its row. Each result has the same
    columns as a row of ``pad score`` and of the dashboard's download, plus its ``decision_id``: the
    whole batch is recorded in one transaction before the response is sent.
    """
    actor = actor_of(request)
    workers = request.app.state.batch_workers
    # in a process of its own (api.batch), so that the server's threads stay free
    content = None if workers is None else await workers.answer(raw, actor)
    if content is None:
        content = await run_in_threadpool(
            answer_batch, raw, max_rows=request.app.state.max_batch_rows, desk=desk_of(request), actor=actor
        )
    return Response(content, media_type="application/json")
