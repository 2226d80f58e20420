"""An API client on the toy bundle."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.main import create_app, example_record
from core import load_settings


@pytest.fixture(scope="module")
def client(toy_bundle):
    with TestClient(create_app(bundle=toy_bundle, settings=load_settings())) as c:
        yield c


@pytest.fixture()
def record(toy_bundle):
    return example_record(toy_bundle)
