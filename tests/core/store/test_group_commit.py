"""SQLite group commit: appends waiting for the writer are committed together, each as durable and
as separate as alone (a bad entry fails only its own append)."""

from __future__ import annotations

import threading
import time

from sqlalchemy.exc import IntegrityError

from core.store import NewDecision, Store
from tests.core.store.test_writer import entry


def test_waiting_appends_are_written_together_and_fail_alone(tmp_path):
    store = Store.open(f"sqlite:///{tmp_path / 'g.sqlite'}")
    writer = store.log._writer
    store.log.append(entry(1))
    orphan = NewDecision(channel="api", kind="override", officer="w", authenticated=False, decision="ACCEPTED",
                         overrides="0" * 32, override_reason="no such decision")  # fmt: skip
    outcomes: dict[int, object] = {}

    def append(i: int) -> None:
        try:
            outcomes[i] = store.log.append(orphan if i == 3 else entry(10 + i)).decision_id
        except IntegrityError as exc:
            outcomes[i] = exc

    transactions = []
    real = writer._attempt
    writer._attempt = lambda prepared, inputs: transactions.append(len(prepared)) or real(prepared, inputs)
    with writer._lock:  # a write in progress: the next appends wait, and group
        threads = [threading.Thread(target=append, args=(i,)) for i in range(6)]
        for t in threads:
            t.start()
        deadline = time.time() + 30
        while len(writer._waiting) < 6 and time.time() < deadline:
            time.sleep(0.01)
        assert len(writer._waiting) == 6
    for t in threads:
        t.join(30)
    assert isinstance(outcomes.pop(3), IntegrityError)
    assert all(isinstance(v, str) for v in outcomes.values()) and len(outcomes) == 5
    assert transactions[0] == 6  # tried together first, then each alone (the orphan spoils the group)
    assert store.log.count() == 6 and store.log.verify().ok
    got = {r.decision_id: r.client_id for r in store.log.records()}
    assert all(got[outcomes[i]] == 10 + i for i in outcomes)  # type: ignore[index]


def test_a_group_of_good_appends_is_one_transaction(tmp_path):
    store = Store.open(f"sqlite:///{tmp_path / 'h.sqlite'}")
    writer = store.log._writer
    transactions = []
    real = writer._attempt
    writer._attempt = lambda prepared, inputs: transactions.append(len(prepared)) or real(prepared, inputs)
    with writer._lock:
        threads = [threading.Thread(target=store.log.append, args=(entry(i),)) for i in range(4)]
        for t in threads:
            t.start()
        deadline = time.time() + 30
        while len(writer._waiting) < 4 and time.time() < deadline:
            time.sleep(0.01)
    for t in threads:
        t.join(30)
    assert transactions == [4] and store.log.count() == 4 and store.log.verify().ok
    seqs = sorted(r.seq for r in store.log.records())
    assert seqs == [1, 2, 3, 4]
