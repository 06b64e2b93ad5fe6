"""Plan administrators' "Registry changes": the flags raised on approved organizations.

Only a plan administrator (asked of Keycloak on every request) sees or decides them, and a
brand's administrator only that brand's (``auth/admin_brands``); a decision is a POST with the
console's CSRF token and a note, applied as a unit of work.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import case, select

from idp_bridge.approvals.decisions import DecisionFailed
from idp_bridge.auth import admin_brands, current_actor, plan_admin_required
from idp_bridge.exclusions import flags as rule
from idp_bridge.exclusions import screening
from idp_bridge.exclusions.forms import FlagDecisionForm
from idp_bridge.exclusions.layouts import SOURCES
from idp_bridge.exclusions.models import EligibilityFlag
from idp_bridge.extensions import db
from idp_bridge.forms import submitted
from idp_bridge.messages import message
from idp_bridge.organizations.models import Organization

bp = Blueprint("exclusions", __name__, url_prefix="/admin/registry-changes",
               template_folder="templates")
PAGE = 200


@bp.get("")
@plan_admin_required
def queue() -> str:
    return _queue_page()


def _queue_page(error: str = "", error_flag: int | None = None, note: str = "") -> str:
    show = request.args.get("show", "standing")
    states = rule.STATES if show == "all" else rule.STANDING
    order = case({rule.OPEN: 0, rule.SUSPENDED: 1, rule.KEPT: 2}, value=EligibilityFlag.state,
                 else_=3)
    flags = list(db.session.scalars(select(EligibilityFlag).join(Organization)
                                    .where(EligibilityFlag.state.in_(states),
                                           admin_brands.brand_filter(Organization.brand))
                                    .order_by(order, EligibilityFlag.raised_at.desc())
                                    .limit(PAGE)))
    return render_template("exclusions/queue.html", flags=flags, sources=SOURCES, show=show,
                           registry_url=screening.NPI_REGISTRY_URL, error=error,
                           error_flag=error_flag, note=note, rule=rule,
                           form=FlagDecisionForm(formdata=None), state_label=_state_label)


def _state_label(flag: EligibilityFlag) -> str:
    held = ".held" if flag.state == rule.OPEN and flag.holds_access else ""
    return message(f"exclusions.state.{flag.state}{held}")


@bp.post("/<int:flag_id>/<any(keep, suspend):event>")
@plan_admin_required
def decide(flag_id: int, event: str) -> Any:
    note = (submitted(FlagDecisionForm).note.data or "").strip()
    if len(note) > rule.MAX_NOTE:
        return _queue_page(message("note.too_long", max_length=rule.MAX_NOTE),
                           flag_id, note[:rule.MAX_NOTE]), 422
    flagged = db.session.get(EligibilityFlag, flag_id)
    if flagged is not None:  # another plan's flag: 403 before anything changes
        admin_brands.require_brand(flagged.organization.brand)
    try:
        flag = screening.decide(flag_id, event, note, current_actor())
    except DecisionFailed as exc:
        return _queue_page(str(exc), flag_id, note), 409
    flash(message(f"exclusions.decided.{event}", organization=flag.organization.name),
          "success")
    return redirect(url_for(".queue"))
