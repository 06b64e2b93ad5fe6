"""A health-plan app that trusts the Provider Portal's tokens (a few lines of Flask).

    export PORTAL_ISSUER=http://127.0.0.1:8080/realms/provider-portal
    flask --app "examples.downstream_app:create_app()" run --port 5050

Callers send the portal's access token as ``Authorization: Bearer <token>``. A missing,
malformed, foreign, expired or non-access token is answered 401 (RFC 6750), never 500; an
access token whose holder is not approved for the organization or role is answered 403.
"""

from __future__ import annotations

import os
from typing import Any

from flask import Flask, Response, abort, jsonify, request

from idp_bridge.keycloak.access import Access
from idp_bridge.tokens import InvalidToken, TokenVerifier


def create_app(verifier: TokenVerifier | None = None) -> Flask:
    app = Flask(__name__)
    # One verifier per process, shared by every thread: it holds the parsed keys.
    verifier = verifier or TokenVerifier(os.environ["PORTAL_ISSUER"], audience="provider-apps")

    def access() -> Access:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            abort(_unauthorized())
        try:
            return Access.from_claims(verifier.verify(token.strip()))
        except InvalidToken:
            abort(_unauthorized('error="invalid_token"'))

    @app.get("/organizations/<org_key>/claims")
    def claims(org_key: str) -> Any:
        if not access().allows(org_key, role="claims"):
            abort(403)  # pending, denied, removed, or no Claims role in this organization
        return jsonify(organization=org_key, claims=[])

    return app


def _unauthorized(detail: str = "") -> Response:
    # The reason stays out of the answer: it would tell an attacker which check failed.
    challenge = f'Bearer realm="provider-apps"{", " + detail if detail else ""}'
    answer = jsonify(error="unauthorized")
    answer.status_code = 401
    answer.headers["WWW-Authenticate"] = challenge
    return answer
