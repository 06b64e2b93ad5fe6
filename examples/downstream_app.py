"""A health-plan app that trusts the Provider Portal's tokens (a few lines of Flask).

    export PORTAL_ISSUER=http://127.0.0.1:8080/realms/provider-portal
    flask --app "examples.downstream_app:create_app()" run --port 5050

Callers send the portal's access token as ``Authorization: Bearer <token>``.
"""

from __future__ import annotations

import os
from typing import Any

from flask import Flask, abort, jsonify, request

from idp_bridge.access import Access
from idp_bridge.tokens import InvalidToken, TokenVerifier


def create_app(verifier: TokenVerifier | None = None) -> Flask:
    app = Flask(__name__)
    verifier = verifier or TokenVerifier(os.environ["PORTAL_ISSUER"], audience="provider-apps")

    def access() -> Access:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            abort(401)
        try:
            return Access.from_claims(verifier.verify(header.removeprefix("Bearer ")))
        except InvalidToken:
            abort(401)

    @app.get("/organizations/<org_key>/claims")
    def claims(org_key: str) -> Any:
        if not access().allows(org_key, role="claims"):
            abort(403)  # pending, denied, removed, or no Claims role in this organization
        return jsonify(organization=org_key, claims=[])

    return app
