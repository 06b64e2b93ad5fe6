"""The thinnest reasonable Flask OpenID Connect relying party, for the sign-in benchmark's
third side (issue 26): what a plan's developer would write with authlib's Flask client and
nothing else, to show the floor under the bridge's own CPU per sign-in.

    gunicorn -w 4 'bench.minimal_rp:create_app()'

``/login`` starts the code flow (state, nonce and PKCE S256 kept in Flask's signed-cookie
session by authlib); ``/auth/callback`` exchanges the code and checks the ID token (authlib's
``CodeIDToken``: signature against Keycloak's keys, iss, aud, exp, iat, nonce, at_hash), keeps
the claims in the signed-cookie session and redirects to ``/``. No database, no server-side
session, nothing of the bridge's: the sign-in imports only Flask and authlib. Nothing is turned off.

Configured from the environment (bench/stack.py sets it):
MINIMAL_RP_ISSUER (Keycloak's realm URL), MINIMAL_RP_CLIENT_ID, MINIMAL_RP_CLIENT_SECRET,
MINIMAL_RP_URL (its own external URL; the callback is MINIMAL_RP_URL/auth/callback),
MINIMAL_RP_SECRET_KEY (signs the session cookie), and for the registration wizard
(bench/minimal_wizard.py) MINIMAL_RP_SMTP_HOST and MINIMAL_RP_SMTP_PORT. With
MINIMAL_RP_DATABASE (a SQLAlchemy URL: PostgreSQL through psycopg, or SQLite) its sessions and
the wizard's records live in that database (bench/minimal_store.py: the durable wizard).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from authlib.integrations.flask_client import OAuth
from flask import Flask, redirect, session
from werkzeug.wrappers import Response

from bench import minimal_store, minimal_wizard
from bench.minimal_wizard import add_wizard, callback_target

SETTINGS = ("MINIMAL_RP_ISSUER", "MINIMAL_RP_CLIENT_ID", "MINIMAL_RP_CLIENT_SECRET",
            "MINIMAL_RP_URL", "MINIMAL_RP_SECRET_KEY", "MINIMAL_RP_SMTP_HOST",
            "MINIMAL_RP_SMTP_PORT")


def create_app(env: Mapping[str, str] | None = None) -> Flask:
    env = os.environ if env is None else env
    missing = [name for name in SETTINGS if not env.get(name)]
    if missing:
        raise RuntimeError(f"the minimal RP needs {', '.join(missing)}")
    app = Flask(__name__)
    app.secret_key = env["MINIMAL_RP_SECRET_KEY"]
    callback_url = env["MINIMAL_RP_URL"].rstrip("/") + "/auth/callback"
    oauth = OAuth(app)
    keycloak = oauth.register(
        "keycloak",
        client_id=env["MINIMAL_RP_CLIENT_ID"],
        client_secret=env["MINIMAL_RP_CLIENT_SECRET"],
        server_metadata_url=env["MINIMAL_RP_ISSUER"].rstrip("/")
        + "/.well-known/openid-configuration",
        client_kwargs={"scope": "openid email profile", "code_challenge_method": "S256"},
    )

    @app.get("/")
    def home() -> str:
        user = session.get("user")
        return f"Signed in as {user['email']}" if user else "Not signed in"

    @app.get("/login")
    def login() -> Response:
        return keycloak.authorize_redirect(callback_url)

    @app.get("/auth/callback")
    def callback() -> Response:
        token = keycloak.authorize_access_token()  # raises (a 500) on any failed check
        session["user"] = dict(token["userinfo"])
        return redirect(callback_target())

    store = minimal_store.install(app, env["MINIMAL_RP_DATABASE"],
                                 lambda mail: minimal_wizard.send_mail(env, mail)) \
        if env.get("MINIMAL_RP_DATABASE") else None
    add_wizard(app, keycloak, env, callback_url, store)
    return app
