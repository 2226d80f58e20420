"""A local HTTP server standing in for the Hugging Face Hub: its file endpoint (``/resolve/``) and the
upload API that ``huggingface_hub``'s ``upload_folder`` uses (pre-upload, large-file storage, commit)."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

COMMIT = "a" * 40
#: files at least this large, or binary (a NUL in their first bytes), go to large-file storage, as on the Hub
LFS_FROM_BYTES = 10_000_000


class FakeHub:
    """Serve ``files[repo_id][path] -> bytes`` at ``/{repo_id}/resolve/{revision}/{path}``."""

    def __init__(self) -> None:
        self.files: dict[str, dict[str, bytes]] = {}
        self.requests: list[tuple[str, str, str | None]] = []  # method, path, authorization
        self.validated: list[str] = []  # README front matters checked before a commit
        self.lfs: dict[str, bytes] = {}  # large-file storage: sha256 -> content
        self.commits: list[dict[str, object]] = []  # each: repo, message, files (path -> "regular" | "lfs")
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self, body: bool) -> None:
                hub.requests.append((self.command, self.path, self.headers.get("Authorization")))
                parts = self.path.split("?")[0].lstrip("/").split("/")
                if len(parts) < 5 or parts[2] != "resolve":
                    self.send_response(404)
                    self.send_header("X-Error-Code", "RepoNotFound")
                    self.end_headers()
                    return
                repo, filename = "/".join(parts[:2]), "/".join(parts[4:])
                content = hub.files.get(repo, {}).get(filename)
                if content is None:
                    self.send_response(404)
                    self.send_header("X-Error-Code", "EntryNotFound" if repo in hub.files else "RepoNotFound")
                    self.send_header("X-Error-Message", "not found")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("X-Repo-Commit", COMMIT)
                self.send_header("ETag", f'"{hashlib.sha256(content).hexdigest()}"')
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                if body:
                    self.wfile.write(content)

            def _json(self, status: int, body: object) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:  # noqa: N802
                hub.requests.append((self.command, self.path, self.headers.get("Authorization")))
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                path = self.path.split("?")[0]
                if path == "/api/validate-yaml":  # a README's front matter (the Space card)
                    hub.validated.append(json.loads(body)["content"])
                    self._json(200, {"errors": [], "warnings": []})
                elif "/preupload/" in path:  # which files go to large-file storage
                    files = json.loads(body)["files"]
                    modes = [
                        {"path": f["path"], "uploadMode": hub.upload_mode(f), "shouldIgnore": False}
                        for f in files
                    ]
                    self._json(200, {"files": modes, "commitOid": COMMIT})
                elif path.endswith("/info/lfs/objects/batch"):  # where to PUT each large file
                    objects = json.loads(body)["objects"]
                    actions = [
                        {"oid": o["oid"], "size": o["size"], "authenticated": True,
                         "actions": {"upload": {"href": f"{hub.url}/lfs-upload/{o['oid']}"}}}
                        for o in objects if o["oid"] not in hub.lfs
                    ]  # fmt: skip
                    self._json(200, {"transfer": "basic", "objects": actions})
                elif "/commit/" in path:
                    self._json(200, hub.commit(path, body))
                else:
                    self._json(404, {"error": f"no such endpoint {path}"})

            def do_PUT(self) -> None:  # noqa: N802
                hub.requests.append((self.command, self.path, self.headers.get("Authorization")))
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                oid = self.path.split("?")[0].rsplit("/", 1)[-1]
                if hashlib.sha256(body).hexdigest() != oid:
                    self._json(400, {"error": "content does not match its oid"})
                    return
                hub.lfs[oid] = body
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_HEAD(self) -> None:  # noqa: N802
                self._serve(body=False)

            def do_GET(self) -> None:  # noqa: N802
                self._serve(body=True)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def add_folder(self, repo_id: str, folder: Path) -> None:
        """Publish every file of ``folder`` in ``repo_id``."""
        self.files[repo_id] = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}

    @staticmethod
    def upload_mode(file: dict[str, object]) -> str:
        """``lfs`` for a large or binary file, else ``regular`` (sent inside the commit)."""
        sample = base64.b64decode(str(file.get("sample", "")))
        return "lfs" if int(str(file["size"])) >= LFS_FROM_BYTES or b"\0" in sample else "regular"

    def commit(self, path: str, body: bytes) -> dict[str, object]:
        """Apply a commit (NDJSON: header, then regular files in base64 and large files by sha256)."""
        parts = path.lstrip("/").split("/")  # api/spaces/owner/name/commit/main
        repo = "/".join(parts[2:4])
        files = self.files.setdefault(repo, {})
        kinds: dict[str, str] = {}
        message = ""
        for line in body.decode().splitlines():
            item = json.loads(line)
            value = item["value"]
            if item["key"] == "header":
                message = value["summary"]
            elif item["key"] == "file":
                files[value["path"]] = base64.b64decode(value["content"])
                kinds[value["path"]] = "regular"
            elif item["key"] == "lfsFile":
                files[value["path"]] = self.lfs[value["oid"]]
                kinds[value["path"]] = "lfs"
        self.commits.append({"repo": repo, "message": message, "files": kinds})
        return {
            "commitUrl": f"{self.url}/spaces/{repo}/commit/{COMMIT}",
            "commitOid": COMMIT,
            "pullRequestUrl": None,
        }

    def __enter__(self) -> FakeHub:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
