"""``pad db``, ``pad keys`` and ``pad score --client`` invoked as commands, on a real store."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from core.data.synthetic import write_synthetic
from core.store import Store
from tests.conftest import run_pad

REPO = Path(__file__).resolve().parents[3]


def pad(*args: str, url: str | None = None, store_path: Path | None = None) -> subprocess.CompletedProcess:
    env = {}
    if url is not None:
        env["DATABASE_URL"] = url
    if store_path is not None:
        env["STORE_PATH"] = str(store_path)
    return run_pad(*args, env=env)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("kaggle")
    write_synthetic(folder, 80, 3)
    return folder


def test_load_score_verify(db_url, data_dir):
    done = pad("db", "load", "--data", str(data_dir), url=db_url)
    assert done.returncode == 0, done.stderr
    assert "loaded into" in done.stderr and "application 92" in done.stderr
    assert "Traceback" not in done.stderr
    info = json.loads(pad("db", "info", url=db_url).stdout)
    assert info["clients"] == 92 and info["revision"] == "0003"
    client = Store.open(db_url).clients.search("", 1)[0]
    scored = pad("score", "--client", str(client), "--officer", "marie", url=db_url)
    assert scored.returncode == 0, scored.stderr
    body = json.loads(scored.stdout)
    assert body["client_id"] == client and body["history"] == "known" and body["decision_id"]
    logged = Store.open(db_url).log.get(body["decision_id"])
    assert logged is not None and logged.officer == "marie" and not logged.authenticated
    assert logged.channel == "cli" and logged.probability == body["probability"]
    unknown = pad("score", "--client", "123", url=db_url)
    assert unknown.returncode == 2 and "client 123 is not in the client store" in unknown.stderr
    ok = pad("db", "verify", url=db_url)
    assert ok.returncode == 0 and "1 rows, hash chain verified" in ok.stdout


def test_reload_is_idempotent(tmp_path, data_dir):
    url = f"sqlite:///{tmp_path / 's.sqlite'}"
    for _ in range(2):
        assert pad("db", "load", "--data", str(data_dir), url=url).returncode == 0
    assert Store.open(url).clients.count() == 92


def test_verify_finds_a_tampered_row(tmp_path):
    url = f"sqlite:///{tmp_path / 's.sqlite'}"
    scored = pad(
        "score", "--client", "910000001", store_path=tmp_path / "s.sqlite"
    )  # a fresh start's demo store
    assert scored.returncode == 0, scored.stderr
    store = Store.open(url)
    with store.engine.begin() as conn:
        conn.exec_driver_sql("DROP TRIGGER decisions_no_update")
        conn.exec_driver_sql("UPDATE decisions SET decision = 'ACCEPTED', probability = 0.01")
    broken = pad("db", "verify", url=url)
    assert broken.returncode == 1 and "BROKEN at row 1" in broken.stderr


def test_pad_score_records_every_row(tmp_path):
    url = f"sqlite:///{tmp_path / 's.sqlite'}"
    done = pad(
        "score", str(REPO / "examples" / "applications_sample.csv"), "-o", str(tmp_path / "o.csv"), url=url
    )
    assert done.returncode == 0, done.stderr
    log = Store.open(url).log
    assert log.count(kind="decision") == 46 and log.count(kind="refused_input") == 4
    to_review = pd.read_csv(tmp_path / "o.csv")["review_status"].eq("to_review").sum()
    assert to_review > 0 and log.count(kind="review_open") == to_review  # the grey zone's marks
    assert log.count(channel="cli") == 50 + to_review and log.verify().ok


def test_keys(tmp_path):
    url = f"sqlite:///{tmp_path / 's.sqlite'}"
    made = pad("keys", "create", "guichet-1", "--role", "officer", url=url)
    assert made.returncode == 0 and made.stdout.startswith("pad_")
    key = made.stdout.strip()
    assert "shown only this once" in made.stderr and key not in made.stderr
    assert Store.open(url).keys.authenticate(key).name == "guichet-1"
    again = pad("keys", "create", "guichet-1", url=url)
    assert again.returncode == 2 and "already exists" in again.stderr
    assert "guichet-1\tofficer\tactive" in pad("keys", "list", url=url).stdout
    assert pad("keys", "revoke", "guichet-1", url=url).returncode == 0
    assert pad("keys", "revoke", "guichet-1", url=url).returncode == 2


def test_a_password_in_the_url_is_never_printed():
    done = pad("db", "info", url="postgresql+psycopg://bob:hunter2-secret@127.0.0.1:1/x")
    assert done.returncode == 2
    assert "hunter2-secret" not in done.stderr + done.stdout and "***" in done.stderr
