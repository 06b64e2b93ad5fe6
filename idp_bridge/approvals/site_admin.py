"""Site administrators: their organization's pending users, members, roles and identifiers.

Every route checks, server-side, that the token says this user administers ``org_key``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for

from idp_bridge import audit
from idp_bridge.approvals import decisions, listing
from idp_bridge.approvals.forms import IdentifierRequestForm, MemberActionForm
from idp_bridge.approvals.identifiers import request_identifier
from idp_bridge.auth import current_access, current_actor, current_user, site_admin_required
from idp_bridge.clock import utcnow
from idp_bridge.extensions import db
from idp_bridge.forms import attach, submitted
from idp_bridge.invitations.service import open_invitations
from idp_bridge.lifecycle.models import logins_by_user
from idp_bridge.messages import message
from idp_bridge.organizations.export import memberships_csv
from idp_bridge.organizations.models import (
    GRANTABLE_ROLES,
    PORTAL_ROLES,
    Membership,
    Organization,
)
from idp_bridge.organizations.queries import active_organization_or_404

bp = Blueprint("site_admin", __name__, url_prefix="/org/<org_key>", template_folder="templates")


def _organization(org_key: str) -> Organization:
    return active_organization_or_404(org_key)


def _membership(organization: Organization, membership_id: int) -> Membership:
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.organization_id != organization.id:
        abort(404)  # never act on another organization's people
    return membership


@bp.get("/members")
@site_admin_required
def members(org_key: str) -> str:
    organization = _organization(org_key)
    page = listing.member_page(organization, request.args)
    approved = page.rows.get("approved", [])
    return render_template("approvals/site_members.html", organization=organization,
                           page=page, pending=page.rows.get("pending", []),
                           approved=approved, suspended=page.rows.get("suspended", []),
                           roles=PORTAL_ROLES, grantable=GRANTABLE_ROLES, back=_listing_args(),
                           logins=logins_by_user([m.user_id for rows in page.rows.values()
                                                  for m in rows]),
                           invitations=open_invitations(organization), now=utcnow(),
                           action=MemberActionForm(formdata=None))


@bp.get("/members.csv")
@site_admin_required
def members_export(org_key: str) -> Response:
    """This organization's people (waiting and approved), with their Opt In/Out choice."""
    organization = _organization(org_key)
    people = db.session.scalars(db.select(Membership).where(
        Membership.organization_id == organization.id,
        Membership.status.in_(("pending", "approved", "suspended")))
        .order_by(Membership.last_name, Membership.first_name)).all()
    # Personal data leaving the portal: on the record before it leaves.
    audit.record("members.export", actor=current_actor(), organization_key=organization.key,
                 rows=len(people))
    db.session.commit()
    return Response(memberships_csv(people), mimetype="text/csv", headers={
        "Content-Disposition": f"attachment; filename=users-{organization.key}.csv"})


MAX_PASSKEY_LOOKUPS = 50  # one page of members


@bp.get("/members/passkeys")
def member_passkeys(org_key: str) -> Any:
    """Which members on the page have a passkey. Fetched by the page after it is shown:
    Keycloak answers one user at a time, and the list itself must not wait for 50 calls.
    A script's request: refused with a status, never sent off to sign in (a redirect to
    /login would start a sign-in beside the user's own)."""
    if current_user() is None:
        return {"error": "signed out"}, 401
    if not current_access().is_site_admin(org_key):
        return {"error": "not a Site Administrator of this organization"}, 403
    organization = _organization(org_key)
    wanted = [int(i) for i in request.args.get("ids", "").split(",")[:MAX_PASSKEY_LOOKUPS]
              if i.isdigit() and len(i) < 12]
    members = db.session.scalars(db.select(Membership).where(
        Membership.id.in_(wanted), Membership.organization_id == organization.id,
        Membership.status == "approved")).all()
    holders = listing.passkey_holders(members)
    if holders is None:
        return {"error": "Keycloak cannot say right now"}, 503
    return {str(m.id): m.user_id in holders for m in members}


def _back_to_members(org_key: str) -> Any:
    return redirect(url_for(".members", org_key=org_key, **_listing_args()))


def _listing_args() -> dict[str, Any]:
    """The members page's search, filter and page, so an action returns to the same view."""
    return {k: v for k in ("q", "status", "page") if (v := request.args.get(k, ""))}


@bp.post("/members/<int:membership_id>/<action>")
@site_admin_required
def act(org_key: str, membership_id: int, action: str) -> Any:
    organization = _organization(org_key)
    membership = _membership(organization, membership_id)
    actor = current_actor()
    role = submitted(MemberActionForm).role.data or ""
    operations = {
        "approve": lambda: decisions.approve_member(membership, actor),
        "deny": lambda: decisions.deny_member(membership, actor),
        "remove": lambda: decisions.remove_member(membership, actor),
        "grant-role": lambda: decisions.set_role(membership, role, True, actor),
        "revoke-role": lambda: decisions.set_role(membership, role, False, actor),
        "grant-admin": lambda: decisions.set_site_admin(membership, True, actor),
        "revoke-admin": lambda: decisions.set_site_admin(membership, False, actor),
        "suspend": lambda: decisions.suspend_member(membership, actor),
        "restore": lambda: decisions.restore_member(membership, actor),
    }
    if action not in operations:
        abort(404)
    expected = ("pending" if action in ("approve", "deny") else
                "suspended" if action == "restore" else "approved")
    if membership.status != expected:
        flash(message("decision.already_handled"), "error")
        return _back_to_members(org_key)
    # Worded now, from the rows already loaded: after the decision's commit they would be
    # read again just for a name (two statements more per action).
    done = _done(action, membership, role)
    try:
        operations[action]()
    except decisions.DecisionFailed as exc:
        flash(str(exc), "error")
        return _back_to_members(org_key)
    flash(done, "success")
    return _back_to_members(org_key)


def _done(action: str, membership: Membership, role: str) -> str:
    """What the Site Administrator reads after each action, in plain words."""
    return message(f"member.done.{action}", name=membership.full_name,
                   organization=membership.organization.name,
                   role=PORTAL_ROLES.get(role, role))


@bp.route("/identifiers", methods=["GET", "POST"])
@site_admin_required
def identifiers(org_key: str) -> Any:
    organization = _organization(org_key)
    errors: dict[str, str] = {}
    form = IdentifierRequestForm(formdata=None)
    if request.method == "POST":
        form = submitted(IdentifierRequestForm)
        npi, tin = form.npi.data or "", form.tin.data or ""
        try:
            errors = request_identifier(organization, npi, tin, current_actor())
        except decisions.DecisionFailed as exc:
            errors = {"form": str(exc)}
        if not errors:
            flash(message("pair.requested", npi=npi.strip()), "success")
            return redirect(url_for(".identifiers", org_key=org_key))
    return render_template("approvals/site_identifiers.html", organization=organization,
                           errors=errors, form=attach(form, errors)), (422 if errors else 200)
