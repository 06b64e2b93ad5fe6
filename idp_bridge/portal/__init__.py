"""The signed-in home of the Provider Portal and the organization switcher."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, abort, g, redirect, render_template, session, url_for
from werkzeug.local import LocalProxy

from idp_bridge.auth import current_access, current_user, login_required
from idp_bridge.forms import ActionForm, submitted
from idp_bridge.organizations.display import role_names
from idp_bridge.organizations.queries import OrgChoice, organization_choices
from idp_bridge.portal.forms import SwitchForm

bp = Blueprint("portal", __name__, template_folder="templates")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


def my_organizations() -> list[OrgChoice]:
    """The signed-in user's organizations, read at most once per request (the page and the
    header's switcher both show them); none, and no query, when signed out."""
    user = current_user()
    if user is None:
        return []
    if "org_choices" not in g:
        g.org_choices = organization_choices(user["sub"])
    return list(g.org_choices)


def current_organization(choices: list[OrgChoice]) -> OrgChoice | None:
    usable = [c for c in choices if c.usable]
    wanted = session.get("current_org")
    return next((c for c in usable if c.key == wanted), usable[0] if usable else None)


@bp.app_context_processor
def inject_organizations() -> dict[str, Any]:
    # Lazy: the memberships are read only if the page being rendered shows them (the
    # header's switcher of a signed-in page), never for error pages, emails or signed-out
    # pages.
    return {"org_choices": LocalProxy(my_organizations),
            "current_org": LocalProxy(lambda: current_organization(my_organizations()))}


@bp.get("/")
def home() -> Any:
    user = current_user()
    if user is None:
        # Dean's guide: the portal's address opens the Log In page (Keycloak's).
        return redirect(url_for("auth.login"))
    choices = my_organizations()
    # One read of the person's credentials serves the passkeys, apps and recovery codes.
    second = factors.my_second_factors() if user else None
    return render_template("portal/home.html", user=user,
                           current=current_organization(choices),
                           organizations=[c for c in choices if c.usable],
                           access=current_access(), role_names=role_names,
                           passkeys=list(second.passkeys) if second else None,
                           factors=second, action=ActionForm(formdata=None))


@bp.post("/switch")
@login_required
def switch() -> Any:
    key = submitted(SwitchForm).org.data or ""
    # Only organizations the user is approved in now; nothing the browser claims.
    if not current_access().is_member(key):
        abort(403)
    session["current_org"] = key
    return redirect(url_for("portal.home"))


from idp_bridge.portal import factors, passkeys  # noqa: E402, F401  (their routes join this blueprint)
