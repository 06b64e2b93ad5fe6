"""Inviting, resending, revoking and accepting; each audited, each email in the outbox.

Accepting is a decision (``approvals.decisions.decision``: Keycloak group changes undone if
anything fails), and the invitation is used up by one conditional UPDATE from ``pending``
while unexpired, so a link works once however often it is opened or submitted at once.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select, update

from idp_bridge import audit
from idp_bridge.approvals.decisions import DecisionFailed, decision, lock_organization
from idp_bridge.approvals.org_groups import group_id
from idp_bridge.audit.actor import Actor
from idp_bridge.brand import brand_or_default, brand_url_setting
from idp_bridge.clock import utcnow
from idp_bridge.extensions import db
from idp_bridge.invitations.models import Invitation
from idp_bridge.keycloak.groups import ROLES
from idp_bridge.mail import enqueue
from idp_bridge.messages import message
from idp_bridge.organizations.models import PORTAL_ROLES, Membership, Organization
from idp_bridge.registration.validation import LOGIN_EMAIL
from idp_bridge.row_locks import hold

TOKEN_BYTES = 32
MAX_TOKEN_LENGTH = 64


class InvitationRefused(ValueError):
    """A problem code (idp_bridge.messages) for the screen; nothing was changed."""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def lifetime_days() -> int:
    return int(current_app.config["IDP_INVITATION_DAYS"])


def link(invitation: Invitation, token: str) -> str:
    base = current_app.config[brand_url_setting(brand_or_default(
        invitation.organization.brand).key)]
    return f"{base}/invitations/{token}"


def _check_cap(actor: Actor) -> None:
    """Sends (new and resent) by this Site Administrator in the last 24 hours, counted after
    the organization's lock, so two tabs cannot both take the last one."""
    since = utcnow() - timedelta(days=1)
    sent = db.session.scalar(select(func.coalesce(func.sum(Invitation.sends), 0)).where(
        Invitation.invited_by_id == actor.id, Invitation.last_sent_at > since)) or 0
    if int(sent) >= int(current_app.config["IDP_INVITATIONS_PER_ADMIN_PER_DAY"]):
        raise InvitationRefused("invitation.cap")


def invite(organization: Organization, email: str, roles: list[str],
           actor: Actor) -> str:
    """A new invitation, mailed; answers the token (for tests: the mail carries it)."""
    email = email.strip().lower()
    if not email or len(email) > 254 or not LOGIN_EMAIL.fullmatch(email):
        raise InvitationRefused("invitation.email")
    if any(role not in PORTAL_ROLES for role in roles):
        raise InvitationRefused("invitation.role")
    lock_organization(organization)
    _check_cap(actor)
    if db.session.scalar(select(Membership.id).where(
            Membership.organization_id == organization.id,
            func.lower(Membership.email) == email,
            Membership.status.in_(("approved", "suspended")))):
        db.session.rollback()
        raise InvitationRefused("invitation.already_member")
    if db.session.scalar(select(Invitation.id).where(
            Invitation.organization_id == organization.id, Invitation.email == email,
            Invitation.status == "pending", Invitation.expires_at > utcnow())):
        db.session.rollback()
        raise InvitationRefused("invitation.already_invited")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    now = utcnow()
    invitation = Invitation(organization=organization, email=email, roles=sorted(set(roles)),
                            token_hash=_hash(token), invited_by_id=actor.id,
                            invited_by=actor.email, created_at=now, last_sent_at=now,
                            expires_at=now + timedelta(days=lifetime_days()))
    db.session.add(invitation)
    db.session.flush()
    audit.record("invitation.send", actor=actor, subject_email=email,
                 organization_key=organization.key, roles=invitation.roles)
    _mail(invitation, token)
    db.session.commit()
    return token


def resend(invitation: Invitation, actor: Actor) -> str:
    """A new link (the old one is dead) and a new expiry; counts against the cap."""
    lock_organization(invitation.organization)
    _check_cap(actor)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    now = utcnow()
    changed = db.session.execute(update(Invitation).where(
        Invitation.id == invitation.id, Invitation.status.in_(("pending", "expired"))).values(
        status="pending", token_hash=_hash(token), last_sent_at=now,
        sends=Invitation.sends + 1,
        invited_by_id=actor.id, invited_by=actor.email,
        expires_at=now + timedelta(days=lifetime_days())).execution_options(
        synchronize_session=False))
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        db.session.rollback()
        raise InvitationRefused("invitation.closed")
    db.session.refresh(invitation)
    audit.record("invitation.resend", actor=actor, subject_email=invitation.email,
                 organization_key=invitation.organization.key)
    _mail(invitation, token)
    db.session.commit()
    return token


