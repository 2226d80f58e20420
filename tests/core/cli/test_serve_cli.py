"""``pad api``: the uvicorn command it becomes."""

from __future__ import annotations

import pytest

from core.cli import main, serve


@pytest.mark.parametrize(
    ("argv", "tail"),
    [([], ["--port", "8000"]), (["--workers", "2", "--port", "9000"], ["--port", "9000", "--workers", "2"])],
)
def test_pad_api_runs_uvicorn_with_the_workers_asked(monkeypatch, argv, tail):
    ran: list[list[str]] = []
    monkeypatch.setattr(serve, "_become", lambda cmd: ran.append(cmd) or 0)
    assert main(["api", *argv]) == 0
    assert ran[0][1:5] == ["-m", "uvicorn", "api.main:app", "--host"]
    assert ran[0][-len(tail) :] == tail


@pytest.mark.parametrize("workers", ["0", "two", "-1"])
def test_pad_api_refuses_a_bad_worker_count(capsys, workers):
    with pytest.raises(SystemExit) as exc:
        main(["api", "--workers", workers])
    assert exc.value.code == 2
    assert "not a whole number of processes" in capsys.readouterr().err
