"""Obtain a user's real tokens from Keycloak through the authorization-code flow (with PKCE),
the way the portal does, without going through the bridge's session."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import requests
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from joserfc import jwt
from joserfc.jwk import RSAKey

from tests.support.forms import form_by_id
from tests.support.keycloak_login import LoopbackSession, answer_phone_challenge


def user_tokens(keycloak_url: str, realm: str, bridge_url: str, client_secret: str,
                username: str, password: str, scope: str = "openid") -> dict[str, str]:
    http = LoopbackSession()
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()) \
        .rstrip(b"=").decode()
    redirect_uri = f"{bridge_url}/auth/callback"
    base = f"{keycloak_url}/realms/{realm}/protocol/openid-connect"
    page = http.get(f"{base}/auth?" + urlencode({
        "client_id": "idp-bridge", "response_type": "code", "scope": scope,
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


# --- Tokens we sign ourselves, and a JWKS served on loopback, for tests without Keycloak ---

class JwksServer:
    """Serves a JWKS on 127.0.0.1 the way Keycloak's certs endpoint does, counting downloads.

    ``hang()`` makes later downloads stall until ``release()`` (or the server stops), to
    show that a stuck key refresh does not hold up tokens signed with known keys.
    """

    def __init__(self, realm: str = "provider-portal") -> None:
        self.keys: list[RSAKey] = []
        self.fetches = 0
        self._hanging = threading.Event()
        self._released = threading.Event()
        # trickle(): one byte of the body every this many seconds
        self.trickle_seconds: float | None = None
        self.trickle_bytes_sent = 0
        self.client_hung_up = threading.Event()
        self.path = f"/realms/{realm}/protocol/openid-connect/certs"
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802  (http.server's name)
                if self.path != server.path:
                    self.send_error(404)
                    return
                server.fetches += 1
                if server.trickle_seconds is not None:
                    server._trickle(self)
                    return
                if server._hanging.is_set():
                    server._released.wait(30)
                body = json.dumps({"keys": [k.as_dict(private=False) for k in server.keys]})
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                with contextlib.suppress(OSError):  # the client may have given up
                    self.wfile.write(body.encode())

            def log_message(self, *args: object) -> None:
                pass

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._http.daemon_threads = True
        self.issuer = f"http://127.0.0.1:{self._http.server_port}/realms/{realm}"
        self._thread = threading.Thread(target=self._http.serve_forever, daemon=True)

    def __enter__(self) -> JwksServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
        self.client_hung_up.set()
        self._http.shutdown()
        self._http.server_close()

    def add_key(self, kid: str, alg: str = "RS256") -> RSAKey:
        key = RSAKey.generate_key(2048, parameters={"kid": kid, "alg": alg, "use": "sig"})
        self.keys.append(key)
        return key

    def trickle(self, seconds_per_byte: float) -> None:
        """Later downloads send their body one byte at a time, as a slowloris would."""
        self.trickle_seconds = seconds_per_byte

    def _trickle(self, handler: BaseHTTPRequestHandler) -> None:
        body = json.dumps({"keys": [k.as_dict(private=False) for k in self.keys]}).encode()
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        try:
            for index in range(len(body)):
                handler.wfile.write(body[index:index + 1])
                handler.wfile.flush()
                self.trickle_bytes_sent = index + 1
                if self.client_hung_up.wait(self.trickle_seconds):
                    return  # the server is stopping
        except OSError:
            self.client_hung_up.set()

    def hang(self) -> None:
        self._released.clear()
        self._hanging.set()

    def release(self) -> None:
        self._hanging.clear()
        self._released.set()


def access_claims(issuer: str, **changes: Any) -> dict[str, Any]:
    """Claims shaped like a Keycloak access token for the provider-apps audience."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": issuer, "aud": ["provider-apps", "account"], "azp": "idp-bridge",
        "typ": "Bearer", "sub": "5b0e2f7c-2a7e-4e43-9d0c-2c1b5d0f1a11",
        "iat": now, "exp": now + 300, "jti": secrets.token_hex(8),
        "groups": ["/provider-orgs/org-1", "/provider-orgs/org-1/roles/claims"],
        "realm_roles": ["default-roles-provider-portal"]}
    claims.update(changes)
    return {name: value for name, value in claims.items() if value is not None}


def sign(key: Any, claims: dict[str, Any], alg: str = "RS256", **header: Any) -> str:
    """A compact JWS over ``claims`` with the key's kid, as Keycloak writes one."""
    fields = {"alg": alg, "typ": "JWT", "kid": key.kid, **header}
    return jwt.encode({k: v for k, v in fields.items() if v is not None}, claims, key,
                      algorithms=[alg])


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def signed(key: RSAKey, header: Any, payload: Any, pss: bool = False) -> str:
    """A token with a genuine RSA signature over any header and payload (bytes are sent as
    they are, anything else as JSON): only the shape and the claims can be wrong."""
    segments = [b64(part if isinstance(part, bytes) else json.dumps(part).encode())
                for part in (header, payload)]
    signing_input = ".".join(segments).encode()
    scheme = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32) if pss \
        else padding.PKCS1v15()
    signature = key.raw_value.sign(signing_input, scheme, hashes.SHA256())
    return f"{signing_input.decode()}.{b64(signature)}"
