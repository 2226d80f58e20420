"""GET /clients (id autocomplete), GET /clients/{id} (application and history), POST /clients/{id}/score.

Plain ``def`` routes: the store's queries and the scoring run in a worker thread, off the event loop.
"""

from __future__ import annotations

from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from api.dependencies import BadRequest, ClientIdPath, store_of
from api.routers.predict import ERRORS, decide_stored, out_of
from core import ScoreOut, json_value

router = APIRouter(tags=["clients"])


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: json_value(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]


@router.get("/clients", summary="Client ids of the store starting with some digits (autocomplete)")
def search(
    request: Request,
    prefix: Annotated[
        str,
        Query(
            max_length=20,
            description="leading digits of SK_ID_CURR",
            json_schema_extra={"pattern": "^[0-9]*$"},
        ),
    ] = "",
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
) -> dict[str, Any]:
    """Smallest ids first; an empty prefix lists the first ids."""
    if prefix and not prefix.isdigit():
        raise BadRequest(422, [{"field": "prefix", "problem": f"{prefix[:20]!r} is not digits"}])
    return {"ids": store_of(request).clients.search(prefix, limit)}


@router.get("/clients/{client_id}", summary="A stored client: the application and a summary of the history")
def client(request: Request, client_id: ClientIdPath) -> dict[str, Any]:
    """The application as loaded (Kaggle fields), history figures, and the history tables."""
    store = store_of(request)
    application = store.clients.application(client_id)
    if application is None:
        raise BadRequest(
            404, [{"field": "client_id", "problem": f"client {client_id} is not in the client store."}]
        )
    history = store.clients.history(client_id)
    return {
        "client_id": client_id,
        "application": {k: json_value(v) for k, v in application.items()},
        "history_summary": store.clients.history_summary(client_id),
        "previous_applications": _records(history.previous),
        "bureau_credits": _records(history.bureau),
        "payments_by_year": _records(history.payments),
    }


@router.post(
    "/clients/{client_id}/score", response_model=ScoreOut, responses=ERRORS, summary="Score a stored client"
)
def score_client(request: Request, client_id: ClientIdPath) -> JSONResponse:
    """Score the stored application with the stored history (no body) and record the decision."""
    decided = decide_stored(request, client_id, "client_id")
    return JSONResponse(out_of(request, decided).model_dump(mode="json"))
