"""Cached heavy objects: the bundle, the store, the scoring service and the decision desk (shared across
sessions), derived tables."""

from __future__ import annotations

import hashlib
import threading

import numpy as np
import pandas as pd
import streamlit as st

import core


@st.cache_resource(show_spinner="Chargement du modèle… / Loading the model…")
def _load_bundle() -> core.Bundle:
    return core.load_configured_bundle(core.load_settings())


def bundle() -> core.Bundle:
    """The configured bundle, loaded once per process; a bad configuration stops the page with a message."""
    try:
        return _load_bundle()
    except (core.ConfigError, core.BundleError) as exc:
        st.error(f"Le modèle n'a pas pu être chargé / The model could not be loaded: {exc}")
        st.stop()
        raise  # unreachable: st.stop() raises


@st.cache_resource(show_spinner=False)
def _open_store() -> core.Store:
    return core.open_store(core.load_settings())


def store() -> core.Store:
    """The configured store (DATABASE_URL or the embedded SQLite file), migrated, opened once per process.

    An empty embedded store is filled with generated demo clients the first time (a few seconds);
    a store that cannot be opened stops the page with the reason (the message never holds a password).
    """
    try:
        settings = core.load_settings()
        fresh = settings.embedded_store and not settings.STORE_PATH.exists()
        if fresh:
            with st.spinner("Création de la base de démonstration… / Creating the demo store…"):
                return _open_store()
        return _open_store()
    except (core.ConfigError, core.StoreError) as exc:
        st.error(f"La base de données n'a pas pu être ouverte / The database could not be opened: {exc}")
        st.stop()
        raise  # unreachable: st.stop() raises


def store_lookup(b: core.Bundle) -> bool:
    """True when clients are looked up in the store (application contract); else in the bundle's reference."""
    return b.schema.contract == "application"


@st.cache_resource(show_spinner=False)
def _service(version: str, _bundle: core.Bundle, _history: object | None) -> core.ScoringService:
    scoring = core.ScoringService(_bundle, history=_history)  # type: ignore[arg-type]
    # the explanation tables (a second or two) are built once per bundle, in the background: a page
    # opens without waiting for them, and a first score waits only for what is left (leaf_shap locks)
    threading.Thread(target=scoring.leaf_shap, name="leaf-shap", daemon=True).start()
    return scoring


def service() -> core.ScoringService:
    """The scoring service of the bundle, history from the store (thread-safe, built once per bundle)."""
    b = bundle()
    if store_lookup(b):
        return _service(version_key() + "|store", b, store().history)
    return _service(version_key(), b, None)  # a feature record carries its own history features


@st.cache_resource(show_spinner=False)
def _desk(version: str, _service: core.ScoringService, _store: core.Store) -> core.DecisionDesk:
    return core.DecisionDesk(_service, _store)


def desk() -> core.DecisionDesk:
    """Score and record: every decision of the dashboard goes through it."""
    s = service()
    return _desk(version_key(), s, store())


@st.cache_data(show_spinner=False, ttl=60)
def client_history(client_id: int) -> core.ClientHistory:
    """A stored client's previous applications, bureau credits and payments per year."""
    return store().clients.history(int(client_id))


@st.cache_data(show_spinner=False, ttl=60)
def client_summary(client_id: int) -> dict | None:
    """A stored client's history in a few figures."""
    return store().clients.history_summary(int(client_id))


@st.cache_resource(show_spinner=False)
def _explainer(version: str, _bundle: core.Bundle) -> core.Explainer:
    return core.Explainer(_bundle)


def explainer() -> core.Explainer:
    """The bundle's explainer: global SHAP, importance, dependence (no store, no scoring service needed)."""
    return _explainer(version_key(), bundle())


@st.cache_data(show_spinner=False)
def global_importance(version: str) -> pd.DataFrame:
    """Mean |SHAP| per feature over the reference sample."""
    return explainer().global_importance()


@st.cache_data(show_spinner=False)
def dependence(version: str, feature: str) -> pd.DataFrame:
    """Value and SHAP of ``feature`` over the reference sample."""
    return explainer().dependence(feature)


def data_key(y: np.ndarray, p: np.ndarray) -> str:
    """A short key of labelled predictions (a digest of their bytes: hashing them as Python tuples at
    every rerun took longer than the cost curve itself)."""
    digest = hashlib.blake2b(digest_size=16)
    for a in (np.ascontiguousarray(y, dtype=np.int64), np.ascontiguousarray(p, dtype=np.float64)):
        digest.update(a.tobytes())
    return digest.hexdigest()


@st.cache_data(show_spinner=False, max_entries=32)
def cost_tables(
    version: str, key: str, _y: np.ndarray, _p: np.ndarray, fn: float, fp: float
) -> tuple[pd.DataFrame, pd.DataFrame, float]:
    """Cost curve, bootstrap band and optimal threshold for labelled predictions (``key``: their
    :func:`data_key`) and cost weights."""
    weights = core.CostWeights(fn=fn, fp=fp)
    curve = core.cost_curve(_y, _p, weights)
    band = core.bootstrap_cost_band(_y, _p, weights=weights, n_boot=200, seed=0)
    return curve, band, core.optimal_threshold(_y, _p, weights)


def version_key() -> str:
    """Hashable key of the loaded bundle for the caches."""
    b = bundle()
    return f"{b.source}|{b.version}"
