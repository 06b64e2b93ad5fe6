"""OIDC Back-Channel Logout 1.0: Keycloak tells the bridge that a user's session ended
(admin sign-out, password reset with "sign out other sessions", user removed from an
organization, ...), and the bridge ends its own sessions for it at once.

The logout token is checked by the same strict verifier other apps use
(``TokenVerifier.verify_logout_token``: signature, issuer, audience = our client, ``typ``
``Logout``, the back-channel event, ``sid``/``sub``, never a ``nonce``), with its bounded key
refresh, so a flood of forged tokens cannot make the bridge hammer Keycloak's JWKS.

A logout token is honoured once: it must be younger than IDP_LOGOUT_TOKEN_MAX_AGE_SECONDS,
and its ``jti`` is remembered in the database for that long (every bridge process sees it).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask

from idp_bridge import limits
from idp_bridge.auth.oidc import issuer
from idp_bridge.brand import BRANDS
from idp_bridge.extensions import db
from idp_bridge.tokens import InvalidToken, TokenVerifier


def _verifiers(app: Flask) -> list[TokenVerifier]:
    """One per brand client (each is a token audience); they share one key cache, so forged
    tokens cannot make the bridge fetch Keycloak's keys once per brand."""
    verifiers: list[TokenVerifier] | None = app.extensions.get("logout_token_verifiers")
    if verifiers is None:
        verifiers = [TokenVerifier(issuer(app), brand.client_id) for brand in BRANDS.values()]
        for verifier in verifiers[1:]:
            verifier.keys = verifiers[0].keys
        app.extensions["logout_token_verifiers"] = verifiers
    return verifiers


def verify_logout_token(app: Flask, token: object) -> dict[str, Any] | None:
    """The token's claims, or None when it is not a logout token for one of our clients."""
    problem = "no brand client"
    max_age = int(app.config["IDP_LOGOUT_TOKEN_MAX_AGE_SECONDS"])
    for verifier in _verifiers(app):
        try:
            claims = verifier.verify_logout_token(token, max_age_seconds=max_age)
        except InvalidToken as exc:
            problem = str(exc)
            continue
        if _first_use(claims["jti"], max_age + verifier.leeway):
            return claims
        problem = "logout token replayed"
        break
    app.logger.warning("back-channel logout refused: %s", problem)
    return None


def _first_use(jti: str, remember_seconds: int) -> bool:
    """Remember ``jti`` for as long as its token could pass the age check; False if it was
    seen already (committed at once: the replay may arrive on another process)."""
    seen = limits.Budget("logout-jti", timedelta(seconds=remember_seconds), limit=1)
    refused = limits.take(seen, jti)
    db.session.commit()
    return refused is None
