"""``pad healthcheck``: probes of the API and the dashboard (real HTTP servers on localhost)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from core.cli import main
from tests.api.test_server import free_port


@contextmanager
def serving(routes: dict[str, tuple[int, bytes]]) -> Iterator[int]:
    """A real HTTP server answering ``routes`` (path -> status, body); yields its port."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802  (http.server's name)
            status, body = routes.get(self.path, (404, b"not found"))
            self.send_response(status)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def _check(capsys, api: int, dashboard: int) -> tuple[int, str]:
    code = main(["healthcheck", "--api-port", str(api), "--dashboard-port", str(dashboard)])
    return code, capsys.readouterr().out


def test_healthy_when_the_api_says_ok(capsys):
    with serving({"/health": (200, json.dumps({"status": "ok"}).encode())}) as port:
        code, out = _check(capsys, port, free_port())
    assert code == 0 and out.startswith("healthy: the API answers at http://127.0.0.1:")


def test_healthy_when_the_dashboard_answers(capsys):
    with serving({"/_stcore/health": (200, b"ok")}) as port:
        code, out = _check(capsys, free_port(), port)
    assert code == 0 and "the dashboard answers" in out


def test_unhealthy_when_nothing_or_something_else_answers(capsys):
    code, out = _check(capsys, free_port(), free_port())
    assert code == 1 and out.startswith("unhealthy: neither the API nor the dashboard answers")
    assert "Connection refused" in out
    with serving({"/health": (200, b"<html>a proxy page</html>"), "/_stcore/health": (503, b"")}) as port:
        code, out = _check(capsys, port, port)
    assert code == 1 and "HTTP 503" in out and "API at" in out
