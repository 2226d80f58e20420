"""The OpenAPI document: the bundle's record schema as the request bodies, stated as the API reads them.

What the document says is what the API does (a schema-based fuzzing test holds them together):
flags take ``true``/``false`` or ``1``/``0``; a client id is an integer, ``22400.0`` included (it is
read as 22400 from its decimal text); a batch is a list of JSON objects or ``{"clients": [...]}``
with ``clients`` required, each object then validated on its own as an ``Application``.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from core import ScoringService, record_model

_APPLICATION = "#/components/schemas/Application"
_FLAG = {"type": "integer", "enum": [0, 1], "description": "1 for true, 0 for false"}


def record_schema(service: ScoringService) -> tuple[dict[str, Any], dict[str, Any]]:
    """The JSON schema of one record of the bundle, and the schemas it refers to."""
    schema = record_model(service.bundle.schema).model_json_schema(
        ref_template="#/components/schemas/{model}"
    )
    defs = schema.pop("$defs", {})
    for prop in schema.get("properties", {}).values():
        forms = prop.get("anyOf", [])
        if {"type": "boolean"} in forms:  # the original API took 0/1 for flags: still accepted, so declared
            forms.insert(forms.index({"type": "boolean"}) + 1, dict(_FLAG))
    ident = schema.get("properties", {}).get("SK_ID_CURR")
    if ident is not None:
        ident["description"] = (
            "client id (a 64-bit integer); an integral number such as 22400.0 is read as 22400, exactly"
        )
    return schema, defs


def batch_schema(max_rows: int) -> dict[str, Any]:
    """The body of /predict/batch: a list of objects, or ``{"clients": [...]}``."""
    items = {
        "type": "array",
        "maxItems": max_rows,
        "items": {
            "type": "object",
            "description": "An application (schema Application). Each one is validated on its own: an "
            "invalid one is reported in `errors` with its row, the others are scored.",
        },
    }
    wrapped = {"type": "object", "required": ["clients"], "additionalProperties": False,
               "properties": {"clients": items}}  # fmt: skip
    return {"oneOf": [items, wrapped]}


def build_openapi(app: FastAPI) -> dict[str, Any]:
    """The document, with the request bodies of the scoring routes once the bundle is loaded."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    service: ScoringService | None = getattr(app.state, "service", None)
    if service is None:
        return schema
    record, defs = record_schema(service)
    schema.setdefault("components", {}).setdefault("schemas", {}).update({"Application": record, **defs})
    example = service.example_record()
    bodies = {
        "/predict": ({"$ref": _APPLICATION}, example),
        "/explain": ({"$ref": _APPLICATION}, example),
        "/predict/batch": (batch_schema(app.state.max_batch_rows), {"clients": [example]}),
    }
    for path, (body_schema, body_example) in bodies.items():
        schema["paths"][path]["post"]["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": body_schema, "example": body_example}},
        }
    app.openapi_schema = schema
    return schema
