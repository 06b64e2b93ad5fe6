"""Verify a Keycloak-issued token: the helper any health-plan app can use to trust our tokens.

Checks the signature against the realm's JWKS (fetched once, refetched when a token names a
key we have not seen, so key rotation needs no restart), the issuer, the audience (or
authorized party), expiry with a little clock skew, and, for ID tokens, the nonce.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import requests
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384"]


class InvalidToken(Exception):
    """The token is not one this realm issued for this audience, or it has expired."""


class TokenVerifier:
    def __init__(self, issuer: str, audience: str, leeway_seconds: int = 30,
                 jwks_refresh_seconds: int = 300,
                 clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self.issuer = issuer.rstrip("/")
        self.audience = audience
        self.leeway = leeway_seconds
        self._refresh_after = jwks_refresh_seconds
        self._keys: KeySet | None = None
        self._fetched_at = 0.0
        self._lock = threading.Lock()

    def verify(self, token: str, nonce: str | None = None) -> dict[str, Any]:
        try:
            decoded = jwt.decode(token, self._key_for(token), algorithms=ALGORITHMS)
        except (JoseError, ValueError) as exc:
            raise InvalidToken(f"bad signature or format: {exc}") from exc
        claims = dict(decoded.claims)
        self._check_claims(claims, nonce)
        return claims

    def _check_claims(self, claims: dict[str, Any], nonce: str | None) -> None:
        now = self.clock()
        if claims.get("iss") != self.issuer:
            raise InvalidToken("issuer mismatch")
        audiences = claims.get("aud") or []
        audiences = [audiences] if isinstance(audiences, str) else audiences
        if self.audience not in audiences and claims.get("azp") != self.audience:
            raise InvalidToken("audience mismatch")
        if float(claims.get("exp", 0)) + self.leeway < now:
            raise InvalidToken("token expired")
        if float(claims.get("nbf", 0)) - self.leeway > now:
            raise InvalidToken("token not yet valid")
        if nonce is not None and claims.get("nonce") != nonce:
            raise InvalidToken("nonce mismatch")

    def _key_for(self, token: str) -> KeySet:
        kid = _header_kid(token)
        with self._lock:
            stale = time.monotonic() - self._fetched_at > self._refresh_after
            if self._keys is None or stale or not _has_kid(self._keys, kid):
                self._keys = self._fetch_keys()
                self._fetched_at = time.monotonic()
            return self._keys

    def _fetch_keys(self) -> KeySet:
        url = f"{self.issuer}/protocol/openid-connect/certs"
        try:
            response = requests.get(url, timeout=10)
            response.raise_for_status()
        except requests.RequestException as exc:
            raise InvalidToken(f"cannot fetch signing keys from {url}") from exc
        data = response.json()
        # Keycloak also publishes encryption keys ("use": "enc"); only signing keys verify.
        data["keys"] = [k for k in data.get("keys", []) if k.get("use", "sig") == "sig"]
        return KeySet.import_key_set(data)


def _header_kid(token: str) -> str | None:
    import base64
    import json

    try:
        header = token.split(".", 1)[0]
        padded = header + "=" * (-len(header) % 4)
        return json.loads(base64.urlsafe_b64decode(padded)).get("kid")
    except (ValueError, IndexError):
        raise InvalidToken("malformed token") from None


def _has_kid(keys: KeySet, kid: str | None) -> bool:
    return kid is None or any(k.kid == kid for k in keys.keys)
