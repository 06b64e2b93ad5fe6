"""One OIDC client per brand: a request signs in through its own brand's Keycloak client,
whose ``login_theme`` shows that brand's Log In page (keycloak/realm/)."""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from typing import Any, cast
from urllib.parse import quote, urlencode

import requests
from authlib.integrations.flask_client import FlaskOAuth2App, OAuth
from flask import Flask, current_app, redirect, request, session, url_for
from werkzeug.wrappers import Response

from idp_bridge.brand import BRANDS, current_brand
from idp_bridge.brand.routing import external_url
from idp_bridge.keycloak.http import environment_read_once
from idp_bridge.tokens import InvalidToken, TokenVerifier

_CLIENTS = "idp_bridge.oidc_clients"


def issuer(app: Flask) -> str:
    return f"{app.config['IDP_KEYCLOAK_URL']}/realms/{app.config['IDP_REALM']}"


def client_name(brand_key: str) -> str:
    # authlib keeps pending sign-ins in the session as "_state_<name>_<state>".
    return f"keycloak_{brand_key}"


def init_app(app: Flask) -> None:
    # One registry per app: authlib caches a registry's clients on first use, so a registry
    # shared by the process would keep the first app's Keycloak address for every later app.
    oauth = OAuth(app)
    app.extensions[_CLIENTS] = oauth
    for brand in BRANDS.values():
        oauth.register(
            client_name(brand.key),
            client_id=brand.client_id,
            client_secret=app.config["IDP_CLIENT_SECRET"],
            server_metadata_url=f"{issuer(app)}/.well-known/openid-configuration",
            client_kwargs={"scope": "openid email profile", "code_challenge_method": "S256"},
            overwrite=True,
        )


def client_for(brand_key: str) -> FlaskOAuth2App:
    """This app's Keycloak client for a brand."""
    oauth: OAuth = current_app.extensions[_CLIENTS]
    return cast(FlaskOAuth2App, oauth.create_client(client_name(brand_key)))


def brand_client() -> FlaskOAuth2App:
    """The Keycloak client of the request's brand."""
    return client_for(current_brand().key)


def callback_url() -> str:
    return external_url(url_for("auth.callback"))


def authorization_request(client: FlaskOAuth2App, redirect_uri: str,
                          **params: str) -> dict[str, str]:
    """A fresh authorization request of ``client`` (code flow, PKCE S256, a nonce), as
    authlib's ``create_authorization_url`` builds it but without setting up an HTTP client
    for a URL: ``url``, and the ``state``, ``nonce`` and ``code_verifier`` the callback
    needs back."""
    verifier = secrets.token_urlsafe(48)  # 64 characters: RFC 7636 asks 43-128
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    query = {"response_type": "code", "client_id": client.client_id,
             "redirect_uri": redirect_uri, "scope": client.client_kwargs["scope"],
             "state": state, "code_challenge": challenge.rstrip(b"=").decode(),
             "code_challenge_method": "S256", "nonce": nonce, **params}
    endpoint = client.load_server_metadata()["authorization_endpoint"]
    return {"url": f"{endpoint}?{urlencode(query)}", "state": state, "nonce": nonce,
            "code_verifier": verifier}


def start_sign_in(**params: str) -> Response:
    """Send the browser to Keycloak through the request's brand client; it comes back to
    this brand's ``/auth/callback``. The pending sign-in (state, nonce, PKCE verifier) is
    kept in this browser's session, where authlib keeps it."""
    client, redirect_uri = brand_client(), callback_url()
    started = authorization_request(client, redirect_uri, **params)
    client.save_authorize_data(redirect_uri=redirect_uri, **started)
    return redirect(started["url"])


def sign_out_redirect(id_token: str) -> Response:
    return cast(Response, brand_client().logout_redirect(
        post_logout_redirect_uri=external_url(url_for("portal.home")),
        id_token_hint=id_token))



# The callback ------------------------------------------------------------------------------
# authlib starts the sign-in (state, nonce, PKCE verifier kept in this browser's session);
# the callback finishes it here: one pooled keep-alive connection per thread to Keycloak's
# token endpoint instead of a new HTTP client (and TCP connection) per sign-in, and the ID
# token checked by our own TokenVerifier, whose keys are parsed once per process, instead of
# importing the whole key set per callback. The checks are authlib's (CodeIDToken) and more:
# state, signature, issuer, audience, azp, exp, iat, nonce, at_hash, and Keycloak's typ "ID".

TOKEN_TIMEOUT = (3.0, 10.0)  # connect, read: a stopped Keycloak costs seconds, not a hang
_MAX_STATE_CHARS = 128
_MAX_CODE_CHARS = 4096
_MAX_ERROR_CHARS = 64
_VERIFIERS = "idp_bridge.id_token_verifiers"
_http = threading.local()


