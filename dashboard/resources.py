"""Cached heavy objects: the bundle and its scoring service (shared across sessions), derived tables."""

from __future__ import annotations

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
def _service(version: str, _bundle: core.Bundle) -> core.ScoringService:
    return core.ScoringService(_bundle)


def service() -> core.ScoringService:
    """The scoring service of the bundle (thread-safe after construction, built once per bundle)."""
    b = bundle()
    return _service(version_key(), b)


def explainer() -> core.Explainer:
    """The service's explainer: global SHAP, importance, dependence and percentiles."""
    return service().explainer


@st.cache_data(show_spinner=False)
def global_importance(version: str) -> pd.DataFrame:
    """Mean |SHAP| per feature over the reference sample."""
    return explainer().global_importance()


@st.cache_data(show_spinner=False)
def dependence(version: str, feature: str) -> pd.DataFrame:
    """Value and SHAP of ``feature`` over the reference sample."""
    return explainer().dependence(feature)


@st.cache_data(show_spinner=False)
def cost_tables(
    version: str, y: tuple[int, ...], p: tuple[float, ...], fn: float, fp: float
) -> tuple[pd.DataFrame, pd.DataFrame, float]:
    """Cost curve, bootstrap band and optimal threshold for labelled predictions and cost weights."""
    weights = core.CostWeights(fn=fn, fp=fp)
    ya, pa = np.asarray(y), np.asarray(p)
    curve = core.cost_curve(ya, pa, weights)
    band = core.bootstrap_cost_band(ya, pa, weights=weights, n_boot=200, seed=0)
    return curve, band, core.optimal_threshold(ya, pa, weights)


def version_key() -> str:
    """Hashable key of the loaded bundle for the caches."""
    b = bundle()
    return f"{b.source}|{b.version}"
