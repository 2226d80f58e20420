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


_ERROR = {"$ref": "#/components/schemas/ErrorResponse"}
#: statuses every operation of a kind may answer, with the API's error body
_COMMON = {
    "401": "API key missing or not valid (when keys are configured)",
    "503": "Too many requests in progress (MAX_CONCURRENT_REQUESTS): nothing was done, send it again "
    "after the Retry-After header's seconds",
}
_WITH_BODY = {
    "400": "Body is not valid JSON",
    "413": "Body too large for this route",
    "415": "Body not sent as application/json",
    "422": "Invalid body: every problem listed, each naming its field",
}
_WITH_PATH_ID = {"404": "No such item (the id in the path is not known)"}
_WITH_PARAMS = {"422": "Invalid parameter: every problem listed, each naming its parameter"}


def _error_bodies(schema: dict[str, Any]) -> None:
    """Every error the API sends has the body ``ErrorResponse`` (``{"detail": [{"field", "problem"}]}``):
    FastAPI's default 422 schema is replaced, and each operation lists the errors it can answer."""
    for path, operations in schema["paths"].items():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            wanted: dict[str, str] = {}
            if operation.get("security"):
                wanted |= _COMMON
            if operation.get("parameters"):
                wanted |= _WITH_PARAMS
            if "{" in path:
                wanted |= _WITH_PATH_ID
            if "requestBody" in operation:
                wanted |= _WITH_BODY
            for status, description in wanted.items():
                responses.setdefault(status, {"description": description})
            for status, response in responses.items():
                if status.startswith(("4", "5")):
                    response["content"] = {"application/json": {"schema": _ERROR}}
    components = schema.get("components", {}).get("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)


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
    for spec in service.bundle.schema.fields:
        prop = schema.get("properties", {}).get(spec.name)
        if prop is None:
            continue
        if spec.required:  # without it an application gets no decision: a value is required
            prop["anyOf"] = [f for f in prop.get("anyOf", []) if f != {"type": "null"}]
            prop.pop("default", None)
            schema.setdefault("required", []).append(spec.name)
        if spec.info is not None and spec.info.sentinel is not None:  # e.g. DAYS_EMPLOYED = 365243
            _allow_sentinel(prop, spec.info.sentinel, spec.domain_min, spec.domain_max)
    return schema, defs


def _allow_sentinel(prop: dict[str, Any], sentinel: float, lo: float | None, hi: float | None) -> None:
    """A numeric field with a sentinel: within its bounds, or exactly the sentinel."""
    bounded: dict[str, Any] = {"type": "number"}
    if lo is not None:
        bounded["minimum"] = lo
    if hi is not None:
        bounded["maximum"] = hi
    forms = [f for f in prop.get("anyOf", []) if f != {"type": "number"}]
    prop["anyOf"] = [bounded, {"const": sentinel}, *forms]
    if "multipleOf" in prop:  # a sibling of anyOf: applies to every number form
        bounded["multipleOf"] = prop.pop("multipleOf")


#: a body holding only a client id: score that client of the store (404 when it does not hold it)
STORED_CLIENT = {
    "type": "object",
    "description": "Only the id of a client of the store: its stored application and history are scored.",
    "properties": {"SK_ID_CURR": {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}},
    "required": ["SK_ID_CURR"],
    "additionalProperties": False,
}


def batch_schema(max_rows: int) -> dict[str, Any]:
    """The body of /predict/batch: a list of objects, or ``{"clients": [...]}``."""
    items = {
        "type": "array",
        "maxItems": max_rows,
        "description": f"At most {max_rows} applications per request (MAX_BATCH_ROWS); past it, 413.",
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
    """The document, with the request bodies of the scoring routes once the bundle is loaded.

    In open mode (no API key configured) a key is optional, and the document says so; once a key
    exists, it is required. Both documents are built once.
    """
    service: ScoringService | None = getattr(app.state, "service", None)
    if service is None:
        return get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
    open_mode = not app.state.store.keys.enabled
    cache: dict[bool, dict[str, Any]] = app.state.__dict__.setdefault("openapi_documents", {})
    if open_mode not in cache:
        cache[open_mode] = _document(app, service, open_mode=open_mode)
    return cache[open_mode]


def _document(app: FastAPI, service: ScoringService, *, open_mode: bool) -> dict[str, Any]:
    schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    record, defs = record_schema(service)
    schema.setdefault("components", {}).setdefault("schemas", {}).update({"Application": record, **defs})
    example = service.example_record()
    schema["components"]["schemas"]["StoredClient"] = STORED_CLIENT
    one = {"anyOf": [{"$ref": _APPLICATION}, {"$ref": "#/components/schemas/StoredClient"}]}
    bodies = {
        "/predict": (one, example),
        "/explain": (one, example),
        "/recourse": (one, example),
        "/predict/batch": (batch_schema(app.state.max_batch_rows), {"clients": [example]}),
    }
    for path, (body_schema, body_example) in bodies.items():
        schema["paths"][path]["post"]["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": body_schema, "example": body_example}},
        }
    _error_bodies(schema)
    if open_mode:  # `{}`: the request may also carry no key at all
        for operations in schema["paths"].values():
            for operation in operations.values():
                if operation.get("security"):
                    operation["security"].append({})
    return schema
