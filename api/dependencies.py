"""Shared request helpers: the scoring service of the loaded bundle, the body, authentication, errors."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import Depends, Path, Query, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BeforeValidator

from api.body import parse_json as parse_json  # re-exported: the routers import it from here
from api.body import require_json
from api.errors import BadRequest as BadRequest
from api.errors import problems_response as problems_response
from core import READ_ALL, Actor, Bundle, DecisionDesk, RecordValidationError, ScoringService, Store

#: who acts when no API key is configured (the embedded demo): recorded as unauthenticated
OPEN_ACTOR = Actor("api (open mode)", authenticated=False, role="analyst")
#: the largest client id a database integer holds (SQLite INTEGER, PostgreSQL BIGINT)
MAX_CLIENT_ID = 2**63 - 1
_DIGITS = re.compile(r"[0-9]+")


def _digits_only(value: Any) -> Any:
    """An id in a URL is written in digits: ``1.0``, ``+5`` or ``1e3`` are refused, never converted."""
    if isinstance(value, str) and not _DIGITS.fullmatch(value):
        raise ValueError("a client id is written in digits only (no sign, decimal point or exponent)")
    return value


_ID_DOC = "SK_ID_CURR of the client (digits only)"
#: a client id in the path: digits, 1 to 2**63 - 1 (else 422 naming ``client_id``)
ClientIdPath = Annotated[
    int, Path(ge=1, le=MAX_CLIENT_ID, description=_ID_DOC), BeforeValidator(_digits_only)
]  # Path before BeforeValidator: else the OpenAPI document loses the bounds
#: an optional client id in the query string, same rules
ClientIdQuery = Annotated[
    int | None, Query(ge=1, le=MAX_CLIENT_ID, description=_ID_DOC), BeforeValidator(_digits_only)
]


def service_of(request: Request) -> ScoringService:
    """The scoring service built at start-up."""
    return request.app.state.service  # type: ignore[no-any-return]


def bundle_of(request: Request) -> Bundle:
    """The bundle loaded at start-up."""
    return service_of(request).bundle


def store_of(request: Request) -> Store:
    """The store opened at start-up."""
    return request.app.state.store  # type: ignore[no-any-return]


def desk_of(request: Request) -> DecisionDesk:
    """Score-and-record, built at start-up."""
    return request.app.state.desk  # type: ignore[no-any-return]


def _presented_key(request: Request) -> str | None:
    key = request.headers.get("x-api-key")
    if key:
        return key
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return None


# declared for the OpenAPI document (the "Authorize" button of /docs); the key is read by _presented_key
_KEY_HEADER = APIKeyHeader(
    name="X-API-Key",
    auto_error=False,
    description="An API key (`pad keys create`), when keys are configured.",
)
_BEARER = HTTPBearer(auto_error=False, description="The same API key, as `Authorization: Bearer <key>`.")


def authenticate(
    request: Request,
    _header: Annotated[str | None, Security(_KEY_HEADER)] = None,
    _bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_BEARER)] = None,
) -> Actor:
    """The caller: the owner of a valid API key, or the open-mode actor when no key is configured.

    With keys configured, a missing or unknown key is a 401 whose body never repeats the key.
    """
    keys = store_of(request).keys
    if not keys.enabled:
        request.state.actor = OPEN_ACTOR
        return OPEN_ACTOR
    principal = keys.authenticate(_presented_key(request))
    if principal is None:
        problem = "an API key is required (header X-API-Key or Authorization: Bearer)"
        if _presented_key(request):
            problem = "this API key is not valid (unknown or revoked)"
        raise BadRequest(401, [{"field": "X-API-Key", "problem": problem}], {"WWW-Authenticate": "Bearer"})
    actor = Actor(principal.name, authenticated=True, role=principal.role)
    request.state.actor = actor
    return actor


def actor_of(request: Request) -> Actor:
    """The caller authenticated by the router's dependency."""
    return getattr(request.state, "actor", None) or authenticate(request)


def reads_all(actor: Actor) -> bool:
    """True when the caller may list every decision (analyst, auditor, open mode)."""
    return actor.role in READ_ALL


def json_body(request: Request) -> None:
    """415 unless the body is sent as ``application/json`` (for routes whose body FastAPI parses)."""
    require_json(request.headers.get("content-type"))


async def raw_body(request: Request) -> bytes:
    """The request body, read on the event loop (the size limit applies while it streams in).

    A dependency of the ``def`` routes, which then parse and score it in a worker thread; a body
    not sent as ``application/json`` is refused (415) before it is read.
    """
    require_json(request.headers.get("content-type"))
    return await request.body()


#: the body of a route, read on the event loop: ``raw: Body`` in a ``def`` route
Body = Annotated[bytes, Depends(raw_body)]


def validation_problems(exc: RecordValidationError) -> BadRequest:
    """422 listing every field problem of a record."""
    return BadRequest(422, [{"field": e.field, "problem": e.problem} for e in exc.errors])
