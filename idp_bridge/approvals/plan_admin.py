"""Plan administrators: review new organizations, search, audit log, reconcile."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)

from idp_bridge import audit
from idp_bridge.approvals import decisions, identifiers, listing
from idp_bridge.approvals.aging import REVIEW_WITHIN_BUSINESS_DAYS, Aging, aging
from idp_bridge.approvals.forms import OrganizationDecisionForm
from idp_bridge.approvals.reconcile import reconcile
from idp_bridge.audit import AuditEvent, verify_chain
from idp_bridge.audit.csv_export import audit_csv
from idp_bridge.auth import admin_brands, current_actor, plan_admin_required
from idp_bridge.brand import BRANDS
from idp_bridge.clock import utcnow
from idp_bridge.exclusions import review as exclusion_review
from idp_bridge.extensions import db
from idp_bridge.forms import ActionForm, submitted
from idp_bridge.keycloak.gateway import GatewayError
from idp_bridge.lifecycle.models import logins_by_user
from idp_bridge.messages import message
from idp_bridge.npi import get_registry
from idp_bridge.npi.registry import RegistryUnavailable
from idp_bridge.organizations.export import memberships_csv
from idp_bridge.organizations.models import Membership, Organization, OrganizationIdentifier

MAX_NOTE = 2000
bp = Blueprint("plan_admin", __name__, url_prefix="/admin", template_folder="templates")


@bp.get("/organizations")
@plan_admin_required
def organizations() -> str:
    wanted = admin_brands.chosen_brand(request.args.get("brand"))
    page = listing.organization_page(
        request.args, scope=admin_brands.brand_filter(Organization.brand, wanted))
    page.brand = wanted
    return render_template("approvals/plan_organizations.html", page=page,
                           action=ActionForm(formdata=None),
                           organizations=page.rows["organizations"], q=page.q,
                           status=page.status, aging=_aging,
                           review_days=REVIEW_WITHIN_BUSINESS_DAYS,
                           identifier_requests=identifiers.pending_count(
                               admin_brands.brand_filter(Organization.brand)),
                           brands=[BRANDS[key] for key in sorted(admin_brands.visible_brands())],
                           every_brand=admin_brands.sees_every_brand(),
                           brand_names={key: b.plan_name for key, b in BRANDS.items()})


# NPI/TIN pairs Site Administrators asked to add (sec-claims) ------------------------------

IDENTIFIER_PAGE = 50


@bp.get("/identifiers")
@plan_admin_required
def identifier_requests() -> str:
    """Each request beside what the registry says about its NPI and the organization asking."""
    requests = identifiers.pending_requests(
        IDENTIFIER_PAGE, scope=admin_brands.brand_filter(Organization.brand))
    registry = get_registry(current_app)
    records = {}
    for pair in requests:
        try:
            records[pair.id] = registry.lookup(pair.npi)
        except RegistryUnavailable:
            records[pair.id] = None
    return render_template("approvals/plan_identifiers.html", requests=requests,
                           records=records, action=ActionForm(formdata=None))


@bp.post("/identifiers/<int:pair_id>/<any(approve, deny):verdict>")
@plan_admin_required
def identifier_decide(pair_id: int, verdict: str) -> Any:
    submitted(ActionForm)
    pair = db.session.get(OrganizationIdentifier, pair_id)
    if pair is None:
        flash(message("pair.reviewed_already"), "error")
        return redirect(url_for(".identifier_requests"))
    admin_brands.require_brand(pair.organization.brand)  # another plan's request: 403
    npi, name = pair.npi, pair.organization.name
    action = identifiers.approve_identifier if verdict == "approve" else \
        identifiers.deny_identifier
    try:
        action(pair, current_actor())
    except decisions.DecisionFailed as exc:
        flash(str(exc), "error")
        return redirect(url_for(".identifier_requests"))
    flash(message("pair.approved" if verdict == "approve" else "pair.denied", npi=npi,
                  organization=name), "success")
    return redirect(url_for(".identifier_requests"))


def _aging(organization: Organization) -> Aging:
    return aging(organization.created_at, utcnow())


def _organization(org_id: int) -> Organization:
    """The organization, if it is of a brand this reviewer administers now (else 403)."""
    organization = db.session.get(Organization, org_id)
    if organization is None:
        abort(404)
    admin_brands.require_brand(organization.brand)
    return organization


@bp.get("/organizations/<int:org_id>")
@plan_admin_required
def organization(org_id: int) -> str:
    return _review_page(_organization(org_id))


def _review_page(organization: Organization, note: str = "", error: str = "",
                 override_note: str = "") -> str:
    primary = next(i for i in organization.identifiers if i.is_primary)
    try:
        record = get_registry(current_app).lookup(primary.npi)
    except RegistryUnavailable:
        record = None
    history = AuditEvent.query.filter_by(organization_key=organization.key) \
        .order_by(AuditEvent.id.desc()).limit(100).all()
    return render_template("approvals/plan_organization.html", organization=organization,
                           record=record, primary=primary, history=history,
                           form=OrganizationDecisionForm(formdata=None, data={
                               "note": note, "override_note": override_note}),
                           error=error, age=_aging(organization), brands=BRANDS,
                           exclusion_matches=exclusion_review.organization_matches(
                               organization, utcnow().date()),
                           logins=logins_by_user([m.user_id
                                                  for m in organization.memberships]),
                           eligibility_flags=exclusion_review.flags_of(organization))


@bp.post("/organizations/<int:org_id>/<any(approve, deny):verdict>")
@plan_admin_required
def decide(org_id: int, verdict: str) -> Any:
    organization = _organization(org_id)
    form = submitted(OrganizationDecisionForm)
    if organization.status != "pending":
        flash(message("organization.reviewed_already"), "error")
        return redirect(url_for(".organization", org_id=org_id))
    note = (form.note.data or "").strip()
    override_note = (form.override_note.data or "").strip()
    if len(note) > MAX_NOTE or len(override_note) > MAX_NOTE:
        return _review_page(organization, note=note[:MAX_NOTE],
                            error=message("note.too_long", max_length=MAX_NOTE),
                            override_note=override_note[:MAX_NOTE]), 422
    try:
        if verdict == "approve":
            decisions.approve_organization(organization, note, current_actor(),
                                           override_note=override_note)
        else:
            decisions.deny_organization(organization, note, current_actor())
    except decisions.DecisionFailed as exc:
        # The same page with the reviewer's notes kept, so a retry is one click.
        return _review_page(organization, note=note, error=str(exc),
                            override_note=override_note), 409
    flash(message(f"organization.decided.{verdict}", organization=organization.name),
          "success")
    return redirect(url_for(".organizations"))


@bp.get("/members.csv", endpoint="members_export")
@bp.get("/organizations/<int:org_id>/members.csv", endpoint="members_export")
@plan_admin_required
def members_export(org_id: int | None = None) -> Response:
    """Everyone's memberships (or one organization's), with their Opt In/Out choice."""
    query = db.select(Membership).join(Organization) \
        .order_by(Organization.name, Membership.last_name, Membership.first_name)
    query = query.where(admin_brands.brand_filter(Organization.brand))
    organization = _organization(org_id) if org_id is not None else None
    if organization is not None:
        query = query.where(Membership.organization_id == organization.id)
    name = f"members-{org_id}.csv" if org_id is not None else "members.csv"
    people = db.session.scalars(query).all()
    # Personal data leaving the portal: on the record before it leaves.
    audit.record("members.export", actor=current_actor(),
                 organization_key=organization.key if organization else "", rows=len(people))
    db.session.commit()
    return _csv_download(memberships_csv(people), name)


@bp.get("/audit")
@plan_admin_required
def audit_log() -> Any:
    query = AuditEvent.query
    if not admin_brands.sees_every_brand():
        # A brand's administrator reads the events of its brand's organizations only.
        query = query.filter(AuditEvent.organization_key.in_(
            db.select(Organization.key).where(admin_brands.brand_filter(Organization.brand))))
    if org := request.args.get("org"):
        query = query.filter(AuditEvent.organization_key == org)
    if since := _date(request.args.get("from")):
        query = query.filter(AuditEvent.at >= since)
    if until := _date(request.args.get("to")):
        query = query.filter(AuditEvent.at < until + timedelta(days=1))
    events = query.order_by(AuditEvent.id).limit(5000).all()
    if request.args.get("format") == "csv":
        audit.record("audit.export", actor=current_actor(), rows=len(events),
                     filters={k: request.args.get(k, "")[:64] for k in ("org", "from", "to")})
        db.session.commit()
        return _csv(events)
    intact, bad = verify_chain()
    return render_template("approvals/audit.html", events=events, intact=intact, bad=bad,
                           args=request.args)


def _date(value: str | None) -> datetime | None:
    try:
        return datetime.strptime(value, "%Y-%m-%d") if value else None
    except ValueError:
        return None


def _csv(events: list[AuditEvent]) -> Response:
    return _csv_download(audit_csv(events), "audit.csv")


def _csv_download(text: str, filename: str) -> Response:
    return Response(text, mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={filename}"})


@bp.post("/reconcile")
@plan_admin_required
def reconcile_now() -> Any:
    admin_brands.require_every_brand()  # it touches every brand's groups
    submitted(ActionForm)
    try:
        changes = reconcile(actor=current_actor())
    except GatewayError:
        flash(message("reconcile.unreachable"), "error")
        return redirect(url_for(".organizations"))
    flash(message("reconcile.done", count=len(changes), changes="; ".join(changes)),
          "success")
    return redirect(url_for(".organizations"))
