"""JSON files and bodies of applications: one record or a list, read with named errors.

Python's reader would raise a ``RecursionError`` on deeply nested arrays and a ``ValueError`` on an
integer of more than 4,300 digits, and silently keep the last of two values given for one key:
here each is a :class:`FileValidationError` naming the problem, and duplicate keys are warnings of
their record.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from core.errors import FileValidationError
from core.serving.messages import Problem, clip


class _Object(dict[str, Any]):
    """A JSON object that remembers the keys it was given more than once."""

    duplicates: dict[str, int]


def _object(pairs: list[tuple[str, Any]]) -> _Object:
    obj = _Object(pairs)
    counts = Counter(k for k, _ in pairs)
    obj.duplicates = {k: n for k, n in counts.items() if n > 1} if len(obj) < len(pairs) else {}
    return obj


@dataclass
class JsonRecords:
    """The records of a JSON document and, by record number (from 1), its duplicate keys."""

    records: list[Any]
    #: record number -> [(key, times given)]
    duplicate_keys: dict[int, list[tuple[str, int]]] = field(default_factory=dict)


def parse_json_records(text: str | bytes, name: str = "the JSON") -> JsonRecords:
    """The records of ``text`` (one object or a list of them); a document that is not usable JSON is
    one :class:`FileValidationError` naming the problem (never a traceback)."""
    try:
        data = json.loads(text, object_pairs_hook=_object)
    except json.JSONDecodeError as exc:
        raise FileValidationError(f"{name} is not valid JSON: {clip(exc, 200)}") from None
    except RecursionError:
        raise FileValidationError(f"{name} is not usable JSON: nested too deeply") from None
    except UnicodeDecodeError:
        raise FileValidationError(f"{name} is not valid JSON: its text is not UTF-8") from None
    except ValueError as exc:  # an integer of more than sys.get_int_max_str_digits() digits
        if "digits" in str(exc):
            raise FileValidationError(
                f"{name} is not usable JSON: it holds an integer of more than {sys.get_int_max_str_digits():,} "
                "digits (no field takes such a number)"
            ) from None
        raise FileValidationError(f"{name} is not usable JSON: {clip(exc, 120)}") from None
    records = data if isinstance(data, list) else [data]
    duplicates = {
        i: list(r.duplicates.items())
        for i, r in enumerate(records, start=1)
        if isinstance(r, _Object) and r.duplicates
    }
    return JsonRecords(records, duplicates)


def duplicate_key_problem(times: int) -> Problem:
    """The warning of a key given ``times`` times in one object."""
    return Problem("duplicate_key", count=times)
