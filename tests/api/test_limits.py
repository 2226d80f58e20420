"""Requests in progress: the ConcurrencyLimit middleware alone, then in the app (scoring off the loop)."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import anyio
import pytest
from fastapi.testclient import TestClient

from api.limits import ConcurrencyLimit
from api.main import create_app
from core import ConfigError, load_settings


class _HeldApp:
    """An ASGI app answering 200, or holding the request until released (``/hold``) or failing (``/boom``)."""

    def __init__(self) -> None:
        self.release = anyio.Event()
        self.calls = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.calls += 1
        if scope["path"] == "/hold":
            await self.release.wait()
        if scope["path"] == "/boom":
            raise RuntimeError("boom")
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


async def _request(app: Any, path: str, root_path: str = "") -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": path, "root_path": root_path, "headers": []}
    await app(scope, receive, send)
    return sent


def _status(sent: list[dict[str, Any]]) -> int:
    return int(sent[0]["status"])


def test_limit_refuses_past_max_in_flight_with_503_and_retry_after():
    async def main() -> None:
        inner = _HeldApp()
        limit = ConcurrencyLimit(inner, max_in_flight=2)
        held: list[list[dict[str, Any]]] = []
        async with anyio.create_task_group() as tg:
            for _ in range(2):
                tg.start_soon(_collect, held, limit, "/hold")
            await anyio.wait_all_tasks_blocked()
            assert limit.in_flight == 2
            refused = await _request(limit, "/predict")
            assert inner.calls == 2  # the refused request never reached the app
            assert _status(refused) == 503
            headers = dict(refused[0]["headers"])
            assert headers[b"retry-after"] == b"1" and headers[b"content-type"] == b"application/json"
            detail = json.loads(refused[1]["body"])["detail"]
            assert detail[0]["field"] == "(server)"
            assert "MAX_CONCURRENT_REQUESTS=2" in detail[0]["problem"]
            assert "nothing was done" in detail[0]["problem"]
            assert int(headers[b"content-length"]) == len(refused[1]["body"])
            # /health is exempt: answered while saturated, and not counted
            assert _status(await _request(limit, "/health")) == 200
            inner.release.set()
        assert [_status(s) for s in held] == [200, 200]
        assert limit.in_flight == 0
        assert _status(await _request(limit, "/predict")) == 200  # capacity is back

    anyio.run(main)


async def _collect(out: list[Any], app: Any, path: str) -> None:
    out.append(await _request(app, path))


def test_limit_frees_the_slot_when_the_app_fails():
    async def main() -> None:
        limit = ConcurrencyLimit(_HeldApp(), max_in_flight=1)
        with pytest.raises(RuntimeError, match="boom"):
            await _request(limit, "/boom")
        assert limit.in_flight == 0
        assert _status(await _request(limit, "/predict")) == 200

    anyio.run(main)


def test_limit_passes_lifespan_and_exempt_paths_through():
    async def main() -> None:
        inner = _HeldApp()
        limit = ConcurrencyLimit(inner, max_in_flight=1, exempt={"/health", "/docs"})
        limit.in_flight = 1  # saturated
        assert _status(await _request(limit, "/docs")) == 200
        assert _status(await _request(limit, "/api/health", root_path="/api")) == 200  # behind a prefix
        assert _status(await _request(limit, "/predict")) == 503
        assert _status(await _request(limit, "/api/predict", root_path="/api")) == 503
        seen: list[str] = []

        async def lifespan_app(scope: Any, receive: Any, send: Any) -> None:
            seen.append(scope["type"])

        await ConcurrencyLimit(lifespan_app, max_in_flight=1)({"type": "lifespan"}, _never, _never)
        assert seen == ["lifespan"]

    anyio.run(main)


async def _never(*_: Any) -> Any:
    raise AssertionError("not called")


def test_limit_needs_at_least_one_request():
    with pytest.raises(ValueError, match=r"max_in_flight=0: at least 1"):
        ConcurrencyLimit(_HeldApp(), max_in_flight=0)


@pytest.mark.parametrize("value", ["0", "41", "many"])
def test_max_concurrent_requests_setting_is_checked(monkeypatch, value):
    monkeypatch.setenv("MAX_CONCURRENT_REQUESTS", value)
    with pytest.raises(ConfigError, match="MAX_CONCURRENT_REQUESTS"):
        load_settings()


def test_scoring_runs_off_the_loop_and_a_saturated_api_says_503(toy_bundle, record, monkeypatch):
    """A batch held inside its worker thread: /health still answers (the loop is free), another
    scoring request gets 503 + Retry-After and records nothing, and the held batch completes."""
    monkeypatch.setenv("MAX_CONCURRENT_REQUESTS", "1")
    with TestClient(create_app(bundle=toy_bundle, settings=load_settings())) as client:
        desk, log = client.app.state.desk, client.app.state.store.log  # type: ignore[attr-defined]
        started, release = threading.Event(), threading.Event()
        original = desk.decide_records

        def held(*args: Any, **kwargs: Any) -> Any:
            started.set()
            release.wait(30)  # a bounded wait: a regression fails the test instead of hanging it
            return original(*args, **kwargs)

        monkeypatch.setattr(desk, "decide_records", held)
        before = log.count()
        with ThreadPoolExecutor(1) as pool:
            batch = pool.submit(client.post, "/predict/batch", json=[record, record])
            assert started.wait(30)
            health = client.get("/health")
            busy = client.post("/predict", json=record)
            assert not release.is_set()  # both answered while the batch was still held
            release.set()
            done = batch.result(30)
        assert health.status_code == 200 and health.json()["status"] == "ok"
        assert busy.status_code == 503 and busy.headers["retry-after"] == "1"
        assert "MAX_CONCURRENT_REQUESTS=1" in busy.json()["detail"][0]["problem"]
        assert done.status_code == 200 and done.json()["n_scored"] == 2
        assert log.count() == before + 2  # the refused request recorded nothing
        again = client.post("/predict", json=record)  # the slot is free again
        assert again.status_code == 200 and log.get(again.json()["decision_id"]) is not None


def test_openapi_documents_the_503(client):
    responses = client.get("/openapi.json").json()["paths"]["/predict"]["post"]["responses"]
    assert "Retry-After" in responses["503"]["description"]
