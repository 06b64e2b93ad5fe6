"""Approval decisions: each changes Keycloak (what is granted), the database (why), the audit
log, and emails the person concerned. A failed Keycloak call leaves nothing half-done."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import current_app
from sqlalchemy.exc import SQLAlchemyError

from idp_bridge import audit
from idp_bridge.approvals.org_groups import SITE_ADMINS, KeycloakChanges, ensure_structure, group_id
from idp_bridge.extensions import db
from idp_bridge.gateway import get_gateway
from idp_bridge.keycloak_gateway import GatewayError
from idp_bridge.mailer import MailError, send_mail
from idp_bridge.models import PORTAL_ROLES, Membership, Organization, utcnow

log = logging.getLogger(__name__)


class DecisionFailed(RuntimeError):
    """Shown to the administrator; nothing was changed and the decision can be retried."""


@contextmanager
def decision() -> Iterator[KeycloakChanges]:
    changes = KeycloakChanges(get_gateway())
    try:
        yield changes
        db.session.commit()
    except GatewayError as exc:
        changes.undo()
        db.session.rollback()
        raise DecisionFailed("Keycloak could not apply this change just now; nothing was "
                             "changed. Please try again.") from exc
    except SQLAlchemyError as exc:
        changes.undo()
        db.session.rollback()
        raise DecisionFailed("The change could not be saved; nothing was changed. Please try "
                             "again.") from exc


def _email(to: str, subject: str, body: str) -> None:
    try:
        send_mail(to, subject, body)
    except MailError:
        log.warning("decision email to %s not sent", to)


def _portal() -> str:
    return str(current_app.extensions["brand"].portal_name)


def _by(actor: dict[str, str]) -> str:
    return actor.get("email", "")


# Plan administrators ---------------------------------------------------------------------


def approve_organization(organization: Organization, note: str,
                         actor: dict[str, str]) -> None:
    first = [m for m in organization.memberships if m.status == "pending" and m.is_site_admin]
    with decision() as changes:
        ensure_structure(changes.gateway, organization)
        admins_group = group_id(changes.gateway, organization, SITE_ADMINS)
        for membership in first:
            changes.add(membership.user_id, group_id(changes.gateway, organization))
            changes.add(membership.user_id, admins_group)
            _decide(membership, "approved", actor)
        organization.status = "active"
        _review(organization, note, actor)
        audit.record("organization.approve", organization_key=organization.key, note=note)
    for membership in first:
        _email(membership.email, f"{_portal()}: your organization is approved",
               f"{organization.name} is approved on the {_portal()}. You are its Site "
               "Administrator and can now sign in.")


def deny_organization(organization: Organization, note: str, actor: dict[str, str]) -> None:
    with decision():
        for membership in organization.memberships:
            if membership.status == "pending":
                _decide(membership, "denied", actor)
        organization.status = "denied"
        _review(organization, note, actor)
        audit.record("organization.deny", organization_key=organization.key, note=note)
    for membership in organization.memberships:
        _email(membership.email, f"{_portal()}: registration not approved",
               f"The registration of {organization.name} on the {_portal()} was not "
               "approved. Please contact the health plan with any questions.")


def _review(organization: Organization, note: str, actor: dict[str, str]) -> None:
    organization.review_note = note
    organization.reviewed_by = _by(actor)
    organization.reviewed_at = utcnow()


def _decide(membership: Membership, status: str, actor: dict[str, str]) -> None:
    membership.status = status
    membership.decided_at = utcnow()
    membership.decided_by = _by(actor)


# Site administrators ---------------------------------------------------------------------


def approve_member(membership: Membership, actor: dict[str, str]) -> None:
    organization = membership.organization
    with decision() as changes:
        changes.add(membership.user_id, group_id(changes.gateway, organization))
        _decide(membership, "approved", actor)
        _member_event("member.approve", membership)
    _email(membership.email, f"{_portal()}: access approved",
           f"Your access to {organization.name} on the {_portal()} has been approved. You can "
           "now sign in.")


def deny_member(membership: Membership, actor: dict[str, str]) -> None:
    with decision():
        _decide(membership, "denied", actor)
        _member_event("member.deny", membership)
    _email(membership.email, f"{_portal()}: access denied",
           f"Your request to access {membership.organization.name} on the {_portal()} was "
           "denied. Please contact the Organization Site Administrator with any questions.")


def set_role(membership: Membership, role: str, granted: bool, actor: dict[str, str]) -> None:
    if role not in PORTAL_ROLES:
        raise DecisionFailed("Unknown portal role.")
    with decision() as changes:
        group = group_id(changes.gateway, membership.organization, "roles", role)
        roles = set(membership.roles or [])
        if granted and role not in roles:
            changes.add(membership.user_id, group)
            roles.add(role)
        elif not granted and role in roles:
            changes.remove(membership.user_id, group)
            roles.discard(role)
        membership.roles = sorted(roles)
        _member_event("role.grant" if granted else "role.revoke", membership, role=role)
    _email(membership.email, f"{_portal()}: your access changed",
           f"{'You were granted' if granted else 'You no longer have'} the "
           f"{PORTAL_ROLES[role]} role for {membership.organization.name}.")


def set_site_admin(membership: Membership, granted: bool, actor: dict[str, str]) -> None:
    if not granted and _site_admin_count(membership.organization) <= 1:
        raise DecisionFailed("An organization must keep at least one Site Administrator.")
    with decision() as changes:
        group = group_id(changes.gateway, membership.organization, SITE_ADMINS)
        if granted and not membership.is_site_admin:
            changes.add(membership.user_id, group)
        elif not granted and membership.is_site_admin:
            changes.remove(membership.user_id, group)
        membership.is_site_admin = granted
        _member_event("site_admin.grant" if granted else "site_admin.revoke", membership)
    _email(membership.email, f"{_portal()}: your access changed",
           f"You {'are now' if granted else 'are no longer'} a Site Administrator of "
           f"{membership.organization.name}.")


def remove_member(membership: Membership, actor: dict[str, str]) -> None:
    if membership.is_site_admin and _site_admin_count(membership.organization) <= 1:
        raise DecisionFailed("An organization must keep at least one Site Administrator.")
    organization = membership.organization
    with decision() as changes:
        for role in membership.roles or []:
            changes.remove(membership.user_id, group_id(changes.gateway, organization,
                                                        "roles", role))
        if membership.is_site_admin:
            changes.remove(membership.user_id, group_id(changes.gateway, organization,
                                                        SITE_ADMINS))
        changes.remove(membership.user_id, group_id(changes.gateway, organization))
        # Access must end now, not when the current tokens expire.
        changes.gateway.end_sessions(membership.user_id)
        membership.status, membership.roles, membership.is_site_admin = "removed", [], False
        membership.decided_at, membership.decided_by = utcnow(), _by(actor)
        _member_event("member.remove", membership)
    _email(membership.email, f"{_portal()}: access removed",
           f"Your access to {organization.name} on the {_portal()} was removed. Please "
           "contact the Organization Site Administrator with any questions.")


def _site_admin_count(organization: Organization) -> int:
    return sum(1 for m in organization.memberships
               if m.status == "approved" and m.is_site_admin)


def _member_event(action: str, membership: Membership, **details: Any) -> None:
    audit.record(action, subject_id=membership.user_id, subject_email=membership.email,
                 organization_key=membership.organization.key, **details)

