"""FastAPI scoring service: ``uvicorn api.main:app`` (or ``pad api``).

The bundle is loaded once at start-up (lifespan) from the configured source (local or Hugging Face
Hub, same environment variables as the dashboard). Bad requests get 4xx bodies naming each field;
no response ever carries a stack trace. Routes do their work in worker threads, off the event loop;
past ``MAX_CONCURRENT_REQUESTS`` requests in progress the API answers 503 with ``Retry-After``.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from anyio import CapacityLimiter, to_thread
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.batch import BatchWorkers
from api.dependencies import authenticate
from api.errors import BadRequest, problems_response
from api.limits import BodySizeLimit, ConcurrencyLimit
from api.openapi import build_openapi
from api.routers import clients, decisions, health, predict, reviews
from api.startup import OneLineStartupErrors
from core import (
    ApiKeyError,
    Bundle,
    BundleError,
    ConfigError,
    DecisionDesk,
    ScoringService,
    Settings,
    Store,
    StoreError,
    get_settings,
    load_configured_bundle,
    open_store,
)

log = logging.getLogger("api")
#: a batch body may hold this many bytes per application allowed in a batch (MAX_BATCH_ROWS)
MAX_BODY_BYTES_PER_ROW = 20_000
#: every other body (one application to /predict or /explain: about 4 kB; an override's reason)
MAX_BODY_BYTES = 100_000
#: worker threads of their own for /health, so that it answers while every shared thread is busy
HEALTH_THREADS = 2


def create_app(
    bundle: Bundle | None = None, settings: Settings | None = None, store: Store | None = None
) -> FastAPI:
    """Build the API; with ``bundle=None`` the configured bundle is loaded at start-up, with
    ``store=None`` the configured store is opened. ConfigError, BundleError, StoreError and ApiKeyError
    (a malformed ``API_KEYS``) stop the start with their message on one line, no traceback."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        loaded = bundle or load_configured_bundle(settings)
        opened = store or open_store(settings or get_settings())
        try:
            opened.keys.enabled  # noqa: B018  a malformed API_KEYS stops the start, not the first request
        except Exception:
            if store is None:
                opened.close()
            raise
        app.state.store = opened
        app.state.service = ScoringService(loaded, history=opened.history)
        app.state.service.leaf_shap()  # the explanation tables, built now rather than on the first request
        app.state.desk = DecisionDesk(app.state.service, opened)
        app.state.health_threads = CapacityLimiter(HEALTH_THREADS)
        # batches in processes of their own; a bundle or a store given in code cannot be rebuilt there
        configured = settings or get_settings()
        processes = configured.BATCH_WORKER_PROCESSES if bundle is None and store is None else 0
        app.state.batch_workers = None
        if processes:
            app.state.batch_workers = BatchWorkers(configured, processes, loaded, opened.log.batch_recorded)
            await app.state.batch_workers.start()
        log.info(
            "serving %s %s from %s; store %s", loaded.name, loaded.version, loaded.source, opened.display_url
        )
        try:
            yield
        finally:
            if app.state.batch_workers is not None:  # waits for a batch in progress: not on the loop
                await to_thread.run_sync(app.state.batch_workers.close)
            if store is None:
                opened.close()

    try:
        limits = settings or get_settings()
        max_rows, max_in_flight = limits.MAX_BATCH_ROWS, limits.MAX_CONCURRENT_REQUESTS
    except ConfigError:  # `app = create_app()` runs at import: the lifespan reports it, on one line
        max_rows = Settings.model_fields["MAX_BATCH_ROWS"].default
        max_in_flight = Settings.model_fields["MAX_CONCURRENT_REQUESTS"].default
    app = FastAPI(
        title="Prêt à dépenser — credit scoring API",
        version="1.0.0",
        description="Probability of default, cost-optimal decision (10·FN + 1·FP) and SHAP reason codes.",
        lifespan=lifespan,
    )
    app.state.max_batch_rows = max_rows
    batch_bytes = max(1_000_000, max_rows * MAX_BODY_BYTES_PER_ROW)
    app.add_middleware(BodySizeLimit, max_bytes=MAX_BODY_BYTES, per_path={"/predict/batch": batch_bytes})
    # /health and the documentation pages do no scoring nor database work on the shared threads
    exempt = {"/health", app.docs_url, app.redoc_url, app.openapi_url, app.swagger_ui_oauth2_redirect_url}
    app.add_middleware(ConcurrencyLimit, max_in_flight=max_in_flight, exempt={p for p in exempt if p})
    app.add_middleware(OneLineStartupErrors, errors=(ConfigError, BundleError, StoreError, ApiKeyError))
    app.include_router(health.router)  # /health stays open: no personal data
    protected = [Depends(authenticate)]
    app.include_router(health.model_router, dependencies=protected)
    app.include_router(predict.router, dependencies=protected)
    app.include_router(clients.router, dependencies=protected)
    app.include_router(decisions.router, dependencies=protected)
    app.include_router(reviews.router, dependencies=protected)

    @app.exception_handler(BadRequest)
    async def _bad_request(_: Request, exc: BadRequest) -> JSONResponse:
        return problems_response(exc.status, exc.problems, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _request_validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"field": ".".join(str(x) for x in e["loc"]), "problem": e["msg"].removeprefix("Value error, ")}
            for e in exc.errors()
        ]
        return problems_response(422, problems)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        # FastAPI's own refusals (unknown route, wrong method, unreadable body) in the API's error body
        problem = exc.detail if isinstance(exc.detail, str) else "request refused"
        headers = dict(exc.headers) if exc.headers else None
        return problems_response(exc.status_code, [{"field": "(request)", "problem": problem}], headers)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return problems_response(
            500, [{"field": "(server)", "problem": "internal error; it has been logged"}]
        )

    app.openapi = lambda: build_openapi(app)  # type: ignore[method-assign]
    return app


app = create_app()
