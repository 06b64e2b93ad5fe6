"""Back-channel logout tokens are honoured once and only while fresh (issue 19 row 10): the
same token posted twice, or one issued three years ago with no ``exp``, used to end sessions
each time. The bridge's endpoint, with the realm's keys stood in by a test key (Keycloak's own
logout tokens cannot be captured on their way to the bridge); the ``jti`` is remembered in the
database, so a replay to another bridge process is refused too."""

from __future__ import annotations

import json
import secrets
import time
import uuid

import pytest
from flask import Flask
from joserfc.jwk import RSAKey

from idp_bridge.auth.backchannel import _verifiers
from idp_bridge.auth.oidc import issuer
from idp_bridge.tokens import BACKCHANNEL_LOGOUT_EVENT, InvalidToken, TokenVerifier
from tests.support.tokens import sign

KEY = RSAKey.generate_key(2048, parameters={"kid": "test-logout", "alg": "RS256",
                                             "use": "sig"})


@pytest.fixture
def logout_app(app: Flask) -> Flask:
    with app.app_context():
        for verifier in _verifiers(app):
            verifier.keys.load(json.dumps({"keys": [KEY.as_dict(private=False)]}))
    return app


def logout_token(app: Flask, **changes: object) -> str:
    now = int(time.time())
    claims = {"iss": issuer(app), "aud": "idp-bridge", "typ": "Logout", "iat": now,
              "exp": now + 300, "jti": str(uuid.uuid4()), "sid": secrets.token_hex(8),
              "sub": str(uuid.uuid4()), "events": {BACKCHANNEL_LOGOUT_EVENT: {}}, **changes}
    return sign(KEY, {k: v for k, v in claims.items() if v is not None})


def post(app: Flask, token: str) -> int:
    return app.test_client().post("/auth/backchannel-logout",
                                  data={"logout_token": token}).status_code


def test_a_logout_token_is_honoured_once(logout_app: Flask) -> None:
    token = logout_token(logout_app)
    assert post(logout_app, token) == 200
    assert post(logout_app, token) == 400
    assert post(logout_app, logout_token(logout_app)) == 200  # another token still works


def test_an_old_logout_token_without_exp_is_refused(logout_app: Flask) -> None:
    three_years = 3 * 365 * 24 * 3600
    old = logout_token(logout_app, iat=int(time.time()) - three_years, exp=None)
    assert post(logout_app, old) == 400
    stale = logout_token(logout_app, iat=int(time.time()) - 400, exp=None)  # bound: 300 s
    assert post(logout_app, stale) == 400
    assert post(logout_app, logout_token(logout_app, iat=int(time.time()) - 60)) == 200


def test_a_logout_token_without_jti_is_refused(logout_app: Flask) -> None:
    assert post(logout_app, logout_token(logout_app, jti=None)) == 400


def test_the_verifier_checks_age_and_jti_only_when_asked() -> None:
    verifier = TokenVerifier("https://kc.test/realms/r", "idp-bridge")
    verifier.keys.load(json.dumps({"keys": [KEY.as_dict(private=False)]}))
    old = {"iss": "https://kc.test/realms/r", "aud": "idp-bridge", "typ": "Logout",
           "iat": int(time.time()) - 10_000, "sid": "s", "events": {BACKCHANNEL_LOGOUT_EVENT: {}}}
    assert verifier.verify_logout_token(sign(KEY, old))["sid"] == "s"  # other apps' choice
    with pytest.raises(InvalidToken, match="too old"):
        verifier.verify_logout_token(sign(KEY, old), max_age_seconds=300)
    with pytest.raises(InvalidToken, match="jti"):
        verifier.verify_logout_token(sign(KEY, {**old, "iat": int(time.time())}),
                                     max_age_seconds=300)
