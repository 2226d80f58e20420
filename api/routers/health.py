"""GET /health and GET /model."""

from __future__ import annotations

from typing import Any

from anyio import to_thread
from fastapi import APIRouter, Request

from api.dependencies import bundle_of, store_of
from api.schemas import BundleInfo, Health
from core import json_value

router = APIRouter(tags=["service"])
#: /model is behind the API key like every route but /health
model_router = APIRouter(tags=["service"])


@router.get("/health", response_model=Health, summary="Readiness: model loaded, bundle version and source")
async def health(request: Request) -> Health:
    """Readiness of the service, whether it runs open or behind API keys, and the store (URL password
    masked); never includes secrets."""
    # its store queries run in threads of their own (made at start-up): never queued behind the
    # requests in progress, which hold the shared worker threads
    return await to_thread.run_sync(_health, request, limiter=request.app.state.health_threads)


def _health(request: Request) -> Health:
    bundle = bundle_of(request)
    store = store_of(request)
    return Health(
        status="ok",
        model_loaded=True,
        bundle=BundleInfo(
            name=bundle.name,
            version=bundle.version,
            format=bundle.format,
            source=bundle.source,
            contract=bundle.schema.contract,
        ),
        n_features=len(bundle.schema.names),
        auth="api-keys" if store.keys.enabled else "open",
        store=store.describe(),
    )


@model_router.get("/model", summary="Model card: features and their schema, threshold, cost weights, metrics")
def model_card(request: Request) -> dict[str, Any]:
    """What the model is, what it expects and how it was evaluated."""
    bundle = bundle_of(request)
    return {
        "name": bundle.name,
        "version": bundle.version,
        "format": bundle.format,
        "source": bundle.source,
        "created_at": bundle.created_at,
        "threshold": bundle.threshold,
        "decision_rule": "REFUSED when probability of default >= threshold, else ACCEPTED",
        "cost_weights": bundle.cost_weights.model_dump(),
        "metrics": bundle.metrics,
        "provenance": bundle.provenance.model_dump() if bundle.provenance else None,
        "intended_use": bundle.intended_use,
        "limitations": bundle.limitations,
        "unavailable": bundle.unavailable,
        "hashes": bundle.hashes,
        "contract": bundle.schema.contract,
        "inputs": [spec.model_dump(mode="json") for spec in bundle.schema.inputs],
        "features": [
            {k: json_value(v) for k, v in spec.model_dump().items()} for spec in bundle.schema.by_importance()
        ],
    }
