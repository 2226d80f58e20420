"""A throw-away PostgreSQL server for the tests: Debian's binaries, run as a dedicated user.

``initdb`` and ``pg_ctl`` refuse to run as root (CI runs as root), so as root the server runs as
the ``postgres`` system user (created by Debian's package) or a ``padpg`` user made here. Returns
None, with the reason, when no PostgreSQL binaries are installed.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

BIN_DIRS = [Path("/usr/lib/postgresql") / v / "bin" for v in ("17", "16", "15", "14")]


@dataclass
class PgServer:
    """A running server: its SQLAlchemy URL and how to stop it."""

    url: str
    datadir: Path
    bindir: Path
    user: str | None

    def stop(self) -> None:
        """Stop the server and delete its files."""
        _run([str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", "immediate", "stop"], self.user)
        shutil.rmtree(self.datadir.parent, ignore_errors=True)


def _bindir() -> Path | None:
    for d in BIN_DIRS:
        if (d / "initdb").exists():
            return d
    return None


def _run(cmd: list[str], user: str | None) -> subprocess.CompletedProcess[str]:
    if user is not None:
        cmd = ["runuser", "-u", user, "--", *cmd]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _server_user() -> str | None:
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "padpg"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    subprocess.run(["useradd", "--system", "--no-create-home", "padpg"], check=True, capture_output=True)
    return "padpg"


def start_postgres() -> tuple[PgServer | None, str]:
    """Start a server on a free local port; (None, reason) when impossible."""
    bindir = _bindir()
    if bindir is None:
        return None, "PostgreSQL binaries not found (apt-get install postgresql)"
    user = _server_user()
    root = Path(tempfile.mkdtemp(prefix="pad-pg-"))
    datadir = root / "data"
    if user is not None:
        shutil.chown(root, user)
        os.chmod(root, 0o755)
    init = _run(
        [str(bindir / "initdb"), "-D", str(datadir), "-U", "pad", "-A", "trust", "--no-sync", "-E", "UTF8"],
        user,
    )
    if init.returncode != 0:
        return None, f"initdb failed: {init.stderr.strip()[:300]}"
    port = _free_port()
    opts = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=on"
    start = _run(
        [str(bindir / "pg_ctl"), "-D", str(datadir), "-o", opts, "-l", str(root / "log"), "-w", "start"], user
    )
    if start.returncode != 0:
        return None, f"pg_ctl start failed: {start.stderr.strip()[:300]}"
    created = _run([str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "pad", "pad"], user)
    if created.returncode != 0:
        return None, f"createdb failed: {created.stderr.strip()[:300]}"
    return PgServer(f"postgresql+psycopg://pad@127.0.0.1:{port}/pad", datadir, bindir, user), ""


def new_database(server: PgServer, name: str) -> str:
    """A fresh empty database on ``server``; its URL."""
    port = server.url.rsplit(":", 1)[1].split("/")[0]
    done = _run(
        [str(server.bindir / "createdb"), "-h", "127.0.0.1", "-p", port, "-U", "pad", name], server.user
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr)
    return server.url.rsplit("/", 1)[0] + "/" + name
