"""The API's hostile-input corpus (manifest.json) against the real server: named errors, no 5xx, no traceback."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.errors import MAX_TEXT
from core import ScoringService, load_bundle
from core.config import DEMO_BUNDLE_DIR
from tests.api.test_server import free_port, start
from tests.conftest import REPO

HERE = Path(__file__).parent
MANIFEST = json.loads((HERE / "manifest.json").read_text(encoding="utf-8"))
REQUESTS = MANIFEST["requests"]
BUNDLES = MANIFEST["bundles"]
_FILL = re.compile(r"@FILL:(.):(\d+)@")


def body_of(entry: dict[str, Any], example: dict[str, Any]) -> bytes:
    """The payload file with its markers expanded (the example's members it does not set itself)."""
    text = (HERE / "payloads" / entry["body"]).read_text(encoding="utf-8")
    given = set(re.findall(r'"([A-Za-z_0-9]+)":', text))
    members = json.dumps({k: v for k, v in example.items() if k not in given})[1:-1]
    text = text.replace("@EXAMPLE@", members).replace(", }", "}").replace("{, ", "{")
    return _FILL.sub(lambda m: m.group(1) * int(m.group(2)), text).encode()


def test_the_corpus_covers_each_item_twice():
    items = [e["item"] for e in REQUESTS + BUNDLES]
    assert all(items.count(i) >= 2 for i in (6, 7, 9, 10)), items
    for entry in REQUESTS:
        assert (HERE / "payloads" / entry["body"]).is_file(), entry["id"]
    assert len({e["id"] for e in REQUESTS + BUNDLES}) == len(REQUESTS + BUNDLES)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    """A real uvicorn serving the demo bundle, with its output kept to be read afterwards."""
    port = free_port()
    store = tmp_path_factory.mktemp("store") / "store.sqlite"
    env = {
        **os.environ,
        "BUNDLE_DIR": str(DEMO_BUNDLE_DIR),
        "BUNDLE_SOURCE": "local",
        "STORE_PATH": str(store),
    }
    cmd = [sys.executable, "-m", "uvicorn", "api.main:app", "--host", "127.0.0.1", "--port", str(port)]
    proc = start(cmd, port, env)
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60)
    yield client, proc
    client.close()
    proc.terminate()
    proc.communicate(timeout=30)


@pytest.fixture(scope="module")
def example() -> dict[str, Any]:
    return ScoringService(load_bundle(DEMO_BUNDLE_DIR)).example_record()


@pytest.mark.parametrize("entry", REQUESTS, ids=[e["id"] for e in REQUESTS])
def test_a_hostile_request_gets_its_named_answer(server, example, entry):
    client, _ = server
    headers = {} if entry.get("content_type", "application/json") is None else {
        "content-type": entry.get("content_type", "application/json")
    }  # fmt: skip
    res = client.post(entry["route"], content=body_of(entry, example), headers=headers)
    assert res.status_code == entry["status"], res.text[:2000]
    assert "Traceback" not in res.text and res.headers["content-type"] == "application/json"
    if "max_response_bytes" in entry:
        assert len(res.content) <= entry["max_response_bytes"], len(res.content)
    if "client_id" in entry:
        assert res.json()["client_id"] == entry["client_id"]
    expected = entry.get("row_error") or ({k: entry[k] for k in ("field", "problem", "row") if k in entry})
    if expected:
        problems = res.json()["errors"] if "row_error" in entry else res.json()["detail"]
        assert any(_matches(p, expected) for p in problems), problems
    assert client.get("/health").status_code == 200  # the connection and the server are still there


def _matches(problem: dict[str, Any], expected: dict[str, Any]) -> bool:
    return (
        problem["field"].startswith(expected["field"])
        and len(problem["field"]) <= MAX_TEXT + 40  # a long name is cut, saying how long it was
        and expected["problem"] in problem["problem"]
        and problem.get("row") == expected.get("row")
    )


def test_the_server_printed_no_traceback(server):
    client, proc = server
    client.close()
    proc.terminate()
    out, _ = proc.communicate(timeout=30)
    assert "Traceback" not in out and " 500 " not in out, out[-3000:]


def _broken_bundle(entry: dict[str, Any], folder: Path) -> Path:
    shutil.copytree(DEMO_BUNDLE_DIR, folder)
    shutil.copyfile(HERE / "payloads" / entry["with"], folder / entry["replace"])
    if entry.get("rehash", True):
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        manifest["files"][entry["replace"]] = hashlib.sha256(
            (folder / entry["replace"]).read_bytes()
        ).hexdigest()
        (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


@pytest.mark.parametrize("entry", BUNDLES, ids=[e["id"] for e in BUNDLES])
def test_a_broken_bundle_stops_the_real_server_with_one_sentence(tmp_path, entry):
    folder = _broken_bundle(entry, tmp_path / "bundle")
    env = {
        **os.environ,
        "BUNDLE_DIR": str(folder),
        "BUNDLE_SOURCE": "local",
        "STORE_PATH": str(tmp_path / "s.sqlite"),
    }
    proc = subprocess.run(
        [sys.executable, "-m", "uvicorn", "api.main:app", "--port", str(free_port())],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "Traceback" not in out, out[-3000:]
    said = [line for line in out.splitlines() if "cannot start the API:" in line]
    assert len(said) == 1 and entry["said"] in said[0], out[-3000:]
