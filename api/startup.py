"""Start-up failures the operator can fix (configuration, bundle, database, API keys): one line, no traceback."""

from __future__ import annotations

import sys

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class OneLineStartupErrors:
    """Pure ASGI middleware: the server reports a known start-up error by its message alone.

    Starlette sends the full traceback with ``lifespan.startup.failed`` and uvicorn prints it; for
    the errors listed (whose messages say what failed and how to fix it, URL passwords masked) the
    message replaces the traceback. Any other start-up error keeps its traceback (a bug to report).
    """

    def __init__(self, app: ASGIApp, errors: tuple[type[BaseException], ...]) -> None:
        self.app = app
        self.errors = errors

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return

        async def one_line(message: Message) -> None:
            if message["type"] == "lifespan.startup.failed":
                exc = sys.exc_info()[1]  # Starlette sends this message while handling the error
                if isinstance(exc, self.errors):
                    text = " ".join(str(exc).split())
                    message = {**message, "message": f"cannot start the API: {text}"}
            await send(message)

        await self.app(scope, receive, one_line)
