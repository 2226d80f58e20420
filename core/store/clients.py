"""Read known clients from the store: the application, the history as tables, the aggregates.

:class:`StoreHistory` is the scoring service's :class:`~core.serving.service.HistorySource` over the
store: the aggregates a load materialised with the training code, read by client id.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine, case, cast, func, select
from sqlalchemy import String as SqlString

from core.data.tables import TABLES
from core.features.history import HISTORY_SUMMARY
from core.store import tables as t
from core.store.vectors import decode

_INT_KINDS = {"id", "int", "target"}
_APP_KINDS = dict(TABLES["application_train"])


@dataclass(frozen=True)
class ClientHistory:
    """A known client's history as an officer reads it (each table already filtered to the client)."""

    client_id: int
    previous: pd.DataFrame  # one row per previous application: when, what, how much, outcome
    bureau: pd.DataFrame  # one row per credit at other institutions: status, amounts, overdue
    payments: pd.DataFrame  # instalments per year: due, paid late, paid short

    @property
    def empty(self) -> bool:
        """True when the client has no previous application and no bureau credit."""
        return self.previous.empty and self.bureau.empty


class ClientStore:
    """Known clients: look-up by id, id search, history tables and materialised aggregates."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._feature_sets: dict[int, dict[str, int]] = {}
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ ids
    def count(self) -> int:
        """Number of clients held."""
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(t.application)).scalar_one())

    def contains(self, client_id: int) -> bool:
        """True when the store holds ``client_id``."""
        key = t.application.c.SK_ID_CURR
        with self.engine.connect() as conn:
            return conn.execute(select(key).where(key == int(client_id))).first() is not None

    def search(self, prefix: str, limit: int = 20) -> list[int]:
        """Ids starting with the digits ``prefix`` (smallest first); [] when ``prefix`` is not digits."""
        prefix = prefix.strip()
        key = t.application.c.SK_ID_CURR
        query = select(key).order_by(key).limit(limit)
        if prefix:
            if not prefix.isdigit():
                return []
            query = query.where(cast(key, SqlString).like(prefix + "%"))
        with self.engine.connect() as conn:
            return [int(r[0]) for r in conn.execute(query)]

    # ------------------------------------------------------------------ application
    def application(self, client_id: int) -> dict[str, Any] | None:
        """The application as loaded (Kaggle columns, None for missing, TARGET excluded); None if unknown."""
        app = t.application
        with self.engine.connect() as conn:
            row = conn.execute(select(app).where(app.c.SK_ID_CURR == int(client_id))).mappings().first()
        if row is None:
            return None
        return {k: _clean(k, v) for k, v in row.items() if k != "TARGET"}

    # ------------------------------------------------------------------ history
    def history(self, client_id: int) -> ClientHistory:
        """The client's previous applications, bureau credits and instalment payments."""
        cid = int(client_id)
        prev, bureau, inst = (
            t.client_tables["previous_application"],
            t.client_tables["bureau"],
            t.client_tables["installments_payments"],
        )
        with self.engine.connect() as conn:
            previous = pd.DataFrame(
                conn.execute(
                    select(
                        prev.c.SK_ID_PREV, prev.c.DAYS_DECISION, prev.c.NAME_CONTRACT_TYPE,
                        prev.c.AMT_APPLICATION, prev.c.AMT_CREDIT, prev.c.NAME_CONTRACT_STATUS,
                        prev.c.CODE_REJECT_REASON,
                    ).where(prev.c.SK_ID_CURR == cid).order_by(prev.c.DAYS_DECISION.desc())
                ).mappings().all()
            )  # fmt: skip
            credits = pd.DataFrame(
                conn.execute(
                    select(
                        bureau.c.SK_ID_BUREAU, bureau.c.CREDIT_ACTIVE, bureau.c.CREDIT_TYPE,
                        bureau.c.DAYS_CREDIT, bureau.c.AMT_CREDIT_SUM, bureau.c.AMT_CREDIT_SUM_DEBT,
                        bureau.c.AMT_CREDIT_SUM_OVERDUE, bureau.c.CREDIT_DAY_OVERDUE,
                    ).where(bureau.c.SK_ID_CURR == cid).order_by(bureau.c.DAYS_CREDIT.desc())
                ).mappings().all()
            )  # fmt: skip
            late = inst.c.DAYS_ENTRY_PAYMENT > inst.c.DAYS_INSTALMENT
            short = inst.c.AMT_PAYMENT < inst.c.AMT_INSTALMENT
            year = func.floor(-inst.c.DAYS_INSTALMENT / 365.25)
            payments = pd.DataFrame(
                conn.execute(
                    select(
                        year.label("years_ago"),
                        func.count().label("instalments"),
                        func.sum(case((late, 1), else_=0)).label("late"),
                        func.sum(case((short, 1), else_=0)).label("short"),
                    ).where(inst.c.SK_ID_CURR == cid).group_by(year).order_by(year)
                ).mappings().all()
            )  # fmt: skip
        return ClientHistory(
            cid,
            _frame(previous, ["SK_ID_PREV", "DAYS_DECISION", "NAME_CONTRACT_TYPE", "AMT_APPLICATION",
                              "AMT_CREDIT", "NAME_CONTRACT_STATUS", "CODE_REJECT_REASON"]),
            _frame(credits, ["SK_ID_BUREAU", "CREDIT_ACTIVE", "CREDIT_TYPE", "DAYS_CREDIT", "AMT_CREDIT_SUM",
                             "AMT_CREDIT_SUM_DEBT", "AMT_CREDIT_SUM_OVERDUE", "CREDIT_DAY_OVERDUE"]),
            _frame(payments, ["years_ago", "instalments", "late", "short"]),
        )  # fmt: skip

    # ------------------------------------------------------------------ aggregates
    def aggregates(self, client_id: int, names: Sequence[str]) -> list[float] | None:
        """Materialised history aggregates ``names`` of one client (NaN where a name is not stored)."""
        cf = t.client_features
        with self.engine.connect() as conn:
            row = conn.execute(
                select(cf.c.feature_set_id, cf.c.vector).where(cf.c.SK_ID_CURR == int(client_id))
            ).first()
        if row is None:
            return None
        return self._pick(int(row[0]), decode(row[1]), names)

    def aggregates_many(
        self, ids: Sequence[int | None], names: Sequence[str]
    ) -> tuple[pd.DataFrame, np.ndarray]:
        """Aggregates of many clients (NaN rows and False in the mask for unknown ids)."""
        wanted = sorted({int(i) for i in ids if i is not None})
        cf = t.client_features
        found: dict[int, list[float]] = {}
        with self.engine.connect() as conn:
            for start in range(0, len(wanted), 900):
                chunk = wanted[start : start + 900]
                rows = conn.execute(
                    select(cf.c.SK_ID_CURR, cf.c.feature_set_id, cf.c.vector).where(
                        cf.c.SK_ID_CURR.in_(chunk)
                    )
                )
                for cid, fs, blob in rows:
                    found[int(cid)] = self._pick(int(fs), decode(blob), names)
        empty = [math.nan] * len(names)
        values = [found.get(int(i), empty) if i is not None else empty for i in ids]
        mask = np.array([i is not None and int(i) in found for i in ids], dtype=bool)
        return pd.DataFrame(values, columns=list(names), dtype=float), mask

    def history_summary(self, client_id: int) -> dict[str, Any] | None:
        """A known client's history in a few figures (see HISTORY_SUMMARY); None when not held."""
        names = list(HISTORY_SUMMARY)
        values = self.aggregates(client_id, names)
        if values is None:
            return None
        out: dict[str, Any] = {n: (None if math.isnan(v) else v) for n, v in zip(names, values, strict=True)}
        for name, parent in HISTORY_SUMMARY.items():
            if out[name] is None and parent is not None and out.get(parent) == 0:
                out[name] = 0
        return out

    def _pick(self, feature_set: int, vector: np.ndarray, names: Sequence[str]) -> list[float]:
        index = self._index(feature_set)
        return [float(vector[index[n]]) if n in index else math.nan for n in names]

    def _index(self, feature_set: int) -> dict[str, int]:
        cached = self._feature_sets.get(feature_set)
        if cached is None:
            fs = t.feature_sets
            with self.engine.connect() as conn:
                names = json.loads(
                    conn.execute(select(fs.c.names).where(fs.c.id == feature_set)).scalar_one()
                )
            cached = {n: i for i, n in enumerate(names)}
            with self._lock:
                self._feature_sets[feature_set] = cached
        return cached


class StoreHistory:
    """The scoring service's history source over the store (see :class:`HistorySource`)."""

    def __init__(self, clients: ClientStore) -> None:
        self.clients = clients

    def lookup(self, ids: Sequence[int | None], names: Sequence[str]) -> tuple[pd.DataFrame, np.ndarray]:
        """History features ``names`` of each id (NaN rows for unknown ids) and a known-id mask."""
        return self.clients.aggregates_many(ids, names)

    def lookup_one(self, client_id: int, names: Sequence[str]) -> list[float] | None:
        """History features ``names`` of one client (None when the store does not hold it)."""
        return self.clients.aggregates(client_id, names)


def _clean(column: str, value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if _APP_KINDS.get(column) in _INT_KINDS and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _frame(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    return frame if len(frame.columns) else pd.DataFrame(columns=columns)
