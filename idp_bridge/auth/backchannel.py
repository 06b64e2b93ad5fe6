"""OIDC Back-Channel Logout 1.0: Keycloak tells the bridge that a user's session ended
(admin sign-out, password reset with "sign out other sessions", user removed from an
organization, ...), and the bridge ends its own sessions for it at once.

The logout token is checked by the same strict verifier other apps use
(``TokenVerifier.verify_logout_token``: signature, issuer, audience = our client, ``typ``
``Logout``, the back-channel event, ``sid``/``sub``, never a ``nonce``), with its bounded key
refresh, so a flood of forged tokens cannot make the bridge hammer Keycloak's JWKS.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from idp_bridge.tokens import InvalidToken, TokenVerifier


def _verifier(app: Flask) -> TokenVerifier:
    verifier = app.extensions.get("logout_token_verifier")
    if verifier is None:
        issuer = f"{app.config['KEYCLOAK_URL']}/realms/{app.config['KEYCLOAK_REALM']}"
        verifier = TokenVerifier(issuer, app.config["OIDC_CLIENT_ID"])
        app.extensions["logout_token_verifier"] = verifier
    return verifier


def verify_logout_token(app: Flask, token: object) -> dict[str, Any] | None:
    """The token's claims, or None when it is not a logout token for us."""
    try:
        return _verifier(app).verify_logout_token(token)
    except InvalidToken as exc:
        app.logger.warning("back-channel logout refused: %s", exc)
        return None
