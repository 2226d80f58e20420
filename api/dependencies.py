"""Shared request helpers: the loaded bundle, JSON body parsing, conversions of core results."""

from __future__ import annotations

import json
import math
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from api.schemas import Prediction, Reason, Reasons, ValueWarning
from core import Bundle, Explainer, LocalExplanation, ReasonCode, RecordValidationError


def bundle_of(request: Request) -> Bundle:
    """The bundle loaded at start-up."""
    return request.app.state.bundle  # type: ignore[no-any-return]


def explainer_of(request: Request) -> Explainer:
    """The explainer of the loaded bundle."""
    return request.app.state.explainer  # type: ignore[no-any-return]


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


def validation_problems(exc: RecordValidationError) -> BadRequest:
    """422 listing every field problem of a record."""
    return BadRequest(422, [{"field": e.field, "problem": e.problem} for e in exc.errors])


def _json_safe(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value.item() if hasattr(value, "item") else value


def _reason(r: ReasonCode) -> Reason:
    return Reason(
        feature=r.feature,
        value=_json_safe(r.value),
        contribution=r.contribution,
        percentile=r.percentile,
        text_fr=r.text_fr,
        text_en=r.text_en,
    )


def prediction_of(explanation: LocalExplanation, top_k: int) -> Prediction:
    """The /predict body from a local explanation."""
    score = explanation.score
    return Prediction(
        client_id=score.client_id,
        probability=score.probability,
        decision=score.decision,
        threshold=score.threshold,
        model_version=score.model_version,
        warnings=[ValueWarning(field=w.field, message=w.message) for w in score.warnings],
        reasons=Reasons(
            toward_default=[_reason(r) for r in explanation.toward_default[:top_k]],
            toward_repayment=[_reason(r) for r in explanation.toward_repayment[:top_k]],
        ),
    )


def json_safe(value: Any) -> Any:
    """A value that JSON can carry (NaN -> null, numpy scalars -> Python)."""
    return _json_safe(value)
