"""Sign-in and sign-out: the bridge is an OIDC relying party of Keycloak.

authlib starts the sign-in at ``/login`` (state, nonce and PKCE verifier kept in the
session); the callback (``oidc.finish_sign_in``) checks the state, sends the PKCE verifier and
validates the ID token (signature from Keycloak's JWKS, issuer, audience, azp, expiry, iat,
the nonce, at_hash) before we trust any claim.

Sessions live server-side (``sessions.py``) and end three ways: sign-out (a POST, then
Keycloak's RP-initiated logout), Keycloak's back-channel logout, or expiry. What a signed-in
user may do is decided from live state on every request (``live.py``), never from the claims
frozen into the session at sign-in.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any, TypeVar, cast

import click
from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.cli import AppGroup
from werkzeug.wrappers import Response

from idp_bridge.audit.actor import Actor
from idp_bridge.auth import headers, oidc
from idp_bridge.auth.backchannel import verify_logout_token
from idp_bridge.auth.live import is_plan_admin_now, live_access
from idp_bridge.auth.redirects import safe_next
from idp_bridge.auth.sessions import (
    DatabaseSessionInterface,
    ServerSession,
    end_keycloak_session,
    purge_expired,
)
from idp_bridge.brand import BRANDS, brand_url_setting
from idp_bridge.brand.routing import here
from idp_bridge.extensions import csrf
from idp_bridge.forms import ActionForm, submitted
from idp_bridge.keycloak.access import Access
from idp_bridge.keycloak.gateway import GatewayError

bp = Blueprint("auth", __name__, template_folder="templates")

F = TypeVar("F", bound=Callable[..., Any])
# authlib keeps one entry per /login visit until its callback; a browser that opens /login
# many times without finishing must not grow its session without bound. Two allow a second
# tab.
PENDING_SIGN_INS_KEPT = 2
_STATE_PREFIX = "_state_keycloak_"
PERSONAL_KEYS = ("user", "id_token", "keycloak_sid", "current_org", "plan_admin_answer",
                 "passkey_removal", "passkey_adding")


def init_app(app: Flask) -> None:
    oidc.init_app(app)
    https = all(app.config[brand_url_setting(key)].startswith("https://") for key in BRANDS)
    # __Host- cookies must be Secure, host-only and path=/: nothing on a sibling subdomain
    # can plant or overwrite ours.
    app.config["SESSION_COOKIE_NAME"] = "__Host-session" if https else "session"
    app.config["SESSION_COOKIE_SECURE"] = https
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["SESSION_COOKIE_DOMAIN"] = None
    app.session_interface = DatabaseSessionInterface(
        idle=timedelta(minutes=app.config["IDP_SESSION_IDLE_MINUTES"]),
        idle_anonymous=timedelta(minutes=app.config["IDP_SESSION_IDLE_ANONYMOUS_MINUTES"]),
        absolute=timedelta(hours=app.config["IDP_SESSION_MAX_HOURS"]))
    headers.init_app(app)
    app.register_blueprint(bp)
    app.cli.add_command(sessions_cli)


sessions_cli = AppGroup("sessions", help="Server-side web sessions.")


@sessions_cli.command("purge")
def purge_sessions() -> None:
    """Delete expired sessions (run it hourly; an expired row is never honoured anyway)."""
    click.echo(f"removed {purge_expired()} expired session(s)")


# Other areas act on a sign-in without auth importing them (registration/resume.py: an
# unfinished registration is finished, declined Terms explained). A hook answers a response
# to send instead, or None.
AFTER_SIGN_IN: list[Callable[[str], Any]] = []  # called with the user id
SIGN_IN_REFUSED: list[Callable[[str], Any]] = []  # called with Keycloak's error code


def _hook_answer(hooks: list[Callable[[str], Any]], value: str) -> Any:
    return next((answer for hook in hooks if (answer := hook(value)) is not None), None)


def current_user() -> dict[str, Any] | None:
    return session.get("user")


def current_actor() -> Actor:
    """Who is acting in this request, resolved once (``g.actor``) and passed explicitly to
    decisions and the audit log; nobody after this point reads the session for it."""
    if "actor" not in g:
        user = current_user() or {}
        g.actor = Actor(id=str(user.get("sub", "")), email=str(user.get("email", "")),
                        ip=request.remote_addr or "", user_agent=request.user_agent.string)
    return cast(Actor, g.actor)


def current_access() -> Access:
    """What the signed-in user may do now (empty when signed out)."""
    user = current_user() or {}
    return live_access(str(user.get("sub", "")), list(user.get("roles", [])))


def _to_login() -> Response:
    return redirect(url_for("auth.login", next=here()))


def login_required(view: F) -> F:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_user() is None:
            return _to_login()
        return view(*args, **kwargs)

    return cast(F, wrapped)


def plan_admin_required(view: F) -> F:
    """Keycloak is asked on every request: a role taken away holds at the next click."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        user = current_user()
        if user is None:
            return _to_login()
        try:
            allowed = is_plan_admin_now(user["sub"])
        except GatewayError:
            return render_template("auth/unavailable.html"), 503
        if not allowed:
            abort(403)
        return view(*args, **kwargs)

    return cast(F, wrapped)


