"""Synthetic Home Credit data: the eight Kaggle tables, calibrated on the real samples' statistics."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from core.data.synthetic.application import generate_application
from core.data.synthetic.bureau import generate_bureau, generate_bureau_balance
from core.data.synthetic.previous import (
    generate_credit_card,
    generate_installments,
    generate_pos_cash,
    generate_previous,
)
from core.data.tables import SYNTHETIC_ID_START, TABLES, columns, file_name

log = logging.getLogger(__name__)

__all__ = ["generate", "write_synthetic"]


#: Correlation between a client's risk latent and their behaviour in each table.
BEHAVIOUR_RHO = {
    "bureau": 0.3,
    "bureau_balance": 0.2,
    "previous_application": 0.25,
    "POS_CASH_balance": 0.2,
    "installments_payments": 0.3,
    "credit_card_balance": 0.3,
}


def _behaviour(rng: np.random.Generator, z: np.ndarray, rho: float) -> np.ndarray:
    return rho * z + np.sqrt(1 - rho**2) * rng.standard_normal(z.shape[0])


def generate(n_clients: int, seed: int = 0, *, test_fraction: float = 0.15) -> dict[str, pd.DataFrame]:
    """All eight tables for ``n_clients`` training clients (+ ``test_fraction`` of test clients).

    Deterministic for a given seed. Child tables point only at existing parents. Every client has
    a latent risk that drives TARGET (about 8 % defaults) and their behaviour in every table.
    """
    if n_clients < 1:
        raise ValueError(f"n_clients={n_clients} must be at least 1.")
    rng = np.random.default_rng(seed)
    n_test = int(round(n_clients * test_fraction))
    started = time.perf_counter()
    clients = generate_application(rng, n_clients + n_test)
    # shuffle ids so that train and test clients interleave, as in Kaggle
    clients["SK_ID_CURR"] = SYNTHETIC_ID_START["SK_ID_CURR"] + rng.permutation(len(clients))
    z = clients["_RISK"].to_numpy()
    ids = clients["SK_ID_CURR"].to_numpy()
    tables: dict[str, pd.DataFrame] = {}
    is_test = np.zeros(len(clients), dtype=bool)
    is_test[rng.choice(len(clients), n_test, replace=False)] = True
    tables["application_train"] = clients[~is_test][columns("application_train")].sort_values("SK_ID_CURR")
    tables["application_test"] = clients[is_test][columns("application_test")].sort_values("SK_ID_CURR")
    # Each table sees the client's risk through its own noisy behaviour latent: aggregating many rows
    # reveals the behaviour, not the risk itself, which keeps a good model's AUC realistic.
    tables["bureau"] = generate_bureau(rng, clients, _behaviour(rng, z, BEHAVIOUR_RHO["bureau"]))
    bb = pd.Series(_behaviour(rng, z, BEHAVIOUR_RHO["bureau_balance"]), index=ids)
    tables["bureau_balance"] = generate_bureau_balance(rng, tables["bureau"], bb)
    prev = generate_previous(rng, clients, _behaviour(rng, z, BEHAVIOUR_RHO["previous_application"]))
    tables["previous_application"] = prev
    for name, make in (
        ("POS_CASH_balance", generate_pos_cash),
        ("installments_payments", generate_installments),
        ("credit_card_balance", generate_credit_card),
    ):
        tables[name] = make(rng, prev, pd.Series(_behaviour(rng, z, BEHAVIOUR_RHO[name]), index=ids))
    for name, frame in tables.items():
        tables[name] = conform(frame.reset_index(drop=True), name)
    log.info(
        "generated %s in %.1fs",
        ", ".join(f"{k}={len(v):,}" for k, v in tables.items()),
        time.perf_counter() - started,
    )
    return tables


def conform(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """Cast every column to its Kaggle kind: ids and "int" columns int64, floats float64, categories text."""
    out = {}
    for name, kind in TABLES[table]:
        col = frame[name]
        if kind in ("id", "int", "target"):
            if col.isna().any():
                raise ValueError(f"{table}.{name} must have no missing values")
            out[name] = col.astype(np.int64)
        elif kind == "float":
            out[name] = col.astype(np.float64)
        else:
            out[name] = col.astype(object).where(col.notna(), None)
    return pd.DataFrame(out)


def write_synthetic(
    out_dir: Path | str, n_clients: int, seed: int = 0, *, fmt: Literal["csv", "parquet"] = "csv"
) -> dict[str, Path]:
    """Generate the tables and write them with Kaggle's file names; returns the paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, frame in generate(n_clients, seed).items():
        path = out / file_name(name, fmt)
        if fmt == "parquet":
            frame.to_parquet(path, index=False)
        else:
            frame.to_csv(path, index=False)
        paths[name] = path
    marker = {"synthetic": True, "generator": "core.data.synthetic", "clients": n_clients, "seed": seed}
    (out / "provenance.json").write_text(json.dumps(marker, indent=1) + "\n", encoding="utf-8")
    return paths
