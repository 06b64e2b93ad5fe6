"""Reading organizations and memberships: the queries the portal, the consoles and live
authorization share."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from flask import abort
from sqlalchemy import ColumnElement, bindparam

from idp_bridge.autocommit import AutocommitStatement
from idp_bridge.extensions import db
from idp_bridge.organizations.models import Membership, Organization


@dataclass(frozen=True)
class OrgChoice:
    """One of a person's organizations as the switcher and the home page show it."""

    key: str
    name: str
    status: str  # what the user sees: approved, pending, denied, removed
    usable: bool
    site_admin: bool = False
    roles: tuple[str, ...] = field(default_factory=tuple)


def approved_memberships(subject: str) -> list[OrgChoice]:
    """Where ``subject`` is approved now, in an organization that is active now (and not
    suspended by an eligibility flag, idp_bridge.exclusions): the usable ones of
    :func:`organization_choices`, with the Site Administrator flag and roles access is
    made of."""
    return [choice for choice in organization_choices(subject) if choice.usable]


def not_suspended() -> ColumnElement[bool]:
    """No eligibility flag (NPPES deactivation, LEIE/SAM match) holds the organization's
    access now: an organization-level suspension, decided live on every request."""
    from idp_bridge.exclusions.models import EligibilityFlag

    return ~db.select(EligibilityFlag.id).where(
        EligibilityFlag.organization_id == Organization.id,
        EligibilityFlag.holds_access.is_(True)).exists()


def organization_choices(subject: str) -> list[OrgChoice]:
    """Every organization the person registered with, usable ones first, then by name.
    Usable only while approved in an active organization; the rest show their status.

    Read as one statement committing by itself (issue 26: the header's switcher is on every
    signed-in page, and through the ORM it began a transaction only to roll it back)."""
    choices = [_choice(row) for row in _choices_statement().run(subject=subject)]
    return sorted(choices, key=lambda c: (not c.usable, c.name))


@functools.cache
def _choices_statement() -> AutocommitStatement:
    """Built at first use: ``not_suspended`` names a model that imports this module."""
    return AutocommitStatement(
        db.select(Organization.key, Organization.name,
                  Organization.status.label("organization_status"), Membership.status,
                  Membership.is_site_admin, Membership.roles, not_suspended().label("not_held"))
        .join(Organization, Membership.organization_id == Organization.id)
        .where(Membership.user_id == bindparam("subject")))


def _choice(row: Any) -> OrgChoice:
    active, approved = row.organization_status == "active", row.status == "approved"
    usable = approved and active and bool(row.not_held)
    status = "pending" if row.organization_status == "pending" else row.status
    if approved and active and not row.not_held:
        status = "suspended"  # an eligibility flag holds the organization's access
    return OrgChoice(row.key, row.name, status, usable,
                     site_admin=usable and row.is_site_admin,
                     roles=tuple(row.roles or []) if usable else ())


def active_organization(key: str) -> Organization | None:
    return db.session.scalars(db.select(Organization).where(
        Organization.key == key, Organization.status == "active", not_suspended())).first()


def active_organization_or_404(key: str) -> Organization:
    """For a view whose address names the organization: not found, not active or suspended
    all answer 404 alike (the address says nothing about which)."""
    organization = active_organization(key)
    if organization is None:
        abort(404)
    return organization
