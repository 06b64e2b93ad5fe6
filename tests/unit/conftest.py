"""The unit layer: no Keycloak server, no browser, no network. A test that needs Keycloak
asks for ``fake_keycloak``: the in-memory fake (contract-tested against the real one in
tests/contract), put in the app as its gateway."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from idp_bridge.keycloak import init_app
from tests.support.fake_keycloak import FakeKeycloak


@pytest.fixture
def fake_keycloak(app: Flask) -> FakeKeycloak:
    """The root ``app`` (a fresh SQLite database) talks to this fake as its Keycloak."""
    gateway = FakeKeycloak()
    init_app(app, gateway)
    return gateway


@pytest.fixture
def app_context(app: Flask) -> Iterator[Flask]:
    """For tests that call services directly (requests push their own context)."""
    with app.app_context():
        yield app
