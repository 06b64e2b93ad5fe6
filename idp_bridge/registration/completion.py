"""Finish a registration: the organization (if new), its group, the membership request.

Nothing about a new organization exists until this runs. Keycloak is changed first and
undone if the database write fails, so a failure leaves neither half behind and the user
can simply retry.
"""

from __future__ import annotations

import logging

from flask import current_app
from sqlalchemy.exc import IntegrityError

from idp_bridge import audit
from idp_bridge.extensions import db
from idp_bridge.gateway import get_gateway
from idp_bridge.keycloak_gateway import GatewayError
from idp_bridge.mailer import MailError, send_mail
from idp_bridge.models import Membership, Organization, OrganizationIdentifier, utcnow
from idp_bridge.registration.models import RegistrationDraft, TermsAcceptance
from idp_bridge.registration.stages.account import ORG_EXISTS, registered_pair

log = logging.getLogger(__name__)
TERMS_VERSION = "2020-09"  # the SSM Health Single Sign-On and Provider Portal terms


class CompletionFailed(RuntimeError):
    """Shown to the user as is; the registration can be retried."""


def complete_registration(draft: RegistrationDraft, user_id: str) -> None:
    if draft.completed_at is not None:
        return
    if draft.account_type == "organization":
        organization = _create_organization(draft)
    else:
        found = db.session.get(Organization, draft.context["organization_id"])
        if found is None or found.status == "denied":
            raise CompletionFailed("This Organization account is no longer available.")
        organization = found
    person = draft.context["individual"]
    if Membership.query.filter_by(organization_id=organization.id, user_id=user_id).first():
        raise CompletionFailed("You have already registered with this Organization.")
    db.session.add(Membership(
        organization=organization, user_id=user_id, email=person["email"],
        first_name=person["first_name"], last_name=person["last_name"],
        job_title=person["job_title"], is_site_admin=bool(draft.context.get("site_admin")),
    ))
    _record_terms(user_id)
    audit.record("registration.complete", subject_id=user_id, subject_email=person["email"],
                 organization_key=organization.key, account_type=draft.account_type or "",
                 merged=bool(draft.context.get("merge")))
    draft.completed_at = utcnow()
    draft.step = "complete"
    try:
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        _undo_group(organization)
        raise CompletionFailed(ORG_EXISTS) from exc
    _notify(draft, organization)


def _create_organization(draft: RegistrationDraft) -> Organization:
    ctx = draft.context
    if registered_pair(ctx["npi"], ctx["tin"]):
        raise CompletionFailed(ORG_EXISTS)
    details = ctx["organization"]
    organization = Organization(
        key=f"{ctx['npi']}-{ctx['tin']}", name=details["organization_name"],
        doing_business_as=details["doing_business_as"], address_line1=details["address_line1"],
        address_line2=details["address_line2"], city=details["city"], state=details["state"],
        zip=details["zip"], business_phone=details["business_phone"], email=details["email"],
        registry_name=ctx.get("registry_name", ""),
    )
    organization.identifiers.append(
        OrganizationIdentifier(npi=ctx["npi"], tin=ctx["tin"], is_primary=True))
    gateway = get_gateway()
    try:
        organization.keycloak_group_id = gateway.create_subgroup(
            gateway.orgs_group_id(), organization.key,
            {"name": [organization.name], "npi": [ctx["npi"]], "tin": [ctx["tin"]]},
        )
    except GatewayError as exc:
        raise CompletionFailed("We couldn't finish your registration just now. Please try "
                               "again in a moment.") from exc
    db.session.add(organization)
    return organization


def _undo_group(organization: Organization) -> None:
    if organization.keycloak_group_id:
        try:
            get_gateway().delete_group(organization.keycloak_group_id)
        except GatewayError:
            log.warning("could not remove group %s; `flask reconcile` will", organization.key)


def _record_terms(user_id: str) -> None:
    try:
        accepted = get_gateway().get_user(user_id).attribute("terms_and_conditions")
    except GatewayError:
        accepted = None
    if accepted:
        db.session.add(TermsAcceptance(user_id=user_id, version=TERMS_VERSION))


def _notify(draft: RegistrationDraft, organization: Organization) -> None:
    brand = current_app.extensions["brand"]
    person = draft.context["individual"]
    messages = [(person["email"], f"{brand.portal_name} registration received",
                 _confirmation_text(draft, organization, brand.reviewing_admin))]
    if draft.account_type == "organization":
        for email in _plan_admin_emails():
            messages.append((email, "New organization registration to review",
                             f"{organization.name} (NPI {draft.context['npi']}) registered on "
                             f"the {brand.portal_name} and awaits review."))
    else:
        for admin in Membership.query.filter_by(organization_id=organization.id,
                                                is_site_admin=True, status="approved"):
            messages.append((admin.email, "New user registration to review",
                             f"{person['first_name']} {person['last_name']} registered under "
                             f"{organization.name} and awaits your approval."))
    failed = False
    for to, subject, body in messages:
        try:
            send_mail(to, subject, body)
        except MailError:
            failed = True
    if failed:
        draft.update(mail_failed=True)
        db.session.commit()


def _confirmation_text(draft: RegistrationDraft, organization: Organization,
                       reviewer: str) -> str:
    if draft.account_type == "organization":
        review = (f"The registration information provided will be reviewed by a {reviewer}. "
                  "You will receive an email confirmation within two business days. If any "
                  f"further information is needed, the {reviewer} will call to verify any "
                  "details in question.")
    else:
        review = (f"Your request to access {organization.name} will be reviewed by the "
                  "Organization's Site Administrator. Once the review is complete, an email "
                  "will be sent to this address.")
    return ("Thank you for registering for the Provider Portal.\n\n"
            "Please be aware this is a confirmation of registration only, and not an approval "
            f"of access.\n\n{review}\n")


def _plan_admin_emails() -> list[str]:
    try:
        return get_gateway().role_member_emails("plan-admin")
    except GatewayError:
        return []
