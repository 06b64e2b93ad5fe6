"""A provider signs in to the bridge through Keycloak's real login page."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid

import pytest
from flask import Flask

from idp_bridge.auth.sessions import WebSession
from idp_bridge.extensions import db
from idp_bridge.tokens import InvalidToken, TokenVerifier
from tests.support.consoles import csrf_of
from tests.support.keycloak_login import LoopbackSession, sign_in_to_bridge
from tests.support.stack import KeycloakHandle

pytestmark = pytest.mark.keycloak
PASSWORD = "Provider1!"


def _new_user(keycloak: KeycloakHandle, email: str, first: str = "Pat",
              last: str = "Provider") -> str:
    user_id = keycloak.gateway.create_user(email, first, last, {"job_title": "Office manager"},
                                           required_actions=[])
    keycloak.gateway.set_password(user_id, PASSWORD)
    return user_id


def _bridge_session(app: Flask, http: LoopbackSession) -> dict:
    """What the bridge keeps server-side for this browser (the cookie is only its key)."""
    cookie = http.cookies["session"]
    with app.app_context():
        row = db.session.get(WebSession, hashlib.sha256(cookie.encode()).hexdigest())
        assert row is not None
        return dict(row.data)


def test_user_signs_in_and_sees_their_name(keycloak, bridge, unique_email):
    _new_user(keycloak, unique_email, "Robin", "Okafor")

    _, landed = sign_in_to_bridge(bridge, unique_email, PASSWORD)

    assert landed.url == bridge + "/"
    assert "Welcome, Robin Okafor" in landed.text
    assert unique_email in landed.text


def test_wrong_password_stays_on_keycloak(keycloak, bridge, unique_email):
    _new_user(keycloak, unique_email)

    _, landed = sign_in_to_bridge(bridge, unique_email, "Wrong1!password")

    assert landed.url.startswith(keycloak.base_url)
    assert "Invalid username or password." in landed.text


def test_id_token_is_verified_by_signature_issuer_audience_and_nonce(
        keycloak, bridge, live_app, unique_email):
    _new_user(keycloak, unique_email)
    http, _ = sign_in_to_bridge(bridge, unique_email, PASSWORD)
    id_token = _bridge_session(live_app, http)["id_token"]
    issuer = f"{keycloak.base_url}/realms/{keycloak.realm}"
    claims = TokenVerifier(issuer, "idp-bridge").verify_id_token(id_token)
    assert claims["email"] == unique_email
    assert claims["nonce"]  # sent at /login and checked at the callback

    with pytest.raises(InvalidToken, match="nonce"):
        TokenVerifier(issuer, "idp-bridge").verify_id_token(id_token, nonce="someone-elses-nonce")
    with pytest.raises(InvalidToken, match="audience"):
        TokenVerifier(issuer, "another-app").verify_id_token(id_token)
    with pytest.raises(InvalidToken):  # another realm: neither its keys nor its issuer match
        TokenVerifier(f"{keycloak.base_url}/realms/master", "idp-bridge").verify_id_token(id_token)

    header, payload, signature = id_token.split(".")
    forged = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    forged["email"] = "attacker@evil.test"
    forged_payload = base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode()
    with pytest.raises(InvalidToken, match="signature"):
        TokenVerifier(issuer, "idp-bridge").verify_id_token(
            f"{header}.{forged_payload}.{signature}")


def test_replayed_callback_is_refused(keycloak, bridge, unique_email):
    _new_user(keycloak, unique_email)
    http = LoopbackSession()
    login_page = http.get(f"{bridge}/login", timeout=30)
    from tests.support.forms import form_by_id

    form = form_by_id(login_page.text, login_page.url, "kc-form-login")
    to_callback = http.post(form.action, data={**form.fields, "username": unique_email,
                                               "password": PASSWORD},
                            allow_redirects=False, timeout=30)
    callback_url = to_callback.headers["Location"]
    assert callback_url.startswith(bridge + "/auth/callback")

    assert http.get(callback_url, timeout=30).status_code == 200
    replay = http.get(callback_url, timeout=30)
    assert replay.status_code == 400
    assert "couldn't sign you in" in replay.text


def test_service_account_grants_org_group_that_shows_in_next_token(
        keycloak, bridge, live_app, unique_email):
    gateway = keycloak.gateway
    user_id = _new_user(keycloak, unique_email)
    org_key = f"org-{uuid.uuid4().hex[:8]}"
    group_id = gateway.create_subgroup(gateway.orgs_group_id(), org_key,
                                       {"npi": ["1234567893"], "tin": ["123456789"]})

    http, _ = sign_in_to_bridge(bridge, unique_email, PASSWORD)
    assert f"/provider-orgs/{org_key}" not in _id_token_claims(live_app, http).get("groups", [])

    gateway.add_to_group(user_id, group_id)
    assert gateway.user_group_paths(user_id) == [f"/provider-orgs/{org_key}"]
    http, _ = sign_in_to_bridge(bridge, unique_email, PASSWORD)
    assert f"/provider-orgs/{org_key}" in _id_token_claims(live_app, http).get("groups", [])


def _id_token_claims(app: Flask, http: LoopbackSession) -> dict:
    payload = _bridge_session(app, http)["id_token"].split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def test_logout_ends_the_keycloak_session(keycloak, bridge, unique_email):
    _new_user(keycloak, unique_email)
    http, _ = sign_in_to_bridge(bridge, unique_email, PASSWORD)

    home = http.get(f"{bridge}/", timeout=30)
    csrf = csrf_of(home.text)
    out = http.post(f"{bridge}/logout", data={"csrf_token": csrf}, timeout=30)
    # Back at the portal's address, which (signed out) is the Log In page.
    assert bridge + "/" in [r.url.split("?")[0] for r in out.history]
    assert "kc-form-login" in out.text

    # Keycloak forgot us too: /login shows its form again instead of signing straight in.
    again = http.get(f"{bridge}/login", timeout=30)
    assert "kc-form-login" in again.text


def test_a_session_id_planted_before_sign_in_signs_nobody_in(keycloak, bridge, unique_email):
    """Session fixation: an attacker opens the Log In page, plants that browser's session
    cookie in the victim's, and waits for the victim to sign in. The row takes a new id at
    sign-in: the planted id is worth nothing, and the victim stays signed in."""
    _new_user(keycloak, unique_email, "Robin", "Okafor")
    victim = LoopbackSession()
    victim.get(f"{bridge}/login", timeout=30)
    planted = victim.cookies["session"]

    _, landed = sign_in_to_bridge(bridge, unique_email, PASSWORD, http=victim)
    assert "Welcome, Robin Okafor" in landed.text
    assert victim.cookies["session"] != planted

    attacker = LoopbackSession()
    attacker.cookies.set("session", planted)
    seen = attacker.get(f"{bridge}/", timeout=30)
    assert "Welcome" not in seen.text and unique_email not in seen.text
    assert "Welcome, Robin Okafor" in victim.get(f"{bridge}/", timeout=30).text
