"""Approval decisions: each changes Keycloak (what is granted), the database (why), the audit
log, and emails the person concerned. A failed Keycloak call leaves nothing half-done.

Each decision is one unit of work (``decision()``): the organization's row is locked first,
so two administrators deciding about the same organization at once are serialized and the
second one sees the first one's result (never zero Site Administrators, never a request
decided twice); the email is a row in the same transaction (``idp_bridge.mail``), sent
by the mail deliverer after the commit: the administrator's click never waits on the mail
relay (issue 26: the SMTP hand-off was ~20 ms of an approval's ~50).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from idp_bridge import audit
from idp_bridge.approvals.org_groups import KeycloakChanges, ensure_structure, group_id
from idp_bridge.audit.actor import Actor
from idp_bridge.auth.sessions import end_keycloak_session
from idp_bridge.brand import brand_or_default
from idp_bridge.clock import utcnow
from idp_bridge.exclusions import review as exclusion_review
from idp_bridge.extensions import db
from idp_bridge.keycloak.extension import get_gateway
from idp_bridge.keycloak.gateway import GatewayError
from idp_bridge.keycloak.groups import ROLES, SITE_ADMINS
from idp_bridge.mail import enqueue
from idp_bridge.messages import message
from idp_bridge.notices import service as notices
from idp_bridge.notices.events import SITE_ADMIN_GRANTED, SITE_ADMIN_REVOKED
from idp_bridge.organizations.models import (
    NOT_GRANTED_ROLES,
    PORTAL_ROLES,
    Membership,
    Organization,
)
from idp_bridge.row_locks import hold_fresh

log = logging.getLogger(__name__)


class DecisionFailed(RuntimeError):
    """Shown to the administrator; nothing was changed and the decision can be retried."""


@contextmanager
def decision() -> Iterator[KeycloakChanges]:
    changes = KeycloakChanges(get_gateway())
    try:
        yield changes
        db.session.commit()
    except DecisionFailed:
        changes.undo()
        db.session.rollback()
        raise
    except GatewayError as exc:
        changes.undo()
        db.session.rollback()
        raise DecisionFailed(message("decision.keycloak_away")) from exc
    except SQLAlchemyError as exc:
        changes.undo()
        db.session.rollback()
        raise DecisionFailed(message("decision.not_saved")) from exc


def lock_organization(organization: Organization) -> None:
    """Hold the organization's row until the decision commits or rolls back.

    (:func:`idp_bridge.row_locks.hold`: a row lock on PostgreSQL, the write lock on SQLite.)
    Afterwards the organization and its memberships are re-read, so checks see the latest
    committed state rather than what this request loaded before waiting: the organization
    by the lock's own statement, everything else on next access.
    """
    organization_id = organization.id  # (read before expiring: no reload just for the id)
    db.session.expire_all()
    hold_fresh(Organization, Organization.id == organization_id)


def _lock_member(membership: Membership, expected: str) -> None:
    lock_organization(membership.organization)
    if membership.status != expected:
        raise DecisionFailed(message("decision.already_handled"))


def _email(kind: str, membership: Membership, code: str, **params: Any) -> None:
    """The mail ``code``'s subject and body (``messages``) as a row in this decision's
    transaction: the deliverer sends it after the commit (within its poll interval), and
    retries until it is sent. It speaks the brand the person registered through, whichever
    host the admin uses."""
    brand = brand_or_default(membership.brand)
    subject_code = "access.changed" if code.startswith("role.") else code
    params = {"organization": membership.organization.name, **params}
    enqueue(kind, membership.email, message(f"{subject_code}.subject", brand, **params),
            message(f"{code}.body", brand, **params), brand=membership.brand, at_once=False)


def _by(actor: Actor) -> str:
    return actor.email


# Plan administrators ---------------------------------------------------------------------


def approve_organization(organization: Organization, note: str,
                         actor: Actor, override_note: str = "") -> None:
    """``override_note``: why an organization on an exclusion list (or with a deactivated NPI
    listed there) is approved anyway; required, checked here, whatever the form sent."""
    with decision() as changes:
        lock_organization(organization)
        if organization.status != "pending":
            raise DecisionFailed(message("organization.reviewed_already"))
        blocking = exclusion_review.blocking_matches(organization, utcnow().date())
        if blocking and not override_note.strip():
            raise DecisionFailed(message("exclusions.override_required", count=len(blocking)))
        if blocking:
            exclusion_review.record_override(organization, blocking, override_note.strip(),
                                             actor)
        first = [m for m in organization.memberships
                 if m.status == "pending" and m.is_site_admin]
        ensure_structure(changes.gateway, organization)
        admins_group = group_id(changes.gateway, organization, SITE_ADMINS)
        for membership in first:
            changes.add(membership.user_id, group_id(changes.gateway, organization))
            changes.add(membership.user_id, admins_group)
            _decide(membership, "approved", actor)
        organization.status = "active"
        _review(organization, note, actor)
        audit.record("organization.approve", actor=actor, organization_key=organization.key,
                     note=note)
        for membership in first:
            _email("organization.approved", membership, "organization.approved")


def deny_organization(organization: Organization, note: str, actor: Actor) -> None:
    with decision():
        lock_organization(organization)
        if organization.status != "pending":
            raise DecisionFailed(message("organization.reviewed_already"))
        for membership in organization.memberships:
            if membership.status == "pending":
                _decide(membership, "denied", actor)
        organization.status = "denied"
        _review(organization, note, actor)
        audit.record("organization.deny", actor=actor, organization_key=organization.key,
                     note=note)
        for membership in organization.memberships:
            _email("organization.denied", membership, "organization.denied")


def _review(organization: Organization, note: str, actor: Actor) -> None:
    organization.review_note = note
    organization.reviewed_by = _by(actor)
    organization.reviewed_at = utcnow()


def _decide(membership: Membership, status: str, actor: Actor) -> None:
    membership.status = status
    membership.decided_at = utcnow()
    membership.decided_by = _by(actor)


# Site administrators ---------------------------------------------------------------------


def approve_member(membership: Membership, actor: Actor) -> None:
    organization = membership.organization
    with decision() as changes:
        _lock_member(membership, "pending")
        changes.add(membership.user_id, group_id(changes.gateway, organization))
        _decide(membership, "approved", actor)
        _member_event("member.approve", membership, actor)
        _email("member.approved", membership, "member.approved")


def deny_member(membership: Membership, actor: Actor) -> None:
    with decision():
        _lock_member(membership, "pending")
        _decide(membership, "denied", actor)
        _member_event("member.deny", membership, actor)
        _email("member.denied", membership, "member.denied")


def set_role(membership: Membership, role: str, granted: bool, actor: Actor) -> None:
    if role not in PORTAL_ROLES:
        raise DecisionFailed(message("role.unknown"))
    if granted and role in NOT_GRANTED_ROLES:  # the guides' Provider Admin: Site Administrator
        raise DecisionFailed(message("role.provider_admin"))
    with decision() as changes:
        _lock_member(membership, "approved")
        group = group_id(changes.gateway, membership.organization, ROLES, role)
        roles = set(membership.roles or [])
        if granted and role not in roles:
            changes.add(membership.user_id, group)
            roles.add(role)
        elif not granted and role in roles:
            changes.remove(membership.user_id, group)
            roles.discard(role)
        membership.roles = sorted(roles)
        _member_event("role.grant" if granted else "role.revoke", membership, actor,
                      role=role)
        _email("role.changed", membership, "role.granted" if granted else "role.revoked",
               role=PORTAL_ROLES[role])


def set_site_admin(membership: Membership, granted: bool, actor: Actor) -> None:
    with decision() as changes:
        _lock_member(membership, "approved")
        if not granted and membership.is_site_admin and \
                _site_admin_count(membership.organization) <= 1:
            raise DecisionFailed(message("decision.last_admin"))
        group = group_id(changes.gateway, membership.organization, SITE_ADMINS)
        if granted and not membership.is_site_admin:
            changes.add(membership.user_id, group)
        elif not granted and membership.is_site_admin:
            changes.remove(membership.user_id, group)
        membership.is_site_admin = granted
        _member_event("site_admin.grant" if granted else "site_admin.revoke", membership,
                      actor)
        # A security notice ("if this wasn't you"), in this decision's transaction.
        notices.notify(membership.user_id, membership.email, membership.brand,
                       SITE_ADMIN_GRANTED if granted else SITE_ADMIN_REVOKED,
                       f"bridge:site_admin:{uuid.uuid4().hex}",
                       organization=membership.organization.name)


def remove_member(membership: Membership, actor: Actor) -> None:
    organization = membership.organization
    with decision() as changes:
        _lock_member(membership, "approved")
        if membership.is_site_admin and _site_admin_count(organization) <= 1:
            raise DecisionFailed(message("decision.last_admin"))
        for role in membership.roles or []:
            changes.remove(membership.user_id, group_id(changes.gateway, organization,
                                                        ROLES, role))
        if membership.is_site_admin:
            changes.remove(membership.user_id, group_id(changes.gateway, organization,
                                                        SITE_ADMINS))
        changes.remove(membership.user_id, group_id(changes.gateway, organization))
        membership.status, membership.roles, membership.is_site_admin = "removed", [], False
        membership.decided_at, membership.decided_by = utcnow(), _by(actor)
        _member_event("member.remove", membership, actor)
        _email("member.removed", membership, "member.removed")
    _end_sessions(membership.user_id)


# Suspension (idp_bridge.lifecycle; the access review and exclusion screening use it too) ----


def suspend_member(membership: Membership, actor: Actor, reason: str = "",
                   keep_an_admin: bool = True) -> None:
    """Suspended, not removed: every Keycloak group of the organization taken away and the
    person's sessions ended, but the roles and Site Administrator flag kept on the row, so
    ``restore_member`` gives back exactly what was there. ``keep_an_admin`` refuses to
    suspend the last Site Administrator (a screening that suspends a whole organization
    passes False)."""
    organization = membership.organization
    with decision() as changes:
        _lock_member(membership, "approved")
        if keep_an_admin and membership.is_site_admin and \
                _site_admin_count(organization) <= 1:
            raise DecisionFailed(message("decision.last_admin"))
        for group in reversed(_granted_groups(changes, membership)):
            changes.remove(membership.user_id, group)
        membership.status = "suspended"
        membership.decided_at, membership.decided_by = utcnow(), _by(actor)
        _member_event("member.suspend", membership, actor, reason=reason,
                      roles=list(membership.roles or []),
                      site_admin=membership.is_site_admin)
        _lifecycle_email("member.suspended", membership)
    _end_sessions(membership.user_id)


def restore_member(membership: Membership, actor: Actor, reason: str = "") -> None:
    """One action: the same groups as before the suspension, so the next token carries the
    same roles."""
    with decision() as changes:
        _lock_member(membership, "suspended")
        for group in _granted_groups(changes, membership):
            changes.add(membership.user_id, group)
        membership.status = "approved"
        membership.decided_at, membership.decided_by = utcnow(), _by(actor)
        _member_event("member.restore", membership, actor, reason=reason,
                      roles=list(membership.roles or []),
                      site_admin=membership.is_site_admin)
        _lifecycle_email("member.restored", membership)


def remove_suspended_member(membership: Membership, actor: Actor) -> None:
    """Removed while suspended (an access review's revoke): the groups are already gone."""
    with decision():
        _lock_member(membership, "suspended")
        membership.status, membership.roles, membership.is_site_admin = "removed", [], False
        membership.decided_at, membership.decided_by = utcnow(), _by(actor)
        _member_event("member.remove", membership, actor)
        _email("member.removed", membership, "member.removed")


def _granted_groups(changes: KeycloakChanges, membership: Membership) -> list[str]:
    """The groups the row grants: the organization first, then Site Administrators, roles."""
    organization = membership.organization
    found = [group_id(changes.gateway, organization)]
    if membership.is_site_admin:
        found.append(group_id(changes.gateway, organization, SITE_ADMINS))
    found += [group_id(changes.gateway, organization, ROLES, role)
              for role in membership.roles or []]
    return found


def _lifecycle_email(code: str, membership: Membership) -> None:
    _email(code, membership, code)


def _end_sessions(user_id: str) -> None:
    """End the person's Keycloak sessions (and, through back-channel logout, the bridge's)
    once the removal is committed. Not inside the unit of work: it cannot be undone, and
    Keycloak's back-channel call into the bridge must not wait on the decision's own locks.
    If it fails, access has still ended: the groups are gone and every bridge request checks
    the live membership; tokens already issued run out within minutes."""
    end_keycloak_session(None, user_id)  # the bridge's own, without waiting for Keycloak
    try:
        get_gateway().end_sessions(user_id)
    except GatewayError:
        log.warning("removed member's Keycloak sessions could not be ended just now")


def _site_admin_count(organization: Organization) -> int:
    """Counted in the database, after the organization's lock: never a stale copy."""
    return int(db.session.scalar(
        select(func.count()).select_from(Membership)
        .where(Membership.organization_id == organization.id, Membership.status == "approved",
               Membership.is_site_admin.is_(True))) or 0)


def _member_event(action: str, membership: Membership, actor: Actor,
                  **details: Any) -> None:
    audit.record(action, actor=actor, subject_id=membership.user_id,
                 subject_email=membership.email,
                 organization_key=membership.organization.key, **details)

