"""The API's refusals: an exception carrying a status and its problems, and the error body.

Every problem names its field; values and field names quoted in a problem are cut (a 10 MB string
sent by a client never comes back in a 10 MB error).
"""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse

#: the longest field name or problem sentence an error body carries (longer ones are cut, saying so)
MAX_TEXT = 300


def cut(text: str, limit: int = MAX_TEXT) -> str:
    """``text``, or its first ``limit`` characters followed by how long it was."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text)} characters)"


class BadRequest(Exception):
    """A request the API refuses, with its status and problems."""

    def __init__(
        self, status: int, problems: list[dict[str, Any]], headers: dict[str, str] | None = None
    ) -> None:
        self.status = status
        self.problems = problems
        self.headers = headers


def problems_response(
    status: int, problems: list[dict[str, Any]], headers: dict[str, str] | None = None
) -> JSONResponse:
    """The error body: every problem, each naming its field (texts cut at ``MAX_TEXT`` characters)."""
    cut_problems = [{k: cut(v) if isinstance(v, str) else v for k, v in p.items()} for p in problems]
    return JSONResponse(status_code=status, content={"detail": cut_problems}, headers=headers)
