"""Shared request helpers: the scoring service of the loaded bundle, JSON body parsing, errors."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from core import Bundle, RecordValidationError, ScoringService


def service_of(request: Request) -> ScoringService:
    """The scoring service built at start-up."""
    return request.app.state.service  # type: ignore[no-any-return]


def bundle_of(request: Request) -> Bundle:
    """The bundle loaded at start-up."""
    return service_of(request).bundle


class BadRequest(Exception):
    """A request the API refuses, with its status and problems."""

    def __init__(self, status: int, problems: list[dict[str, str]]) -> None:
        self.status = status
        self.problems = problems


def problems_response(status: int, problems: list[dict[str, Any]]) -> JSONResponse:
    """The error body: every problem, each naming its field."""
    return JSONResponse(status_code=status, content={"detail": problems})


async def json_body(request: Request) -> Any:
    """Parse the body as JSON (NaN/Infinity literals are parsed, then rejected by validation)."""
    raw = await request.body()
    if not raw.strip():
        raise BadRequest(422, [{"field": "(body)", "problem": "empty body: send a JSON object"}])
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadRequest(400, [{"field": "(body)", "problem": f"invalid JSON: {exc}"}]) from None
    except RecursionError:
        raise BadRequest(400, [{"field": "(body)", "problem": "invalid JSON: nested too deeply"}]) from None
    except ValueError as exc:  # e.g. an integer literal of more than 4,300 digits
        raise BadRequest(400, [{"field": "(body)", "problem": f"unusable JSON: {str(exc)[:120]}"}]) from None


def validation_problems(exc: RecordValidationError) -> BadRequest:
    """422 listing every field problem of a record."""
    return BadRequest(422, [{"field": e.field, "problem": e.problem} for e in exc.errors])
