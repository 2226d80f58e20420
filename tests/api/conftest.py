"""An API client on the toy bundle."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from core import ScoringService, load_settings


@pytest.fixture(scope="module")
def client(toy_bundle):
    with TestClient(create_app(bundle=toy_bundle, settings=load_settings())) as c:
        yield c


@pytest.fixture()
def record(toy_bundle):
    return ScoringService(toy_bundle).example_record()


@pytest.fixture(scope="module")
def app_client(app_bundle):
    with TestClient(create_app(bundle=app_bundle, settings=load_settings())) as c:
        yield c


@pytest.fixture()
def application(app_bundle):
    return ScoringService(app_bundle).example_record()
