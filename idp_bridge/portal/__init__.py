"""The signed-in home of the Provider Portal and the organization switcher."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, g, redirect, render_template, request, session, url_for
from sqlalchemy.orm import joinedload

from idp_bridge.auth import current_access, current_user, login_required
from idp_bridge.auth.live import live_group_paths
from idp_bridge.extensions import db
from idp_bridge.organizations.models import PORTAL_ROLES, Membership

bp = Blueprint("portal", __name__, template_folder="templates")


@dataclass
class OrgChoice:
    key: str
    name: str
    status: str  # what the user sees: approved, pending, denied, removed
    usable: bool


def organization_choices() -> list[OrgChoice]:
    """The user's organizations: usable only while approved in an active organization now;
    the ones still pending, denied or removed are shown as such. Read once per request (the
    page and the header's switcher both show them)."""
    user = current_user()
    if user is None:
        return []
    if "org_choices" not in g:
        g.org_choices = _choices(user["sub"])
    return list(g.org_choices)


def _choices(subject: str) -> list[OrgChoice]:
    choices = []
    memberships = db.session.scalars(db.select(Membership).where(
        Membership.user_id == subject).options(joinedload(Membership.organization)))
    for membership in memberships:
        organization = membership.organization
        usable = membership.status == "approved" and organization.status == "active"
        status = "pending" if organization.status == "pending" else membership.status
        choices.append(OrgChoice(organization.key, organization.name, status, usable))
    return sorted(choices, key=lambda c: (not c.usable, c.name))


def current_organization(choices: list[OrgChoice]) -> OrgChoice | None:
    usable = [c for c in choices if c.usable]
    wanted = session.get("current_org")
    return next((c for c in usable if c.key == wanted), usable[0] if usable else None)


@bp.app_context_processor
def inject_organizations() -> dict[str, Any]:
    choices = organization_choices()
    return {"org_choices": choices, "current_org": current_organization(choices)}


@bp.get("/")
def home() -> str:
    user = current_user()
    choices = organization_choices()
    current = current_organization(choices)
    access = current_access()
    grant = access.organizations.get(current.key) if current else None
    live_groups = live_group_paths(user["sub"]) if user else []
    return render_template("portal/home.html", user=user, current=current, grant=grant,
                           access=access, role_names=PORTAL_ROLES, live_groups=live_groups,
                           passkeys=passkeys.my_passkeys() if user else [])


@bp.post("/switch")
@login_required
def switch() -> Any:
    key = request.form.get("org", "")
    # Only organizations the user is approved in now; nothing the browser claims.
    if not current_access().is_member(key):
        abort(403)
    session["current_org"] = key
    return redirect(url_for("portal.home"))


from idp_bridge.portal import passkeys  # noqa: E402  (its routes join this blueprint)
