"""NPIs and TINs added after registration: a Site Administrator asks, a plan administrator
decides (the guides: the health plan verifies who may act for an NPI).

A requested pair is PENDING: it is in no group attribute, so in no token, claim or page as
the organization's, until ``approve_identifier``. A denied request is deleted. Both decisions
are units of work (``decisions.decision``) and audited; the audit keeps a masked TIN.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm.exc import ObjectDeletedError

from idp_bridge import audit
from idp_bridge.approvals.decisions import DecisionFailed, decision, lock_organization
from idp_bridge.audit.actor import Actor
from idp_bridge.clock import utcnow
from idp_bridge.extensions import db
from idp_bridge.messages import message
from idp_bridge.npi.identifiers import masked_tin
from idp_bridge.npi.pairs import Purpose, validate_pair
from idp_bridge.organizations import group_shape
from idp_bridge.organizations.models import (
    APPROVED,
    PENDING,
    Organization,
    OrganizationIdentifier,
)
from idp_bridge.row_locks import hold


def request_identifier(organization: Organization, npi_typed: str, tin_typed: str,
                       actor: Actor) -> dict[str, str]:
    """Returns the messages per field; empty when the request was recorded (pending)."""
    check = validate_pair(npi_typed, tin_typed, Purpose.ADD_TO_ORGANIZATION, organization)
    if not check.ok:
        return {name: problem.text for name, problem in check.errors.items()}
    try:
        with decision():
            lock_organization(organization)
            organization.identifiers.append(OrganizationIdentifier(
                npi=check.npi, tin=check.tin, status=PENDING, requested_by=actor.email))
            _event("identifier.request", organization, check.npi, check.tin, actor)
    except DecisionFailed:
        # The pair is unique in the database: if it was taken a moment ago, say so.
        if OrganizationIdentifier.query.filter_by(npi=check.npi, tin=check.tin).first():
            return {"form": message("pair.just_taken")}
        raise
    return {}


def pending_requests(limit: int = 200,
                     scope: ColumnElement[bool] | None = None) -> list[OrganizationIdentifier]:
    """The review queue's NPI/TIN requests, oldest first; ``scope`` filters on the
    organization (e.g. the brands an administrator sees)."""
    query = select(OrganizationIdentifier).join(Organization) \
        .where(OrganizationIdentifier.status == PENDING)
    if scope is not None:
        query = query.where(scope)
    return list(db.session.scalars(
        query.order_by(OrganizationIdentifier.added_at, OrganizationIdentifier.id).limit(limit)))


def pending_count(scope: ColumnElement[bool] | None = None) -> int:
    query = select(func.count()).select_from(OrganizationIdentifier).join(Organization) \
        .where(OrganizationIdentifier.status == PENDING)
    if scope is not None:
        query = query.where(scope)
    return int(db.session.scalar(query) or 0)


def approve_identifier(pair: OrganizationIdentifier, actor: Actor) -> None:
    """The pair becomes the organization's: in its group's attributes, so in its members'
    next tokens. Refused if another organization holds the NPI by now."""
    organization = pair.organization
    with decision() as changes:
        lock_organization(organization)
        # Every row of this NPI, whichever organization: two approvals of one NPI for two
        # organizations (both asked before either was decided) are serialized here.
        hold(OrganizationIdentifier, OrganizationIdentifier.npi == pair.npi)
        _still_pending(pair)
        others = OrganizationIdentifier.query.filter(
            OrganizationIdentifier.npi == pair.npi,
            OrganizationIdentifier.organization_id != organization.id,
            OrganizationIdentifier.status == APPROVED).count()
        if others:
            raise DecisionFailed(message("pair.owned_elsewhere"))
        pair.status, pair.decided_by, pair.decided_at = APPROVED, actor.email, utcnow()
        if organization.keycloak_group_id and organization.status == "active":
            changes.set_attributes(organization.keycloak_group_id,
                                   group_shape.merged(changes.gateway.group_attributes(
                                       organization.keycloak_group_id), organization))
        _event("identifier.approve", organization, pair.npi, pair.tin, actor,
               requested_by=pair.requested_by)


def deny_identifier(pair: OrganizationIdentifier, actor: Actor) -> None:
    """The request is deleted: it was never the organization's, and the pair is free again."""
    organization = pair.organization
    with decision():
        lock_organization(organization)
        _still_pending(pair)
        _event("identifier.deny", organization, pair.npi, pair.tin, actor,
               requested_by=pair.requested_by)
        db.session.delete(pair)


def _still_pending(pair: OrganizationIdentifier) -> None:
    try:
        db.session.refresh(pair)  # after the lock: what the other reviewer left
    except ObjectDeletedError:
        raise DecisionFailed(message("pair.reviewed_already")) from None
    if pair.status != PENDING:
        raise DecisionFailed(message("pair.reviewed_already"))


def _event(action: str, organization: Organization, npi: str, tin: str, actor: Actor,
           **details: str) -> None:
    audit.record(action, actor=actor, organization_key=organization.key, npi=npi,
                 tin=masked_tin(tin), **details)
