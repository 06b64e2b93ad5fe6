"""Finish a registration: the organization (if new), its group, the membership request.

Nothing about a new organization exists until this runs. Keycloak is changed first and
undone if the database write fails, so a failure leaves neither half behind and the user
can simply retry. The Keycloak write is idempotent: a group left by an earlier attempt that
crashed before its database commit is taken over, not tripped over. The login is locked
against the abandoned-draft cleanup first (``drafts.hold_login``), so a membership is never
recorded for a login that cleanup is removing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from idp_bridge import audit
from idp_bridge.audit.actor import Actor
from idp_bridge.brand import brand_or_default
from idp_bridge.clock import epoch, utcnow
from idp_bridge.extensions import commit_keeping_loaded, db
from idp_bridge.keycloak.extension import get_gateway
from idp_bridge.keycloak.gateway import GatewayError, KeycloakUser
from idp_bridge.keycloak.groups import org_path
from idp_bridge.keycloak.protocol import Gateway
from idp_bridge.limits.client import client_address
from idp_bridge.mail import enqueue
from idp_bridge.messages import Problem, message, problem
from idp_bridge.npi.pairs import owner_of_pair
from idp_bridge.organizations import group_shape
from idp_bridge.organizations.keys import key_for
from idp_bridge.organizations.models import Membership, Organization, OrganizationIdentifier
from idp_bridge.registration import context
from idp_bridge.registration.context import Person, RegistrationContext
from idp_bridge.registration.drafts import LoginGone, RegistrationGone, hold_login
from idp_bridge.registration.models import RegistrationDraft, TermsAcceptance

log = logging.getLogger(__name__)
TERMS_VERSION = "2020-09"  # the SSM Health Single Sign-On and Provider Portal terms


class CompletionFailed(RuntimeError):
    """Shown to the user as is; the registration can be retried.

    ``join_organization_id``: the organization now exists (someone else registered it a
    moment ago), so the registrant is offered the guide's 17712 path: join it as an
    Individual.
    """

    def __init__(self, problem: Problem, join_organization_id: int | None = None) -> None:
        super().__init__(problem.text)
        self.problem = problem
        self.join_organization_id = join_organization_id


# Other areas act on a completed registration after its commit without this module importing
# them (idp_bridge.invitations: an invited registration is approved with its preset roles).
COMPLETED: list[Callable[[RegistrationDraft, str], None]] = []


def complete_registration(draft: RegistrationDraft, user_id: str) -> None:
    """Record the membership (and the organization, terms, audit event and mails) for
    ``user_id``. The caller holds the draft's row (registration/draft_rows.py) and hands the
    draft to this session (``draft_rows.attached``)."""
    if draft.completed_at is not None:
        return
    login = _hold(draft, user_id)
    try:
        organization, created_group = _organization_for(draft)
    except CompletionFailed:
        db.session.rollback()  # lets go of the locks _hold took
        raise
    try:
        _record(draft, organization, login)
        commit_keeping_loaded()  # the completion hooks read the draft as just written
    except CompletionFailed:
        db.session.rollback()
        raise
    except SQLAlchemyError as exc:
        db.session.rollback()
        if created_group:
            _undo_group(organization.key, created_group)
        if isinstance(exc, IntegrityError):
            _raise_if_taken(draft, user_id)
        log.warning("registration could not be saved: %s", type(exc).__name__)
        raise CompletionFailed(problem("registration.try_again")) from exc
    for hook in COMPLETED:
        hook(draft, user_id)


def _organization_for(draft: RegistrationDraft) -> tuple[Organization, str | None]:
    """The organization joined or created, and the id of a group this call created."""
    if draft.account_type == "organization":
        return _create_organization(draft)
    found = db.session.get(Organization, context.load(draft).organization_id)
    if found is None or found.status == "denied":
        raise CompletionFailed(problem("org.gone"))
    return found, None


def _hold(draft: RegistrationDraft, user_id: str) -> KeycloakUser:
    """The login, locked against cleanup until this completion commits or rolls back: a
    cleanup that removed it (or this registration) first is answered here, not by a
    membership for a login that no longer exists."""
    try:
        return hold_login(draft, user_id)
    except RegistrationGone as exc:
        db.session.rollback()
        raise CompletionFailed(problem("registration.gone")) from exc
    except LoginGone as exc:
        db.session.rollback()
        raise CompletionFailed(problem("registration.login_gone")) from exc
    except GatewayError as exc:
        db.session.rollback()
        raise CompletionFailed(problem("registration.try_again")) from exc


def _record(draft: RegistrationDraft, organization: Organization, login: KeycloakUser) -> None:
    ctx = context.load(draft)
    person = _person(ctx)
    user_id = login.id
    if organization.id is not None and Membership.query.filter_by(
            organization_id=organization.id, user_id=user_id).first():
        raise CompletionFailed(problem("registration.already_member"))
    db.session.add(Membership(
        organization=organization, user_id=user_id, email=person.email,
        first_name=person.first_name, last_name=person.last_name,
        job_title=person.job_title, is_site_admin=ctx.site_admin,
        phone=person.phone, communications_opt_in=person.opt_in == "in",
    ))
    _record_terms(login)
    audit.record("registration.complete",
                 actor=Actor(id=user_id, email=person.email, ip=client_address()),
                 subject_id=user_id, subject_email=person.email,
                 organization_key=organization.key, account_type=draft.account_type or "",
                 merged=ctx.merge)
    draft.completed_at = utcnow()
    draft.step = "complete"
    _notify(draft, ctx, organization)  # rows in this same transaction


def _person(ctx: RegistrationContext) -> Person:
    assert ctx.individual is not None, "Individual Enrollment comes before completion"
    return ctx.individual


def _raise_if_taken(draft: RegistrationDraft, user_id: str) -> None:
    """After a unique violation: say what now exists, and offer the way forward."""
    ctx = context.load(draft)
    if draft.account_type == "organization":
        owner = owner_of_pair(ctx.npi, ctx.tin)
        if owner is not None:
            raise CompletionFailed(problem("org.exists"), join_organization_id=owner.id)
    elif Membership.query.filter_by(organization_id=ctx.organization_id,
                                    user_id=user_id).first():
        raise CompletionFailed(problem("registration.already_member"))


def _create_organization(draft: RegistrationDraft) -> tuple[Organization, str | None]:
    """The new organization (not yet committed) and the id of a group this call created."""
    ctx = context.load(draft)
    owner = owner_of_pair(ctx.npi, ctx.tin)
    if owner is not None:
        if owner.status == "denied":
            raise CompletionFailed(problem("org.denied"))
        raise CompletionFailed(problem("org.exists"), join_organization_id=owner.id)
    details = ctx.organization
    assert details is not None, "Organization Enrollment comes before completion"
    organization = Organization(
        key=key_for(ctx.npi, ctx.tin), name=details.organization_name,
        doing_business_as=details.doing_business_as, address_line1=details.address_line1,
        address_line2=details.address_line2, city=details.city, state=details.state,
        zip=details.zip, business_phone=details.business_phone, email=details.email,
        registry_name=ctx.registry_name,
    )
    organization.identifiers.append(
        OrganizationIdentifier(npi=ctx.npi, tin=ctx.tin, is_primary=True))
    # registered_at: `flask reconcile` leaves a young group alone (it may be finishing now).
    attributes = group_shape.at_registration(organization, epoch())
    try:
        group_id, created = ensure_org_group(get_gateway(), organization.key, attributes)
    except GatewayError as exc:
        raise CompletionFailed(problem("registration.try_again")) from exc
    organization.keycloak_group_id = group_id
    db.session.add(organization)
    return organization, group_id if created else None


def ensure_org_group(gateway: Gateway, key: str,
                     attributes: dict[str, list[str]]) -> tuple[str, bool]:
    """The organization's group, created or (left by a crashed attempt) taken over."""
    existing = gateway.group_by_path(org_path(key))
    if existing is not None:
        gateway.update_group_attributes(str(existing["id"]), attributes)
        return str(existing["id"]), False
    try:
        return gateway.create_subgroup(gateway.orgs_group_id(), key, attributes), True
    except GatewayError:
        # Created a moment ago by a concurrent attempt: use it, the database decides.
        existing = gateway.group_by_path(org_path(key))
        if existing is None:
            raise
        return str(existing["id"]), False


