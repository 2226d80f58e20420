"""The demo bundle, its scoring service, and a decision-log frame made from its reference clients."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from core import DEMO_BUNDLE_DIR, Bundle, ScoringService, load_bundle


@pytest.fixture(scope="session")
def demo_bundle() -> Bundle:
    """The shipped demo bundle (do not modify: ``dataclasses.replace`` it instead)."""
    return load_bundle(DEMO_BUNDLE_DIR)


@pytest.fixture(scope="session")
def demo_service(demo_bundle: Bundle) -> ScoringService:
    """The demo bundle's scoring service."""
    return ScoringService(demo_bundle)


@pytest.fixture(scope="session")
def make_log(demo_service: ScoringService) -> Callable[..., pd.DataFrame]:
    """Build a decision-log frame of ``n`` decisions over reference clients, as decisions_frame gives it."""

    def make(n: int = 300, *, seed: int = 0, version: str | None = None) -> pd.DataFrame:
        rng = np.random.default_rng(seed)
        ref = demo_service.bundle.reference
        rows = ref.sample(n=n, random_state=seed).reset_index(drop=True)
        features = rows[demo_service.schema.names]
        proba = demo_service.probabilities(features)
        meta = pd.DataFrame(
            {
                "created_at": pd.Timestamp("2026-03-01")
                + pd.to_timedelta(rng.integers(0, 3 * 86400, n), "s"),
                "channel": rng.choice(["api", "dashboard", "cli"], n),
                "kind": "decision",
                "decision": np.where(proba >= demo_service.bundle.threshold, "REFUSED", "ACCEPTED"),
                "overridden": rng.random(n) < 0.1,
                "latency_ms": rng.gamma(2.0, 10.0, n),
                "bundle_version": version or demo_service.bundle.version,
                "probability": proba,
            }
        )
        return pd.concat([meta, features], axis=1)

    return make