def site_admin_required(view: F) -> F:
    """The route's ``org_key`` must be an organization this user administers now."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_user() is None:
            return _to_login()
        if not current_access().is_site_admin(kwargs["org_key"]):
            abort(403)
        return view(*args, **kwargs)

    return cast(F, wrapped)


def forget_stale_sign_ins() -> None:
    """Keep this browser's pending sign-ins (``/login`` visits and registration hand-offs
    not yet back at the callback) to PENDING_SIGN_INS_KEPT, the one about to be added
    included: the session stays bounded however often a page that starts one is opened."""
    pending = sorted((key for key in session if key.startswith(_STATE_PREFIX)),
                     key=lambda key: (session[key] or {}).get("exp", 0))
    # The one about to be added makes PENDING_SIGN_INS_KEPT.
    for key in pending[:max(0, len(pending) - PENDING_SIGN_INS_KEPT + 1)]:
        session.pop(key, None)


@bp.get("/Signin")
@bp.get("/signin")
def guide_sign_in_address() -> Response:
    """The address WellFirst's guide gives (``…/Signin``) leads to the Log In page."""
    return redirect(url_for("auth.login"))


@bp.get("/login")
def login() -> Response:
    forget_stale_sign_ins()
    session["after_login"] = safe_next(request.args.get("next"), url_for("portal.home"))
    extra = {}
    hint = request.args.get("login_hint", "")
    if hint and len(hint) <= 254 and hint.isprintable():
        extra["login_hint"] = hint
    # A registration's step numbers for Keycloak's pages (registration/engine.py
    # keycloak_step_params): small numbers only, passed on for the login theme.
    for name in ("kc_step_phone", "kc_step_terms", "kc_steps"):
        value = request.args.get(name, "")
        if value.isdigit() and len(value) <= 2:
            extra[name] = value
    return oidc.start_sign_in(**extra)


@bp.get("/auth/callback")
def callback() -> Any:
    if error := request.args.get("error"):
        answer = _hook_answer(SIGN_IN_REFUSED, error[:64])
        return answer if answer is not None else (
            render_template("auth/error.html", error=error[:64]), 400)
    try:
        claims, id_token = oidc.finish_sign_in()
    except oidc.SignInRefused as exc:
        # No or another browser's state, a refused or replayed code, an ID token failing a
        # check (issuer, audience, expiry, signature, nonce): a refused sign-in, never a 500.
        current_app.logger.warning("sign-in refused: %s", exc.error)
        return render_template("auth/error.html", error=exc.error), 400
    except oidc.KeycloakUnavailable:
        return render_template("auth/unavailable.html"), 503
    after = session.pop("after_login", None) or url_for("portal.home")
    kept = {k: v for k, v in session.items() if not k.startswith(_STATE_PREFIX)}
    if (kept.get("user") or {}).get("sub") != claims["sub"]:
        # Someone else signs in on this browser: nothing of the previous person's carries
        # over (a registration in progress does: it is the one signing in).
        kept = {k: v for k, v in kept.items() if k not in PERSONAL_KEYS}
    session.clear()
    session.update(kept)
    cast(ServerSession, session).regenerate()
    session["user"] = {
        "sub": claims["sub"],
        "name": claims.get("name") or claims.get("preferred_username", ""),
        "email": claims.get("email", ""),
        "roles": claims.get("realm_roles", []),
    }
    session["keycloak_sid"] = claims.get("sid")
    session["id_token"] = id_token
    answer = _hook_answer(AFTER_SIGN_IN, claims["sub"])
    return answer if answer is not None else redirect(safe_next(after, url_for("portal.home")))


@bp.get("/logout")
def logout_page() -> Any:
    # Signing out changes state, so it is a POST with a CSRF token; an <img src=/logout> on
    # another site gets this page, not a sign-out.
    if current_user() is None:
        return redirect(url_for("portal.home"))
    return render_template("auth/logout.html", action=ActionForm(formdata=None))


@bp.post("/logout")
def logout() -> Any:
    submitted(ActionForm)
    id_token = session.get("id_token")
    session.clear()  # the server-side row is deleted when the response is saved
    if not id_token:
        return redirect(url_for("portal.home"))
    return oidc.sign_out_redirect(id_token)


@bp.post("/auth/backchannel-logout")
@csrf.exempt  # Keycloak calls this server-to-server; the signed logout token is the proof
def backchannel_logout() -> Any:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    claims = verify_logout_token(app, request.form.get("logout_token"))
    if claims is None:
        return {"error": "invalid_request"}, 400, {"Cache-Control": "no-store"}
    ended = end_keycloak_session(claims.get("sid"), claims.get("sub"))
    current_app.logger.info("back-channel logout ended %d bridge session(s)", ended)
    return "", 200, {"Cache-Control": "no-store"}
