"""The sign-in callback refuses, before asking Keycloak anything, whatever this browser did
not start: another browser's or an expired state, a replayed callback, oversized values.
(The same attacks through the real Keycloak: tests/security/test_sessions_and_access.py.)"""

from __future__ import annotations

import time
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from idp_bridge.auth import oidc

PENDING = "_state_keycloak_dean_"
HOST = "http://127.0.0.1:5000"  # the dev bridge's address: Dean at /, WellFirst at /b/wellfirst


class TokenEndpoint:
    """Stands in for the network under the callback: counts calls, answers ``status``."""

    def __init__(self, status: int = 400, body: dict[str, Any] | None = None) -> None:
        self.calls: list[dict[str, Any]] = []
        self.status = status
        self.body = body or {"error": "invalid_grant"}

    def post(self, url: str, **kwargs: Any) -> Any:
        self.calls.append({"url": url, **kwargs})
        endpoint = self

        class Answer:
            status_code = endpoint.status
            content = b"{}"

            @staticmethod
            def json() -> dict[str, Any]:
                return endpoint.body
        return Answer()


@pytest.fixture
def token_endpoint(app: Flask, monkeypatch: pytest.MonkeyPatch) -> TokenEndpoint:
    endpoint = TokenEndpoint()
    monkeypatch.setattr(oidc, "_token_http", lambda url: endpoint)
    with app.app_context():
        oidc.client_for("dean").server_metadata.update(
            _loaded_at=time.time(), issuer="http://keycloak.test/realms/provider-portal",
            token_endpoint="http://keycloak.test/token")
    return endpoint


def _pending(client: FlaskClient, state: str, expires_in: float = 600) -> None:
    with client.session_transaction(base_url=HOST) as session:
        session[PENDING + state] = {"exp": time.time() + expires_in, "data": {
            "redirect_uri": "http://127.0.0.1:5000/auth/callback", "nonce": "n-1",
            "code_verifier": "v" * 48}}


def _pending_states(client: FlaskClient) -> list[str]:
    with client.session_transaction(base_url=HOST) as session:
        return [key.removeprefix(PENDING) for key in session if key.startswith(PENDING)]


@pytest.mark.parametrize(("query", "error"), [
    ("code=c&state=another-browsers", "mismatching_state"),
    ("code=c", "invalid_request"),
    ("state=mine", "invalid_request"),
    ("code=c&state=" + "s" * 129, "invalid_request"),
    ("code=" + "c" * 4097 + "&state=mine", "invalid_request"),
])
def test_a_callback_this_browser_did_not_start_is_refused_without_asking_keycloak(
        client: FlaskClient, token_endpoint: TokenEndpoint, query: str, error: str) -> None:
    _pending(client, "mine")
    answer = client.get(f"/auth/callback?{query}", base_url=HOST)
    assert answer.status_code == 400
    assert "We couldn't sign you in" in answer.get_data(as_text=True)
    assert error in answer.get_data(as_text=True)
    assert token_endpoint.calls == []


def test_an_expired_pending_sign_in_is_refused(client: FlaskClient,
                                               token_endpoint: TokenEndpoint) -> None:
    _pending(client, "mine", expires_in=-1)
    answer = client.get("/auth/callback?code=c&state=mine", base_url=HOST)
    assert answer.status_code == 400 and "mismatching_state" in answer.get_data(as_text=True)
    assert token_endpoint.calls == []


def test_a_callback_is_honoured_once_even_when_keycloak_refuses_its_code(
        client: FlaskClient, token_endpoint: TokenEndpoint) -> None:
    _pending(client, "mine")
    first = client.get("/auth/callback?code=c&state=mine", base_url=HOST)
    assert first.status_code == 400 and "invalid_grant" in first.get_data(as_text=True)
    assert len(token_endpoint.calls) == 1
    sent = token_endpoint.calls[0]
    assert sent["data"]["code_verifier"] == "v" * 48  # PKCE: the verifier /login kept
    assert sent["auth"] == ("idp-bridge", "dev-only-client-secret")
    assert _pending_states(client) == []
    again = client.get("/auth/callback?code=c&state=mine", base_url=HOST)
    assert again.status_code == 400 and "mismatching_state" in again.get_data(as_text=True)
    assert len(token_endpoint.calls) == 1


def test_keycloak_not_answering_is_said_plainly(client: FlaskClient,
                                                token_endpoint: TokenEndpoint) -> None:
    token_endpoint.status = 503
    _pending(client, "mine")
    answer = client.get("/auth/callback?code=c&state=mine", base_url=HOST)
    assert answer.status_code == 503
    assert "The sign-in service did not answer" in answer.get_data(as_text=True)


def test_a_state_of_the_other_brand_is_refused(client: FlaskClient,
                                               token_endpoint: TokenEndpoint) -> None:
    """Dean's pending sign-in, brought to WellFirst's callback (both brands share a host in
    dev): WellFirst's session does not hold it."""
    _pending(client, "mine")
    answer = client.get("/b/wellfirst/auth/callback?code=c&state=mine", base_url=HOST)
    assert answer.status_code == 400 and "mismatching_state" in answer.get_data(as_text=True)
    assert token_endpoint.calls == []
    assert _pending_states(client) == ["mine"]  # Dean's is still this browser's
