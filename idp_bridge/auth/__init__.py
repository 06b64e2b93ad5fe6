"""Sign-in and sign-out: the bridge is an OIDC relying party of Keycloak.

authlib's ``authorize_access_token`` checks state, sends the PKCE verifier and validates the
ID token (signature from Keycloak's JWKS, issuer, audience, expiry, and the nonce it put in
the session at ``/login``) before we trust any claim.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from authlib.integrations.base_client.errors import OAuthError
from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.wrappers import Response

from idp_bridge.access import Access
from idp_bridge.extensions import oauth

bp = Blueprint("auth", __name__, template_folder="templates")

F = TypeVar("F", bound=Callable[..., Any])


def current_user() -> dict[str, Any] | None:
    return session.get("user")


def login_required(view: F) -> F:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_user() is None:
            return redirect(url_for("auth.login", next=request.full_path))
        return view(*args, **kwargs)

    return cast(F, wrapped)


def current_access() -> Access:
    """What the signed-in user's validated token grants (empty when signed out)."""
    user = current_user() or {}
    return Access.from_claims({"sub": user.get("sub"), "groups": user.get("groups", []),
                               "realm_roles": user.get("roles", [])})


def plan_admin_required(view: F) -> F:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_user() is None:
            return redirect(url_for("auth.login", next=request.full_path))
        if not current_access().is_plan_admin:
            abort(403)
        return view(*args, **kwargs)

    return cast(F, wrapped)


def site_admin_required(view: F) -> F:
    """The route's ``org_key`` must be an organization this user administers, per the token."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_user() is None:
            return redirect(url_for("auth.login", next=request.full_path))
        if not current_access().is_site_admin(kwargs["org_key"]):
            abort(403)
        return view(*args, **kwargs)

    return cast(F, wrapped)


def _safe_next(target: str | None) -> str:
    # Only local paths: an open redirect would let a phishing link borrow our login.
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("portal.home")


@bp.get("/login")
def login() -> Response:
    session["after_login"] = _safe_next(request.args.get("next"))
    redirect_uri = current_app.config["BRIDGE_URL"] + url_for("auth.callback")
    extra = {}
    if hint := request.args.get("login_hint"):
        extra["login_hint"] = hint
    return cast(Response, oauth.keycloak.authorize_redirect(redirect_uri, **extra))


@bp.get("/auth/callback")
def callback() -> Any:
    if error := request.args.get("error"):
        return render_template("auth/error.html", error=error), 400
    try:
        token = oauth.keycloak.authorize_access_token()
    except OAuthError as exc:
        current_app.logger.warning("sign-in refused: %s", exc.error)
        return render_template("auth/error.html", error=exc.error), 400
    claims = token["userinfo"]
    session["user"] = {
        "sub": claims["sub"],
        "name": claims.get("name") or claims.get("preferred_username", ""),
        "email": claims.get("email", ""),
        "groups": claims.get("groups", []),
        "roles": claims.get("realm_roles", []),
    }
    session["id_token"] = token["id_token"]
    return redirect(session.pop("after_login", None) or url_for("portal.home"))


@bp.get("/logout")
def logout() -> Any:
    id_token = session.get("id_token")
    session.clear()
    if not id_token:
        return redirect(url_for("portal.home"))
    return oauth.keycloak.logout_redirect(
        post_logout_redirect_uri=current_app.config["BRIDGE_URL"] + "/",
        id_token_hint=id_token,
    )
