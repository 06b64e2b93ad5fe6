"""The screens of a second-factor reset: the Site Administrator's (their organization's
members) and the plan administrator's (anyone with a membership). Step 1: reason or ticket
number, "Email a check code"; step 2: the code the person reads back, passkeys too or not,
"Reset second factor"."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from idp_bridge.approvals.decisions import DecisionFailed
from idp_bridge.auth import current_actor, plan_admin_required, site_admin_required
from idp_bridge.extensions import db
from idp_bridge.forms import submitted
from idp_bridge.keycloak.gateway import GatewayError
from idp_bridge.messages import message
from idp_bridge.organizations.models import Membership
from idp_bridge.organizations.queries import active_organization
from idp_bridge.recovery import rules, service
from idp_bridge.recovery.forms import ResetForm

bp = Blueprint("lost_phone", __name__, template_folder="templates")

SITE = "/org/<org_key>/members/<int:membership_id>/second-factor"
PLAN = "/admin/memberships/<int:membership_id>/second-factor"


def _member_of(org_key: str, membership_id: int) -> Membership:
    organization = active_organization(org_key)
    membership = db.session.get(Membership, membership_id)
    if organization is None or membership is None or \
            membership.organization_id != organization.id or membership.status != "approved":
        abort(404)  # never another organization's people
    return membership


def _any_member(membership_id: int) -> Membership:
    membership = db.session.get(Membership, membership_id)
    if membership is None:
        abort(404)
    return membership


@bp.route(SITE, methods=["GET", "POST"])
@site_admin_required
def site_admin_reset(org_key: str, membership_id: int) -> Any:
    membership = _member_of(org_key, membership_id)
    back = url_for("site_admin.members", org_key=org_key)
    return _screen(membership, rules.SITE_ADMIN, back)


@bp.route(PLAN, methods=["GET", "POST"])
@plan_admin_required
def plan_admin_reset(membership_id: int) -> Any:
    membership = _any_member(membership_id)
    back = url_for("plan_admin.organization", org_id=membership.organization_id)
    return _screen(membership, rules.PLAN_ADMIN, back)


def _screen(membership: Membership, console: str, back: str) -> Any:
    actor = current_actor()
    form = submitted(ResetForm) if request.method == "POST" else ResetForm(formdata=None)
    attempt_id = form.attempt.data or ""
    reason = (form.reason.data or "")[:rules.REASON_MAX + 50]
    step = "reason"
    try:
        problem = rules.refusal(console, actor.id, membership.user_id,
                                service.is_plan_admin(membership.user_id))
        if problem:
            flash(message(problem), "error")
            return redirect(back)
        if request.method == "POST" and form.step.data == "send":
            attempt = service.start(actor, service.target_of(
                membership.user_id, membership.organization.key), console, reason)
            attempt_id, step = str(attempt.id), "code"
            flash(message("reset.check_sent"), "success")
        elif request.method == "POST" and form.step.data == "confirm":
            step = "code"
            service.confirm(actor, int(attempt_id) if attempt_id.isdigit() else 0,
                            (form.code.data or "")[:20], form.passkeys.data == "yes")
            flash(message("reset.done", name=membership.full_name), "success")
            return redirect(back)
    except DecisionFailed as exc:
        flash(str(exc), "error")
    except GatewayError:
        flash(message("reset.keycloak"), "error")
    return render_template("recovery/reset.html", membership=membership, step=step,
                           attempt_id=attempt_id, reason=reason, back=back, form=form)
