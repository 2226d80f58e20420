"""GET /decisions, GET /decisions/{id}, POST /decisions/{id}/override, GET /decisions/verify."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from api.dependencies import BadRequest, ClientIdQuery, actor_of, reads_all, service_of, store_of
from core import DecisionLogError, letter_filename, letter_for

router = APIRouter(tags=["decisions"])


class OverrideIn(BaseModel):
    """An officer's decision against the model's, with the reason (mandatory)."""

    decision: Literal["ACCEPTED", "REFUSED"]
    reason: str = Field(min_length=1, max_length=2000)


def _filters(request: Request, **given: Any) -> dict[str, Any]:
    actor = actor_of(request)
    filters = {k: v for k, v in given.items() if v is not None}
    if not reads_all(actor):  # an officer sees their own decisions only
        filters["officer"] = actor.name
    return filters


@router.get("/decisions", summary="Logged decisions, newest first (an officer sees their own)")
def list_decisions(
    request: Request,
    client_id: ClientIdQuery = None,
    since: Annotated[datetime | None, Query(description="ISO 8601; UTC when no offset is given")] = None,
    until: Annotated[datetime | None, Query(description="exclusive")] = None,
    decision: Literal["ACCEPTED", "REFUSED"] | None = None,
    overridden: bool | None = None,
    kind: Literal["decision", "override", "refused_input"] | None = None,
    channel: Literal["dashboard", "api", "cli"] | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """``items``: full decision records (application, features, reasons, hashes); ``total``: all matches."""
    filters = _filters(
        request, client_id=client_id, since=since, until=until, decision=decision, overridden=overridden,
        kind=kind, channel=channel,
    )  # fmt: skip
    log = store_of(request).log
    items = [r.public() for r in log.records(limit=limit, offset=offset, **filters)]
    return {"items": items, "total": log.count(**filters), "limit": limit, "offset": offset}


@router.get("/decisions/verify", summary="Check the decision log's hash chain (analysts and auditors)")
def verify(request: Request) -> dict[str, Any]:
    """Recompute every row's hash; ``ok`` false names the first row that does not match."""
    if not reads_all(actor_of(request)):
        raise BadRequest(
            403, [{"field": "role", "problem": "verifying the log is for analysts and auditors"}]
        )
    report = store_of(request).log.verify()
    return {
        "ok": report.ok,
        "rows": report.rows,
        "first_bad_seq": report.first_bad_seq,
        "problem": report.problem,
    }


def _visible(request: Request, decision_id: str) -> Any:
    record = store_of(request).log.get(decision_id)
    actor = actor_of(request)
    if record is None or (not reads_all(actor) and record.officer != actor.name):
        raise BadRequest(404, [{"field": "decision_id", "problem": f"no decision {decision_id[:40]!r}"}])
    return record


@router.get("/decisions/{decision_id}", summary="One logged decision")
def get_decision(request: Request, decision_id: str) -> dict[str, Any]:
    """The record, with the ids of the overrides pointing at it."""
    return _visible(request, decision_id).public()  # type: ignore[no-any-return]


@router.get(
    "/decisions/{decision_id}/letter",
    summary="The decision letter of a logged decision (PDF)",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "the letter"}},
)
def letter(request: Request, decision_id: str, lang: Literal["fr", "en"] = "fr") -> Response:
    """The decision, its principal reasons, the recourse options offered, how to ask for a human review,
    the date, the model version and the decision's id — the final decision when an officer overrode it."""
    record = _visible(request, decision_id)
    try:
        pdf = letter_for(store_of(request).log, record, lang=lang, schema=service_of(request).schema)
    except ValueError as exc:
        raise BadRequest(422, [{"field": "decision_id", "problem": str(exc)}]) from None
    name = letter_filename(record, lang)
    return Response(
        pdf, media_type="application/pdf", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.post("/decisions/{decision_id}/override", summary="Override the model's decision, with a reason")
def override(request: Request, decision_id: str, body: OverrideIn) -> dict[str, Any]:
    """A new log row linked to the decision; the original is never changed."""
    _visible(request, decision_id)
    try:
        done = store_of(request).log.override(
            decision_id, decision=body.decision, reason=body.reason, actor=actor_of(request), channel="api"
        )
    except DecisionLogError as exc:
        field = "reason" if "reason" in str(exc) else "decision"
        raise BadRequest(422, [{"field": field, "problem": str(exc)}]) from None
    return done.public()
