"""Re-enabling a login disabled for inactivity (a Site Administrator for a member of their
organization, from the members page; a plan administrator for anyone), the access review
screen, and the plan administrators' list of overdue reviews."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from idp_bridge.approvals import decisions
from idp_bridge.auth import (
    admin_brands,
    current_actor,
    current_user,
    plan_admin_required,
    site_admin_required,
)
from idp_bridge.clock import utcnow
from idp_bridge.extensions import db
from idp_bridge.forms import ActionForm, submitted
from idp_bridge.keycloak.errors import GatewayError
from idp_bridge.lifecycle import review
from idp_bridge.lifecycle.forms import choice_name, review_form
from idp_bridge.lifecycle.inactivity import NotDisabled, reenable
from idp_bridge.lifecycle.models import logins_by_user
from idp_bridge.messages import message
from idp_bridge.organizations.models import PORTAL_ROLES, Membership, Organization
from idp_bridge.organizations.queries import active_organization, active_organization_or_404

bp = Blueprint("lifecycle", __name__, template_folder="templates")

@bp.post("/org/<org_key>/members/<int:membership_id>/reenable")
@site_admin_required
def site_admin_reenable(org_key: str, membership_id: int) -> Any:
    submitted(ActionForm)
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
    submitted(ActionForm)
    _reenable(user_id[:64], None)
    return redirect(request.referrer if _same_site(request.referrer) else
                    url_for("plan_admin.organizations"))


def _reenable(user_id: str, name: str | None) -> None:
    """``name``: the person's, or None where only the login is known (the plan's console)."""
    try:
        reenable(user_id, current_actor())
    except NotDisabled as exc:
        flash(str(exc), "error")
    except GatewayError:
        flash(message("login.keycloak_away"), "error")
    else:
        flash(message("login.can_sign_in", name=name) if name else
              message("login.can_sign_in.plan_admin"), "success")


def _same_site(url: str | None) -> bool:
    return bool(url) and str(url).startswith(request.host_url)


# The access review ---------------------------------------------------------------------------


@bp.route("/org/<org_key>/access-review", methods=["GET", "POST"])
@site_admin_required
def access_review(org_key: str) -> Any:
    organization = active_organization_or_404(org_key)
    people = review.people_to_review(organization)
    choices: dict[int, str] = {}
    problem = ""
    form_class = review_form(p.membership.id for p in people)
    form = form_class(formdata=None)
    if request.method == "POST":
        form = submitted(form_class)
        choices = {p.membership.id: (form[choice_name(p.membership.id)].data or "")[:10]
                   for p in people}
        try:
            review.complete_review(organization, choices, current_actor())
        except review.ReviewInvalid as exc:
            problem = message(str(exc))
        except decisions.DecisionFailed as exc:
            problem = str(exc)
        except GatewayError:
            problem = message("login.keycloak_away")
        else:
            flash(message("access_review.done"), "success")
            return redirect(url_for("portal.home"))
    return render_template(
        "lifecycle/access_review.html", organization=organization, people=people,
        review=review.review_of(organization), form=form, problem=problem,
        roles=PORTAL_ROLES, logins=logins_by_user([p.membership.user_id for p in people]),
        every=review.policy().every, grace=review.policy().grace), (422 if problem else 200)


@bp.get("/admin/access-reviews")
@plan_admin_required
def overdue_reviews() -> str:
    # A brand's administrator sees that brand's organizations only, as in the other queues.
    overdue = review.overdue_organizations(
        utcnow(), scope=admin_brands.brand_filter(Organization.brand))
    return render_template("lifecycle/overdue_reviews.html", overdue=overdue, now=utcnow())


# Pages a due review comes before: the Site Administrator's own portal pages.
REVIEW_FIRST_BLUEPRINTS = frozenset({"portal", "site_admin"})


def review_comes_first() -> Any:
    """Once an organization's review is due, its Site Administrator's next portal page is the
    review (one indexed query on the pages it applies to)."""
    if request.method != "GET" or request.blueprint not in REVIEW_FIRST_BLUEPRINTS:
        return None
    user = current_user()
    if user is None or request.endpoint == "site_admin.member_passkeys":
        return None
    org_key = review.review_to_do(str(user["sub"]), utcnow())
    if org_key is None:
        return None
    return redirect(url_for("lifecycle.access_review", org_key=org_key))
