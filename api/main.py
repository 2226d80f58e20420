"""FastAPI scoring service: ``uvicorn api.main:app`` (or ``pad api``).

The bundle is loaded once at start-up (lifespan) from the configured source (local or Hugging Face
Hub, same environment variables as the dashboard). Bad requests get 4xx bodies naming each field;
no response ever carries a stack trace.
"""

from __future__ import annotations

import logging
import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse

from api.dependencies import BadRequest, json_safe, problems_response
from api.limits import BodySizeLimit
from api.routers import health, predict
from core import Bundle, Explainer, Settings, get_settings, load_configured_bundle, record_model

log = logging.getLogger("api")
MAX_BODY_BYTES_PER_ROW = 20_000


def example_record(bundle: Bundle) -> dict[str, Any]:
    """A real example payload: the first reference client, or the medians/modes of the schema."""
    if bundle.reference is not None and len(bundle.reference):
        row = bundle.reference.iloc[0]
        record: dict[str, Any] = {"SK_ID_CURR": int(row["SK_ID_CURR"])}
        for spec in bundle.schema.features:
            value = json_safe(row[spec.name])
            if isinstance(value, float) and math.isnan(value):
                value = None
            if spec.kind == "boolean" and value is not None:
                value = bool(value)
            record[spec.name] = value
        return record
    record = {"SK_ID_CURR": 100001}
    for spec in bundle.schema.features:
        record[spec.name] = (
            spec.mode if spec.kind == "categorical" else (False if spec.kind == "boolean" else spec.median)
        )
    return record


def _custom_openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    bundle: Bundle | None = getattr(app.state, "bundle", None)
    if bundle is not None:
        record_schema = record_model(bundle.schema).model_json_schema(
            ref_template="#/components/schemas/{model}"
        )
        defs = record_schema.pop("$defs", {})
        schema.setdefault("components", {}).setdefault("schemas", {}).update(
            {"ClientRecord": record_schema, **defs}
        )
        example = example_record(bundle)
        bodies = {
            "/predict": ({"$ref": "#/components/schemas/ClientRecord"}, example),
            "/explain": ({"$ref": "#/components/schemas/ClientRecord"}, example),
            "/predict/batch": (
                {
                    "type": "object",
                    "properties": {
                        "clients": {"type": "array", "items": {"$ref": "#/components/schemas/ClientRecord"}}
                    },
                },
                {"clients": [example]},
            ),
        }
        for path, (body_schema, body_example) in bodies.items():
            schema["paths"][path]["post"]["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": body_schema, "example": body_example}},
            }
        app.openapi_schema = schema
    return schema


def create_app(bundle: Bundle | None = None, settings: Settings | None = None) -> FastAPI:
    """Build the API; with ``bundle=None`` the configured bundle is loaded at start-up."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        loaded = bundle or load_configured_bundle(settings)  # ConfigError/BundleError stop the start-up
        app.state.bundle = loaded
        app.state.explainer = Explainer(loaded)
        log.info("serving %s %s from %s", loaded.name, loaded.version, loaded.source)
        yield

    conf = settings or get_settings()
    app = FastAPI(
        title="Prêt à dépenser — credit scoring API",
        version="1.0.0",
        description="Probability of default, cost-optimal decision (10·FN + 1·FP) and SHAP reason codes.",
        lifespan=lifespan,
    )
    app.state.max_batch_rows = conf.MAX_BATCH_ROWS
    app.add_middleware(BodySizeLimit, max_bytes=max(1_000_000, conf.MAX_BATCH_ROWS * MAX_BODY_BYTES_PER_ROW))
    app.include_router(health.router)
    app.include_router(predict.router)

    @app.exception_handler(BadRequest)
    async def _bad_request(_: Request, exc: BadRequest) -> JSONResponse:
        return problems_response(exc.status, exc.problems)

    @app.exception_handler(RequestValidationError)
    async def _request_validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [{"field": ".".join(str(x) for x in e["loc"]), "problem": e["msg"]} for e in exc.errors()]
        return problems_response(422, problems)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return problems_response(
            500, [{"field": "(server)", "problem": "internal error; it has been logged"}]
        )

    app.openapi = lambda: _custom_openapi(app)  # type: ignore[method-assign]
    return app


app = create_app()
