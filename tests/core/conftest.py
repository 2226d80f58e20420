"""Small synthetic Home Credit tables shared by the data-layer tests."""

from __future__ import annotations

import pytest

from core.data.synthetic import generate


@pytest.fixture(scope="session")
def tables():
    """All eight tables for 600 clients (seed 3)."""
    return generate(600, 3)
