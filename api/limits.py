"""Request limits, as pure ASGI middleware: the body size per route (rejected before the body is read into
memory) and the requests in progress (rejected at once with 503 and ``Retry-After`` when saturated)."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Collection, Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import cut

log = logging.getLogger("api")


class BodySizeLimit:
    """Answer 413 when a request body exceeds its route's limit (by Content-Length or while streaming).

    ``max_bytes`` applies to every path but those of ``per_path`` (path -> bytes): one application
    to ``/predict`` is a few kilobytes, a batch may be megabytes.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, per_path: Mapping[str, int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.per_path = dict(per_path or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = _route_path(scope)
        limit = self.per_path.get(path, self.max_bytes)
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            await self._reject(send, path, limit)
            return
        seen = 0

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _TooLarge
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _TooLarge:
            await self._reject(send, path, limit)

    async def _reject(self, send: Send, path: str, limit: int) -> None:
        problem = f"request body larger than {limit} bytes, the limit of {cut(path, 80)}"
        await send_problem(send, 413, "(body)", problem)


class _TooLarge(Exception):
    pass


class ConcurrencyLimit:
    """Answer 503 with ``Retry-After`` when ``max_in_flight`` requests are already in progress.

    A request is in progress from its arrival until the application has returned (its response sent,
    or its worker thread finished when the client went away), so the count is the work the process
    really holds. Paths in ``exempt`` (``/health``) are never counted nor refused. The count lives on
    the event loop, which runs this middleware: no lock is needed, and every worker process of
    ``uvicorn --workers N`` has its own.
    """

    #: a refused caller is told to come back after this many seconds
    RETRY_AFTER_S = 1
    #: at most one warning in the log per this many seconds while requests are refused
    WARN_EVERY_S = 10.0

    def __init__(self, app: ASGIApp, *, max_in_flight: int, exempt: Collection[str] = ("/health",)) -> None:
        if max_in_flight < 1:
            raise ValueError(f"max_in_flight={max_in_flight!r}: at least 1 request must be allowed")
        self.app = app
        self.max_in_flight = max_in_flight
        self.exempt = frozenset(exempt)
        self.in_flight = 0
        self.refused = 0  # since the last warning
        self._warned_at = float("-inf")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _route_path(scope) in self.exempt:
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.max_in_flight:
            self._note_refusal()
            problem = (
                f"the API is busy: this server process is already handling {self.in_flight} "
                f"request(s), its limit (MAX_CONCURRENT_REQUESTS={self.max_in_flight}); nothing was "
                f"done with this request: send it again after {self.RETRY_AFTER_S} s (Retry-After)"
            )
            await send_problem(
                send, 503, "(server)", problem, [(b"retry-after", str(self.RETRY_AFTER_S).encode())]
            )
            return
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1

    def _note_refusal(self) -> None:
        self.refused += 1
        now = time.monotonic()
        if now - self._warned_at >= self.WARN_EVERY_S:
            log.warning(
                "saturated: %d request(s) refused with 503 (MAX_CONCURRENT_REQUESTS=%d; at most one "
                "such warning per %.0f s)",
                self.refused,
                self.max_in_flight,
                self.WARN_EVERY_S,
            )
            self._warned_at = now
            self.refused = 0


def _route_path(scope: Scope) -> str:
    """The path the app routes on (behind ``--root-path /prefix``, ``scope["path"]`` holds the prefix)."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


async def send_problem(
    send: Send, status: int, field: str, problem: str, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    """Send the API's error body (``{"detail": [{"field", "problem"}]}``) from ASGI middleware."""
    body = json.dumps({"detail": [{"field": field, "problem": problem}]}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
