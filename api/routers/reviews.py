"""GET /reviews (the decisions sent to review) and POST /reviews/{decision_id} (the officer's final decision)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import pandas as pd
from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from api.dependencies import BadRequest, actor_of, reads_all, store_of
from core import DecisionLogError, json_value

router = APIRouter(tags=["reviews"])


class ReviewIn(BaseModel):
    """The officer's final decision on a case of the grey zone, with the reason (mandatory)."""

    decision: Literal["ACCEPTED", "REFUSED"]
    reason: str = Field(min_length=1, max_length=2000)


@router.get("/reviews", summary="Decisions sent to review (grey zone), newest first")
def list_reviews(
    request: Request,
    status: Literal["open", "closed", "all"] = "open",
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    """``items``: each case with the model's decision, why it was sent and, once closed, the final
    decision, who took it and why. An officer sees the cases of their own decisions."""
    actor = actor_of(request)
    filters = {} if reads_all(actor) else {"officer": actor.name}
    table = store_of(request).log.review_queue(status=status, limit=limit, **filters)
    items = [{k: _plain(v) for k, v in row.items()} for row in table.to_dict(orient="records")]
    return {"items": items, "n": len(items), "status": status}


def _plain(value: Any) -> Any:
    """A cell as JSON: times as ISO 8601 UTC, missing values as null."""
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if value is pd.NaT or value is pd.NA:
        return None
    return json_value(value)


@router.post("/reviews/{decision_id}", summary="Close a review: the officer's final decision, with a reason")
def close_review(request: Request, decision_id: str, body: ReviewIn) -> dict[str, Any]:
    """A new log row linked to the decision (``review`` when it confirms the model, ``override`` when it
    changes it); the decision itself is never changed."""
    log = store_of(request).log
    actor = actor_of(request)
    record = log.get(decision_id)
    if record is None or (not reads_all(actor) and record.officer != actor.name):
        raise BadRequest(404, [{"field": "decision_id", "problem": f"no decision {decision_id[:40]!r}"}])
    try:
        done = log.close_review(
            decision_id, decision=body.decision, reason=body.reason, actor=actor, channel="api"
        )
    except DecisionLogError as exc:
        field = "reason" if "reason" in str(exc) else "decision_id"
        status = 409 if "already closed" in str(exc) or "not sent to review" in str(exc) else 422
        raise BadRequest(status, [{"field": field, "problem": str(exc)}]) from None
    return done.public()
