"""The app's shared Keycloak gateway, built lazily from config (one per app)."""

from __future__ import annotations

from flask import Flask, current_app

from idp_bridge.keycloak_gateway import DEFAULT_TIMEOUT, KeycloakGateway


def get_gateway(app: Flask | None = None) -> KeycloakGateway:
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    gateway = app.extensions.get("keycloak_gateway")
    if gateway is None:
        gateway = KeycloakGateway(
            app.config["KEYCLOAK_URL"],
            app.config["KEYCLOAK_REALM"],
            app.config["OIDC_CLIENT_ID"],
            app.config["OIDC_CLIENT_SECRET"],
            timeout=app.config.get("KEYCLOAK_TIMEOUT", DEFAULT_TIMEOUT),
        )
        app.extensions["keycloak_gateway"] = gateway
    return gateway
