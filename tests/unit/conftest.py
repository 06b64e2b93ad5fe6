"""The unit layer: no Keycloak server, no browser, no network. The app talks to the
in-memory ``FakeKeycloak`` (contract-tested against the real one in ``tests/contract``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from idp_bridge.keycloak import init_app
from tests.support.fake_keycloak import FakeKeycloak


@pytest.fixture
def fake_keycloak() -> FakeKeycloak:
    return FakeKeycloak()


@pytest.fixture
def app(app: Flask, fake_keycloak: FakeKeycloak) -> Flask:
    """The root ``app`` (a fresh SQLite database), with the fake as its Keycloak gateway."""
    init_app(app, fake_keycloak)
    return app


@pytest.fixture
def app_context(app: Flask) -> Iterator[Flask]:
    """For tests that call services directly (requests push their own context)."""
    with app.app_context():
        yield app
