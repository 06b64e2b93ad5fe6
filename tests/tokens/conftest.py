"""Fixtures for the token verifier: a JWKS served on loopback and a key it publishes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.tokens import JwksServer


@pytest.fixture(scope="module")
def jwks() -> Iterator[JwksServer]:
    with JwksServer() as server:
        server.add_key("k1")
        yield server


@pytest.fixture(scope="module")
def signing_key(jwks: JwksServer):
    return jwks.keys[0]
