"""Security headers on every bridge response (Keycloak sends its own on its pages).

Scripts come only from our static files; the one inline ``<style>`` (the brand's colours)
carries a per-response nonce. Pages shown to a signed-in user are never stored: a shared
computer's back button must not show someone else's members list after they signed out.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from flask import Flask, g, session
from werkzeug.wrappers import Response


def csp_nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return str(g.csp_nonce)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def init_app(app: Flask) -> None:
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    keycloak = _origin(app.config["IDP_KEYCLOAK_URL"])
    https = app.config["SESSION_COOKIE_SECURE"]  # every brand's address is https

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        policy = ("default-src 'self'; script-src 'self'; "
                  f"style-src 'self' 'nonce-{csp_nonce()}'; img-src 'self' data:; "
                  # Signing out posts here, then continues to Keycloak's logout page.
                  f"form-action 'self' {keycloak}; "
                  "frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
        headers = response.headers
        headers.setdefault("Content-Security-Policy", policy)
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "no-referrer")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if https:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if session.get("user"):
            headers["Cache-Control"] = "no-store"
            headers["Pragma"] = "no-cache"
        elif response.mimetype == "text/html" and "no-store" not in (
                headers.get("Cache-Control") or ""):  # a page holding a credential keeps it
            # A registrant's wizard pages stay out of shared caches; the browser's own history
            # keeps them, so Back shows the wizard's "no going back" note, not an error page.
            headers["Cache-Control"] = "private, no-cache"
        return response
