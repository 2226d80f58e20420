"""Request bodies of the scoring routes: media type, JSON parsing, exact client ids, batch shape.

Everything here happens before a record reaches ``core``: a body is refused with a named error
(415, 400 or 422 naming the field), never with a 500. Client ids are never passed through a float:
``22400.0`` is read as the integer 22400 from its decimal text, and only when that text is integral.
"""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from typing import Any

from api.errors import BadRequest, cut

ID_FIELD = "SK_ID_CURR"
#: a client id has at most 19 digits (2**63 - 1): a longer integral literal is not converted at all
_MAX_ID_DIGITS = 19
#: at most this many problems of one kind are listed in a 422 (the count says how many there were)
MAX_LISTED = 20
#: the media type of every body the scoring routes read
JSON_MEDIA_TYPE = "application/json"


def require_json(content_type: str | None) -> None:
    """415 unless the request says its body is JSON (``application/json``, parameters allowed)."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media != JSON_MEDIA_TYPE:
        said = f"Content-Type {cut(media, 60)!r}" if media else "no Content-Type"
        raise BadRequest(
            415,
            [{"field": "Content-Type", "problem": f"the body must be sent as {JSON_MEDIA_TYPE}; got {said}"}],
        )


class _HugeInt:
    """An integer literal too long for Python to convert (``sys.get_int_max_str_digits``)."""

    def __init__(self, text: str) -> None:
        self.digits = len(text.lstrip("-"))


def _int_or_marker(text: str) -> int | _HugeInt:
    limit = sys.get_int_max_str_digits()
    return _HugeInt(text) if limit and len(text.lstrip("-")) > limit else int(text)


def parse_json(raw: bytes) -> Any:
    """Parse a body as JSON (NaN/Infinity literals are parsed, then rejected by validation).

    An integer literal of more than 4,300 digits (Python's conversion limit) is a 422 naming its field;
    a float client id written as an integer (``22400.0``) becomes that integer, exactly.
    """
    if not raw.strip():
        raise BadRequest(422, [{"field": "(body)", "problem": "empty body: send a JSON object"}])
    try:
        body = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadRequest(400, [{"field": "(body)", "problem": f"invalid JSON: {cut(str(exc))}"}]) from None
    except RecursionError:
        raise BadRequest(400, [{"field": "(body)", "problem": "invalid JSON: nested too deeply"}]) from None
    except ValueError:  # an integer literal longer than Python converts: find and name it
        raise _huge_integers(raw) from None
    _exact_ids(body, raw)
    return body


def _records(body: Any) -> list[Any]:
    """The records of a body: itself (one application), a list, or ``{"clients": [...]}``."""
    if isinstance(body, dict):
        clients = body.get("clients")
        return clients if list(body) == ["clients"] and isinstance(clients, list) else [body]
    return body if isinstance(body, list) else []


def _huge_integers(raw: bytes) -> BadRequest:
    try:
        body = json.loads(raw, parse_int=_int_or_marker)
    except ValueError as exc:  # not the integer limit after all
        return BadRequest(400, [{"field": "(body)", "problem": f"unusable JSON: {cut(str(exc))}"}])
    batch = not (isinstance(body, dict) and "clients" not in body)
    found: list[dict[str, Any]] = []
    for row, record in enumerate(_records(body), start=1):
        for name, value in record.items() if isinstance(record, dict) else [("(record)", record)]:
            marker = _first_marker(value)
            if marker is not None:
                problem = (
                    f"an integer of {marker.digits} digits: far beyond any value this API takes "
                    f"(numbers are read up to {sys.get_int_max_str_digits()} digits)"
                )
                found.append({"row": row, "field": cut(name), "problem": problem} if batch else
                             {"field": cut(name), "problem": problem})  # fmt: skip
    if not found:  # elsewhere in the body (not in a record's field)
        found = [{"field": "(body)", "problem": "an integer literal of more than 4300 digits"}]
    return BadRequest(422, _listed(found))


def _first_marker(value: Any) -> _HugeInt | None:
    if isinstance(value, _HugeInt):
        return value
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    return next((m for m in map(_first_marker, items) if m is not None), None)


def _exact_ids(body: Any, raw: bytes) -> None:
    """Replace each float ``SK_ID_CURR`` whose decimal text is integral by that exact integer.

    Only when a float id is present is the body parsed again, with floats read as ``Decimal``
    (the literal's exact value): ``22400.0`` and ``2.24e4`` become 22400, ``22400.5`` stays a float
    (refused by validation), and ``9007199254740993.0`` becomes 9007199254740993 (a float would be off by one).
    """
    records = _records(body)
    if not any(isinstance(r, dict) and type(r.get(ID_FIELD)) is float for r in records):
        return
    exact = _records(json.loads(raw, parse_float=Decimal))
    for record, twin in zip(records, exact, strict=True):
        if isinstance(record, dict) and type(record.get(ID_FIELD)) is float:
            value = twin[ID_FIELD]
            if _integral_id(value):
                record[ID_FIELD] = int(value)


def _integral_id(value: Any) -> bool:
    # adjusted() is the exponent of the first digit: an id has at most 19, so int() stays cheap
    return (
        isinstance(value, Decimal)
        and value.is_finite()
        and value.adjusted() < _MAX_ID_DIGITS
        and value == value.to_integral_value()
    )


def batch_records(body: Any, limit: int) -> list[Any]:
    """The applications of a batch body: a JSON list, or ``{"clients": [...]}`` (``clients`` required).

    422 when the body has another shape or an item is not a JSON object (naming each such row); 413
    past ``limit`` applications. Items that are objects are validated one by one by the scoring service.
    """
    if isinstance(body, dict):
        unknown = [k for k in body if k != "clients"]
        problems = [
            {"field": cut(k), "problem": "unknown field: a batch has only `clients`"} for k in unknown
        ]
        if "clients" not in body:
            problems.insert(0, {"field": "clients", "problem": "missing field: the list of applications"})
        if problems:
            raise BadRequest(422, _listed(problems))
        body = body["clients"]
    if not isinstance(body, list):
        problem = f"expected a list of applications, got {_kind(body)}"
        raise BadRequest(422, [{"field": "clients", "problem": problem}])
    if len(body) > limit:
        problem = f"{len(body)} applications: at most {limit} per request"
        raise BadRequest(413, [{"field": "clients", "problem": problem}])
    wrong = [
        {
            "row": row,
            "field": "(record)",
            "problem": f"expected an application (a JSON object), got {_kind(item)}",
        }
        for row, item in enumerate(body, start=1)
        if not isinstance(item, dict)
    ]
    if wrong:
        raise BadRequest(422, _listed(wrong))
    return body


def _kind(value: Any) -> str:
    names = {
        bool: "a boolean",
        int: "a number",
        float: "a number",
        str: "a text",
        list: "a list",
        dict: "an object",
    }
    return "null" if value is None else names.get(type(value), type(value).__name__)


def _listed(problems: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if len(problems) <= MAX_LISTED:
        return problems
    more = len(problems) - MAX_LISTED
    return [*problems[:MAX_LISTED], {"field": "(body)", "problem": f"and {more} more problems of this kind"}]
