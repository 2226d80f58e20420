"""Shared fixtures: a small real CatBoost bundle built once per test session."""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from core.serving.bundle import Bundle, load_bundle
from tests.pg import PgServer, new_database, start_postgres
from tests.toy import build_app_bundle, build_toy_bundle, toy_frame

REPO = Path(__file__).resolve().parent.parent


def run_pad(
    *args: str, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess:
    """``pad ARGS`` as a user runs it: a new process from the repository, this environment plus ``env``."""
    return subprocess.run(
        [sys.executable, "-m", "core.cli", *args], cwd=REPO, capture_output=True, text=True, timeout=timeout,
        env={**os.environ, **(env or {})},
    )  # fmt: skip


SHARED = REPO.parent / "shared" / "data"
HOMECREDIT = SHARED / "homecredit"
SEED_REFERENCE = SHARED / "seed_bundle_reference"


@pytest.fixture(scope="session")
def toy_bundle_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Folder of a v1 bundle trained on toy data (do not modify: copy it first)."""
    return build_toy_bundle(tmp_path_factory.mktemp("bundle") / "toy")


@pytest.fixture(scope="session")
def toy_bundle(toy_bundle_dir: Path) -> Bundle:
    """The toy bundle, loaded."""
    return load_bundle(toy_bundle_dir)


@pytest.fixture(scope="session")
def app_bundle_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Folder of a small application bundle (raw applications in; do not modify: copy it first)."""
    return build_app_bundle(tmp_path_factory.mktemp("bundle") / "toy-app")


@pytest.fixture(scope="session")
def app_bundle(app_bundle_dir: Path) -> Bundle:
    """The small application bundle, loaded."""
    return load_bundle(app_bundle_dir)


@pytest.fixture()
def toy_record(toy_bundle: Bundle) -> dict:
    """A valid record: the first reference client, JSON-like (None for missing)."""
    row = toy_frame(5, 1).iloc[0]
    rec = {k: (None if v != v else v) for k, v in row.items() if k != "TARGET"}  # NaN -> None
    rec["SK_ID_CURR"] = int(rec["SK_ID_CURR"])
    rec["FLAG_DOCUMENT_3"] = bool(rec["FLAG_DOCUMENT_3"])
    return {k: (v.item() if hasattr(v, "item") else v) for k, v in rec.items()}


@pytest.fixture()
def seed_reference() -> Path:
    """The original project's bundle side files (skip when the shared folder is absent)."""
    if not SEED_REFERENCE.is_dir():
        pytest.skip(f"shared seed bundle reference not found at {SEED_REFERENCE}")
    return SEED_REFERENCE


# ---------------------------------------------------------------------- databases
_DB_NAMES = itertools.count(1)


def pytest_configure(config: pytest.Config) -> None:
    """Before any fixture: the session's default store is a temporary file, never the user's."""
    import os
    import tempfile

    config._catboost_info_before = (Path.cwd() / "catboost_info").exists()  # type: ignore[attr-defined]
    config._pad_store_dir = tempfile.mkdtemp(prefix="pad-test-store-")  # type: ignore[attr-defined]
    os.environ["STORE_PATH"] = str(Path(config._pad_store_dir) / "store.sqlite")  # type: ignore[attr-defined]
    os.environ["DEMO_STORE_CLIENTS"] = "200"
    for name in ("DATABASE_URL", "API_KEYS"):
        os.environ.pop(name, None)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Tests never write ``catboost_info/`` into the working directory (``allow_writing_files=False``)."""
    if not getattr(session.config, "_catboost_info_before", True) and (Path.cwd() / "catboost_info").exists():
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        message = ("FAILED: a test wrote catboost_info/ into the working directory: give its CatBoost model "
                   "allow_writing_files=False (or a train_dir under tmp_path)")  # fmt: skip
        if reporter is not None:
            reporter.write_line(message, red=True)
        session.exitstatus = 1


def pytest_unconfigure(config: pytest.Config) -> None:
    """Remove the session's temporary store."""
    folder = getattr(config, "_pad_store_dir", None)
    if folder:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(autouse=True)
def _isolated_store(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test ever touches the user's store: the default embedded store lives in a temporary folder."""
    import core.config

    monkeypatch.setenv("STORE_PATH", str(tmp_path_factory.mktemp("store") / "store.sqlite"))
    monkeypatch.setenv("DEMO_STORE_CLIENTS", "200")  # a small demo store where one gets made (~1 s)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("API_KEYS", raising=False)
    core.config.get_settings.cache_clear()


@pytest.fixture(autouse=True)
def _close_stores(monkeypatch: pytest.MonkeyPatch):
    """Every store a test opens is disposed after it (no connection left to the garbage collector)."""
    from core.store.store import Store

    opened: list[Store] = []
    original = Store.__post_init__

    def track(self: Store) -> None:
        original(self)
        opened.append(self)

    monkeypatch.setattr(Store, "__post_init__", track)
    yield
    for store in opened:
        store.close()


@pytest.fixture(scope="session")
def postgres_server():
    """A PostgreSQL server for the session (skips, with the reason, where none can run)."""
    server, reason = start_postgres()
    if server is None:
        pytest.skip(f"PostgreSQL unavailable: {reason}")
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database on each engine: a SQLite file, and a new database on the test server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite'}"
    server: PgServer = request.getfixturevalue("postgres_server")
    return new_database(server, f"t{next(_DB_NAMES)}")


@pytest.fixture(scope="session")
def demo_store_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite store of 600 generated clients with the demo store's ids (910,000,001+), built once."""
    from core.store import Store, load_store
    from core.store.demo import demo_tables

    path = tmp_path_factory.mktemp("demo-store") / "store.sqlite"
    store = Store.open(f"sqlite:///{path}")
    load_store(store.engine, demo_tables(600), progress=False)
    store.close()
    return path


@pytest.fixture()
def demo_store_url(demo_store_file: Path, tmp_path: Path) -> str:
    """A private copy of the 600-client demo store (SQLite URL)."""
    target = tmp_path / "store.sqlite"
    shutil.copy(demo_store_file, target)
    return f"sqlite:///{target}"
