"""OIDC Back-Channel Logout 1.0: Keycloak tells the bridge that a user's session ended
(admin sign-out, password reset with "sign out other sessions", user removed from an
organization, ...), and the bridge ends its own sessions for it at once.

A logout token is a signed JWT; it is checked as strictly as an ID token, and then some: it
must carry the back-channel event, a ``sid`` or ``sub``, and never a ``nonce`` (which would
make an ID token pass for one).
"""

from __future__ import annotations

import time
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from idp_bridge.extensions import oauth

BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"
MAX_TOKEN_LENGTH = 8192
ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384"]
LEEWAY_SECONDS = 60


class InvalidLogoutToken(ValueError):
    """Not a logout token from our Keycloak for this client."""


def _keys(force: bool) -> KeySet:
    return KeySet.import_key_set(oauth.keycloak.fetch_jwk_set(force=force))


def _decode(token: str) -> jwt.Token:
    try:
        try:
            return jwt.decode(token, _keys(force=False), algorithms=ALGORITHMS)
        except ValueError:
            # An unknown key id: Keycloak may have rotated keys since we last looked.
            return jwt.decode(token, _keys(force=True), algorithms=ALGORITHMS)
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        raise InvalidLogoutToken("signature or format") from exc


def verify_logout_token(token: object, issuer: str, client_id: str,
                        now: float | None = None) -> dict[str, Any]:
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        raise InvalidLogoutToken("missing or oversized")
    claims = _decode(token).claims
    if not isinstance(claims, dict):
        raise InvalidLogoutToken("claims")
    now = time.time() if now is None else now
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    events = claims.get("events")
    checks = {
        "issuer": claims.get("iss") == issuer,
        "audience": client_id in audiences,
        "event": isinstance(events, dict) and BACKCHANNEL_EVENT in events,
        "subject": isinstance(claims.get("sid"), str) or isinstance(claims.get("sub"), str),
        "nonce": "nonce" not in claims,
        "issued": isinstance(claims.get("iat"), int | float)
        and claims["iat"] <= now + LEEWAY_SECONDS,
        "expiry": not isinstance(claims.get("exp"), int | float)
        or claims["exp"] >= now - LEEWAY_SECONDS,
        "type": claims.get("typ") in (None, "Logout"),
    }
    failed = [name for name, ok in checks.items() if not ok]
    if failed:
        raise InvalidLogoutToken(", ".join(failed))
    return claims
