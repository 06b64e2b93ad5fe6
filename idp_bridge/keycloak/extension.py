"""The app's Keycloak gateway as a Flask extension: one per app, built from its config.

``init_app(app, gateway)`` lets a test put the in-memory fake (``tests/support``) in place of
the real gateway; everything else asks ``get_gateway()``.
"""

from __future__ import annotations

from flask import Flask, current_app

from idp_bridge.keycloak.gateway import DEFAULT_TIMEOUT, KeycloakGateway
from idp_bridge.keycloak.protocol import Gateway

EXTENSION = "keycloak_gateway"


def init_app(app: Flask, gateway: Gateway | None = None) -> None:
    """Use ``gateway`` if given; otherwise one is built from config at first use (so an app
    can be created, and its CLI run, while Keycloak is still starting)."""
    app.extensions[EXTENSION] = gateway


def get_gateway(app: Flask | None = None) -> Gateway:
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    gateway: Gateway | None = app.extensions.get(EXTENSION)
    if gateway is None:
        gateway = KeycloakGateway(
            app.config["IDP_KEYCLOAK_URL"],
            app.config["IDP_REALM"],
            app.config["IDP_CLIENT_ID"],
            app.config["IDP_CLIENT_SECRET"],
            timeout=app.config.get("IDP_KEYCLOAK_TIMEOUT", DEFAULT_TIMEOUT),
        )
        app.extensions[EXTENSION] = gateway
    return gateway