def revoke(invitation: Invitation, actor: Actor) -> None:
    changed = db.session.execute(update(Invitation).where(
        Invitation.id == invitation.id, Invitation.status.in_(("pending", "expired")))
        .values(status="revoked").execution_options(synchronize_session=False))
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        db.session.rollback()
        raise InvitationRefused("invitation.closed")
    audit.record("invitation.revoke", actor=actor, subject_email=invitation.email,
                 organization_key=invitation.organization.key)
    db.session.commit()


def _mail(invitation: Invitation, token: str) -> None:
    brand = brand_or_default(invitation.organization.brand)
    params = {"organization": invitation.organization.name, "by": invitation.invited_by,
              "link": link(invitation, token), "days": lifetime_days(),
              "roles": ", ".join(PORTAL_ROLES[r] for r in invitation.roles) or "no roles yet"}
    enqueue("invitation", invitation.email, message("invitation.subject", brand, **params),
            message("invitation.body", brand, **params), brand=brand.key)


def by_token(token: str) -> Invitation | None:
    """The invitation this link names, if it is still open (pending, unexpired, and its
    organization active)."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    found = db.session.scalar(select(Invitation).where(Invitation.token_hash == _hash(token)))
    if found is None or found.status != "pending" or found.expired(utcnow()) or \
            found.organization.status != "active":
        return None
    return found


def open_invitations(organization: Organization) -> list[Invitation]:
    """Pending and expired (not accepted, not revoked), newest first, for the members page."""
    return list(db.session.scalars(select(Invitation).where(
        Invitation.organization_id == organization.id,
        Invitation.status.in_(("pending", "expired")))
        .order_by(Invitation.created_at.desc()).limit(200)))


# Accepting ---------------------------------------------------------------------------------


def accept(invitation: Invitation, user_id: str, email: str, first_name: str,
           last_name: str, actor: Actor) -> Membership:
    """The invitee (a login whose email is the invited one) joins with the preset roles:
    approved at once, in Keycloak's groups, audited, mailed. A membership the login already
    has in this organization (waiting, denied, removed) becomes this one."""
    if email.strip().lower() != invitation.email:
        raise InvitationRefused("invitation.other_email")
    organization = invitation.organization
    with decision() as changes:
        lock_organization(organization)
        used = db.session.execute(update(Invitation).where(
            Invitation.id == invitation.id, Invitation.status == "pending",
            Invitation.expires_at > utcnow()).values(
            status="accepted", accepted_at=utcnow(), accepted_user_id=user_id)
            .execution_options(synchronize_session=False))
        if used.rowcount != 1:  # type: ignore[attr-defined]
            raise DecisionFailed(message("invitation.closed"))
        membership = db.session.scalar(select(Membership).where(
            Membership.organization_id == organization.id, Membership.user_id == user_id))
        if membership is not None and membership.status in ("approved", "suspended"):
            raise DecisionFailed(message("invitation.already_member"))
        if membership is None:
            membership = Membership(organization=organization, user_id=user_id, email=email,
                                    first_name=first_name, last_name=last_name,
                                    brand=organization.brand)
            db.session.add(membership)
        changes.add(user_id, group_id(changes.gateway, organization))
        for role in invitation.roles:
            changes.add(user_id, group_id(changes.gateway, organization, ROLES, role))
        membership.status, membership.roles = "approved", list(invitation.roles)
        membership.is_site_admin = False
        membership.decided_at, membership.decided_by = utcnow(), invitation.invited_by
        db.session.flush()
        audit.record("invitation.accept", actor=actor, subject_id=user_id,
                     subject_email=email, organization_key=organization.key,
                     roles=invitation.roles, invited_by=invitation.invited_by)
        brand = brand_or_default(membership.brand)
        enqueue("invitation.accepted", email,
                message("invitation.accepted.subject", brand, organization=organization.name),
                message("invitation.accepted.body", brand, organization=organization.name),
                brand=brand.key)
    return membership


def expire_step(now: datetime) -> str:
    """The scheduler step: audit each invitation the day it runs out (the link already stops
    working at expires_at; this records it once)."""
    rows = db.session.scalars(select(Invitation).where(
        Invitation.status == "pending", Invitation.expires_at <= now).limit(1_000)).all()
    for invitation in rows:
        hold(Invitation, Invitation.id == invitation.id)
        changed = db.session.execute(update(Invitation).where(
            Invitation.id == invitation.id, Invitation.status == "pending",
            Invitation.expires_at <= now).values(status="expired")
            .execution_options(synchronize_session=False))
        if changed.rowcount == 1:  # type: ignore[attr-defined]
            audit.record("invitation.expire", subject_email=invitation.email,
                         organization_key=invitation.organization.key)
        db.session.commit()
    return f"{len(rows)} invitation(s) expired"