def _undo_group(key: str, group_id: str) -> None:
    """Remove the group this attempt created, unless an organization now uses it."""
    if Organization.query.filter_by(key=key).first() is not None:
        return
    try:
        get_gateway().delete_group(group_id)
    except GatewayError:
        log.warning("could not remove group %s; `flask reconcile` will", key)


def _record_terms(login: KeycloakUser) -> None:
    if login.attribute("terms_and_conditions"):
        db.session.add(TermsAcceptance(user_id=login.id, version=TERMS_VERSION))


def _notify(draft: RegistrationDraft, ctx: RegistrationContext,
            organization: Organization) -> None:
    if ctx.invitation_id is not None:
        # Invited: approved at once by the invitation's hook, which mails the welcome (and
        # calls notify_waiting itself if it cannot approve now). No "awaits approval" mails.
        return
    notify_waiting(draft, ctx, organization)


def notify_waiting(draft: RegistrationDraft, ctx: RegistrationContext,
                   organization: Organization) -> None:
    """The registrant's confirmation and the reviewers' "awaits review" mails."""
    brand = brand_or_default(draft.brand)  # the registration's own, whichever address finishes it
    person = _person(ctx)
    kind = "organization" if draft.account_type == "organization" else "individual"
    review = message(f"registration.received.review.{kind}", brand,
                     organization=organization.name)
    enqueue("registration.received", person.email,
            message("registration.received.subject", brand),
            message("registration.received.body", brand, review=review), brand=brand.key)
    if kind == "organization":
        reviewers = _plan_admin_emails()
    else:
        reviewers = [admin.email for admin in Membership.query.filter_by(
            organization_id=organization.id, is_site_admin=True, status="approved")]
    for email in reviewers:
        enqueue("registration.review", email,
                message(f"registration.review.{kind}.subject", brand),
                message(f"registration.review.{kind}.body", brand,
                        organization=organization.name, npi=ctx.npi,
                        first_name=person.first_name, last_name=person.last_name))


def _plan_admin_emails() -> list[str]:
    try:
        return get_gateway().role_member_emails("plan-admin")
    except GatewayError:
        return []


def join_as_individual(draft: RegistrationDraft, organization: Organization) -> None:
    """The 17712 path at the end of the wizard: the same person, as an Individual."""
    draft.account_type = "individual"
    ctx = context.load(draft)
    ctx.organization_id = organization.id
    ctx.site_admin = False
    context.save(draft, ctx)
