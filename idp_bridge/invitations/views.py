"""Invitation routes: a Site Administrator's invite, resend and revoke; the invitee's link."""

from __future__ import annotations

import logging
from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from idp_bridge.approvals.decisions import DecisionFailed
from idp_bridge.auth import current_actor, current_user, site_admin_required
from idp_bridge.clock import utcnow
from idp_bridge.extensions import db
from idp_bridge.forms import ActionForm, submitted
from idp_bridge.invitations import service
from idp_bridge.invitations.forms import InvitationForm
from idp_bridge.invitations.models import Invitation
from idp_bridge.keycloak.errors import GatewayError
from idp_bridge.messages import message
from idp_bridge.organizations.models import PORTAL_ROLES, Organization
from idp_bridge.organizations.queries import active_organization_or_404
from idp_bridge.registration import context as registration_context
from idp_bridge.registration.completion import notify_waiting
from idp_bridge.registration.drafts import DRAFT_KEY
from idp_bridge.registration.email_code import DraftEmailCode
from idp_bridge.registration.models import RegistrationDraft

log = logging.getLogger(__name__)
bp = Blueprint("invitations", __name__, template_folder="templates")


def _organization(org_key: str) -> Organization:
    return active_organization_or_404(org_key)


def _invitation(organization: Organization, invitation_id: int) -> Invitation:
    found = db.session.get(Invitation, invitation_id)
    if found is None or found.organization_id != organization.id:
        abort(404)
    return found


@bp.route("/org/<org_key>/invitations", methods=["GET", "POST"])
@site_admin_required
def manage(org_key: str) -> Any:
    organization = _organization(org_key)
    problem = ""
    form = InvitationForm(formdata=None)
    if request.method == "POST":
        form = submitted(InvitationForm)
        email = (form.email.data or "")[:300]
        roles = list(form.roles.data or [])[:len(PORTAL_ROLES)]
        try:
            service.invite(organization, email, roles, current_actor())
        except service.InvitationRefused as exc:
            problem = message(str(exc))
        else:
            flash(message("invitation.sent", email=email.strip().lower()), "success")
            return redirect(url_for(".manage", org_key=org_key))
    return (render_template("invitations/manage.html", organization=organization,
                           invitations=service.open_invitations(organization),
                           roles=PORTAL_ROLES, form=form, problem=problem,
                           days=service.lifetime_days(), now=utcnow()),
                           (422 if problem else 200))


@bp.post("/org/<org_key>/invitations/<int:invitation_id>/<any(resend, revoke):action>")
@site_admin_required
def act(org_key: str, invitation_id: int, action: str) -> Any:
    submitted(ActionForm)
    invitation = _invitation(_organization(org_key), invitation_id)
    try:
        if action == "resend":
            service.resend(invitation, current_actor())
            flash(message("invitation.resent", email=invitation.email), "success")
        else:
            service.revoke(invitation, current_actor())
            flash(message("invitation.revoked", email=invitation.email), "success")
    except service.InvitationRefused as exc:
        flash(message(str(exc)), "error")
    return redirect(url_for(".manage", org_key=org_key))


# The invitee ------------------------------------------------------------------------------


@bp.get("/invitations/<token>")
def landing(token: str) -> Any:
    invitation = service.by_token(token)
    if invitation is None:
        return render_template("invitations/closed.html"), 410
    return render_template("invitations/landing.html", invitation=invitation, token=token,
                           user=current_user(), roles=PORTAL_ROLES)


@bp.post("/invitations/<token>/accept")
def accept(token: str) -> Any:
    """A person who already has a login accepts by signing in (then this button)."""
    submitted(ActionForm)
    invitation = service.by_token(token)
    if invitation is None:
        return render_template("invitations/closed.html"), 410
    user = current_user()
    if user is None:
        return redirect(url_for("auth.login", next=url_for(".landing", token=token)))
    name = str(user.get("name") or "").split(" ", 1)
    try:
        service.accept(invitation, str(user["sub"]), str(user.get("email", "")), name[0],
                       name[1] if len(name) > 1 else "", current_actor())
    except service.InvitationRefused as exc:
        return render_template("invitations/landing.html", invitation=invitation,
                               token=token, user=user, roles=PORTAL_ROLES,
                               problem=message(str(exc))), 403
    except (DecisionFailed, GatewayError) as exc:
        return render_template("invitations/landing.html", invitation=invitation,
                               token=token, user=user, roles=PORTAL_ROLES,
                               problem=str(exc) if isinstance(exc, DecisionFailed)
                               else message("invitation.try_again")), 409
    session["current_org"] = invitation.organization.key
    flash(message("invitation.welcome", organization=invitation.organization.name),
          "success")
    return redirect(url_for("portal.home"))


@bp.post("/invitations/<token>/register")
def register(token: str) -> Any:
    """A new person: the guide's Individual path, at Individual Enrollment, with the
    organization's NPI and TIN filled in (read-only there) and the invited email already
    verified by this link."""
    submitted(ActionForm)
    invitation = service.by_token(token)
    if invitation is None:
        return render_template("invitations/closed.html"), 410
    organization = invitation.organization
    primary = next(i for i in organization.identifiers if i.is_primary)
    ctx = registration_context.RegistrationContext(
        npi=primary.npi, tin=primary.tin, organization_id=organization.id,
        typed={"email": invitation.email}, invitation_id=invitation.id)
    draft = RegistrationDraft(step="individual", account_type="individual",
                              brand=organization.brand)
    DraftEmailCode(draft, ctx).verified_elsewhere(invitation.email)  # the link proved it
    registration_context.save(draft, ctx)
    db.session.add(draft)
    db.session.commit()
    session[DRAFT_KEY] = draft.id
    return redirect(url_for("registration.step", name="individual"))


def accept_after_registration(draft: RegistrationDraft, user_id: str) -> None:
    """Registration's completion hook: a registration that answers an invitation, for the
    invited email, is approved with the preset roles (no second approval). If that cannot be
    done now, the membership simply waits for the Site Administrator as any other."""
    ctx = registration_context.load(draft)
    if ctx.invitation_id is None or ctx.individual is None:
        return
    invitation = db.session.get(Invitation, ctx.invitation_id)
    if invitation is None:
        return
    person = ctx.individual
    try:
        service.accept(invitation, user_id, person.email, person.first_name,
                       person.last_name, current_actor())
    except (service.InvitationRefused, DecisionFailed, GatewayError) as exc:
        db.session.rollback()
        log.warning("invited registration left for approval: %s", type(exc).__name__)
        organization = db.session.get(Organization, ctx.organization_id)
        if organization is not None:  # it waits like any other: say so, as for any other
            notify_waiting(draft, ctx, organization)
            db.session.commit()
