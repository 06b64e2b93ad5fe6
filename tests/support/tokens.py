"""Obtain a user's real tokens from Keycloak through the authorization-code flow (with PKCE),
the way the portal does, without going through the bridge's session."""

from __future__ import annotations

import base64
import hashlib
import secrets
from urllib.parse import parse_qs, urlencode, urlparse

import requests

from tests.support.forms import form_by_id
from tests.support.keycloak_login import LoopbackSession, answer_phone_challenge


def user_tokens(keycloak_url: str, realm: str, bridge_url: str, client_secret: str,
                username: str, password: str) -> dict[str, str]:
    http = LoopbackSession()
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()) \
        .rstrip(b"=").decode()
    redirect_uri = f"{bridge_url}/auth/callback"
    base = f"{keycloak_url}/realms/{realm}/protocol/openid-connect"
    page = http.get(f"{base}/auth?" + urlencode({
        "client_id": "idp-bridge", "response_type": "code", "scope": "openid",
        "redirect_uri": redirect_uri, "state": "s", "code_challenge": challenge,
        "code_challenge_method": "S256"}), timeout=30)
    form = form_by_id(page.text, page.url, "kc-form-login")
    answer = http.post(form.action, data={**form.fields, "username": username,
                                          "password": password},
                       allow_redirects=False, timeout=30)
    answer = answer_phone_challenge(http, answer, allow_redirects=False)
    code = parse_qs(urlparse(answer.headers["Location"]).query)["code"][0]
    tokens = requests.post(f"{base}/token", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
        "client_id": "idp-bridge", "client_secret": client_secret,
        "code_verifier": verifier}, timeout=30)
    tokens.raise_for_status()
    return tokens.json()  # type: ignore[no-any-return]


def refresh(keycloak_url: str, realm: str, client_secret: str,
            refresh_token: str) -> requests.Response:
    return requests.post(f"{keycloak_url}/realms/{realm}/protocol/openid-connect/token", data={
        "grant_type": "refresh_token", "refresh_token": refresh_token,
        "client_id": "idp-bridge", "client_secret": client_secret}, timeout=30)
