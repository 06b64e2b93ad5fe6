"""Re-enabling a login disabled for inactivity: a Site Administrator for a member of their
organization (from the members page), a plan administrator for anyone."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, request, url_for

from idp_bridge.auth import current_actor, plan_admin_required, site_admin_required
from idp_bridge.extensions import db
from idp_bridge.keycloak.errors import GatewayError
from idp_bridge.lifecycle.inactivity import NotDisabled, reenable
from idp_bridge.organizations.models import Membership
from idp_bridge.organizations.queries import active_organization

bp = Blueprint("lifecycle", __name__, template_folder="templates")

KEYCLOAK_AWAY = "Keycloak could not apply this change just now; nothing was changed."


@bp.post("/org/<org_key>/members/<int:membership_id>/reenable")
@site_admin_required
def site_admin_reenable(org_key: str, membership_id: int) -> Any:
    organization = active_organization(org_key)
    membership = db.session.get(Membership, membership_id)
    if organization is None or membership is None or \
            membership.organization_id != organization.id or \
            membership.status not in ("approved", "suspended"):
        abort(404)  # only a member of the organization this Site Administrator runs
    _reenable(membership.user_id, membership.full_name)
    return redirect(url_for("site_admin.members", org_key=org_key))


@bp.post("/admin/logins/<user_id>/reenable")
@plan_admin_required
def plan_admin_reenable(user_id: str) -> Any:
    _reenable(user_id[:64], "The login")
    return redirect(request.referrer if _same_site(request.referrer) else
                    url_for("plan_admin.organizations"))


def _reenable(user_id: str, name: str) -> None:
    try:
        reenable(user_id, current_actor())
    except NotDisabled as exc:
        flash(str(exc), "error")
    except GatewayError:
        flash(KEYCLOAK_AWAY, "error")
    else:
        flash(f"{name} can sign in again.", "success")


def _same_site(url: str | None) -> bool:
    return bool(url) and str(url).startswith(request.host_url)