class SignInRefused(Exception):  # noqa: N818  (a refused sign-in, not a bug)
    """The callback cannot sign anyone in; ``error`` is a short code for the page."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


class KeycloakUnavailable(Exception):
    """Keycloak's token endpoint did not answer."""


def _token_http(token_endpoint: str) -> requests.Session:
    """This thread's kept-alive session to Keycloak's token endpoint (every brand's client
    signs in at the same Keycloak)."""
    session: requests.Session | None = getattr(_http, "session", None)
    if session is None:
        session = _http.session = environment_read_once(requests.Session(), token_endpoint)
    return session


def _pending_sign_in(client: FlaskOAuth2App, state: str) -> dict[str, Any]:
    """This browser's pending sign-in for ``state``, taken out of the session (a callback
    replayed later finds nothing). Refused when missing or expired."""
    pending = session.pop(f"_state_{client.name}_{state}", None)
    if not isinstance(pending, dict) or not isinstance(pending.get("data"), dict) \
            or not float(pending.get("exp") or 0) > time.time():
        raise SignInRefused("mismatching_state")
    return cast(dict[str, Any], pending["data"])


def _exchange_code(client: FlaskOAuth2App, code: str, pending: dict[str, Any]) -> dict[str, Any]:
    """The token response for ``code`` (client_secret_basic, the PKCE verifier sent)."""
    metadata = client.load_server_metadata()
    credentials = (quote(str(client.client_id), safe=""),
                   quote(str(client.client_secret), safe=""))
    try:
        answer = _token_http(metadata["token_endpoint"]).post(
            metadata["token_endpoint"], auth=credentials, timeout=TOKEN_TIMEOUT,
            allow_redirects=False, headers={"Accept": "application/json"},
            data={"grant_type": "authorization_code", "code": code,
                  "redirect_uri": pending.get("redirect_uri", ""),
                  "code_verifier": pending.get("code_verifier", "")})
        body = answer.json() if answer.content else {}
    except ValueError:
        body = {}
    except OSError as exc:  # refused, reset, timed out (requests wraps them as OSError)
        raise KeycloakUnavailable from exc
    if not isinstance(body, dict):
        body = {}
    if answer.status_code != 200:
        if answer.status_code >= 500:
            raise KeycloakUnavailable
        raise SignInRefused(str(body.get("error") or "invalid_grant")[:_MAX_ERROR_CHARS])
    if not isinstance(body.get("id_token"), str) or not isinstance(body.get("access_token"), str):
        raise SignInRefused("invalid_token_response")
    return body


def id_token_verifier(client: FlaskOAuth2App) -> TokenVerifier:
    """The verifier of ``client``'s ID tokens: the issuer Keycloak's discovery document
    names (as authlib checked it), audience the client id; all share one key cache."""
    metadata = client.load_server_metadata()
    verifiers: dict[tuple[str, str], TokenVerifier] = \
        current_app.extensions.setdefault(_VERIFIERS, {})
    issuer_url, audience = str(metadata["issuer"]), str(client.client_id)
    verifier = verifiers.get((issuer_url, audience))
    if verifier is None:
        verifier = TokenVerifier(issuer_url, audience, jwks_url=metadata.get("jwks_uri"))
        shared = next(iter(verifiers.values()), None)
        if shared is not None and shared.keys.url == verifier.keys.url:
            verifier.keys = shared.keys  # one download of Keycloak's keys per process
        verifiers[(issuer_url, audience)] = verifier
    return verifier


def finish_sign_in() -> tuple[dict[str, Any], str]:
    """The checked ID token claims and the ID token of this callback.

    ``SignInRefused`` for a callback that signs nobody in (no or another browser's state,
    a refused or replayed code, an ID token failing a check); ``KeycloakUnavailable`` when
    Keycloak does not answer."""
    state, code = request.args.get("state", ""), request.args.get("code", "")
    if not 0 < len(state) <= _MAX_STATE_CHARS or not 0 < len(code) <= _MAX_CODE_CHARS:
        raise SignInRefused("invalid_request")
    client = brand_client()
    pending = _pending_sign_in(client, state)
    tokens = _exchange_code(client, code, pending)
    try:
        claims = id_token_verifier(client).verify_id_token(
            tokens["id_token"], nonce=str(pending.get("nonce") or ""),
            access_token=tokens["access_token"])
    except InvalidToken as exc:
        current_app.logger.warning("sign-in refused: ID token %s", exc)
        raise SignInRefused("invalid_id_token") from None
    return claims, tokens["id_token"]
