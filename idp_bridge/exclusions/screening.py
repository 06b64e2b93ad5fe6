"""Flags on approved organizations: raised, cleared and decided, each as a unit of work.

Two sweeps compare what the lists say now with the flags already raised:

- :func:`sweep_deactivations` (after every ``flask npi import`` and Deactivated NPI Report):
  an approved organization with a deactivated NPI (any of its pairs) gets a flag, and its Site
  Administrators one email each in their brand; a reactivation clears it.
- :func:`screen` (``flask exclusions screen``, monthly): an approved organization with an
  NPI on the LEIE or SAM list in force gets a flag; a listing that ended clears it; the plan
  administrators get one email listing the flags they have not been told of.

A flag is one row per listing (organization, source, NPI, date): running either sweep again
on the same data finds every row already there and changes, audits and mails nothing. Each
organization's changes commit on their own (``approvals.decisions.decision``): flags, audit,
emails, and, when a flag holds access, its members' Keycloak group memberships, undone if
any part fails (the next run retries that organization).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import current_app
from sqlalchemy import and_, or_, select

from idp_bridge import audit
from idp_bridge.approvals.decisions import DecisionFailed, decision, lock_organization
from idp_bridge.approvals.org_groups import KeycloakChanges, group_id
from idp_bridge.audit.actor import SYSTEM, Actor
from idp_bridge.clock import utcnow
from idp_bridge.exclusions import flags as rule
from idp_bridge.exclusions.layouts import SOURCES
from idp_bridge.exclusions.models import EligibilityFlag, ExclusionRecord
from idp_bridge.extensions import db
from idp_bridge.keycloak.extension import get_gateway
from idp_bridge.keycloak.gateway import GatewayError
from idp_bridge.keycloak.groups import ROLES, SITE_ADMINS
from idp_bridge.mail import enqueue
from idp_bridge.messages import message
from idp_bridge.npi.models import NpiRecord
from idp_bridge.organizations.models import Membership, Organization, OrganizationIdentifier
from idp_bridge.row_locks import hold

log = logging.getLogger(__name__)

# (organization id, source, npi, listed on) -> detail (the exclusion type)
Key = tuple[int, str, str, date]
Clock = Callable[[], datetime]
NPI_REGISTRY_URL = "https://npiregistry.cms.hhs.gov/provider-view/{npi}"


@dataclass
class SweepResult:
    raised: int = 0
    reopened: int = 0
    cleared: int = 0
    suspended: int = 0  # organizations whose access a flag now holds
    restored: int = 0
    failed: list[str] = field(default_factory=list)  # organizations to retry next run
    mailed: int = 0
    organizations: int = 0  # approved organizations screened


def suspend_on_flag() -> bool:
    return bool(current_app.config.get("EXCLUSIONS_SUSPEND_ON_FLAG"))


# The two sweeps --------------------------------------------------------------------------


def sweep_deactivations(clock: Clock = utcnow) -> SweepResult:
    """Flag approved organizations whose NPI NPPES deactivated; clear on reactivation."""
    rows = db.session.execute(
        select(OrganizationIdentifier.organization_id, NpiRecord.npi, NpiRecord.deactivated_on)
        .join(Organization, Organization.id == OrganizationIdentifier.organization_id)
        .join(NpiRecord, NpiRecord.npi == OrganizationIdentifier.npi)
        .where(Organization.status == "active", NpiRecord.active.is_(False),
               NpiRecord.deactivated_on.is_not(None)))
    current = {(org, "nppes", npi, on): "NPI deactivated" for org, npi, on in rows
               if on is not None}
    return _reconcile(("nppes",), current, clock)


def screen(clock: Clock = utcnow) -> SweepResult:
    """Re-screen every approved organization (all its NPIs) against the LEIE and SAM lists
    in force today. Idempotent: a second run the same day changes and mails nothing.

    A plain function so a scheduler can run it monthly (see the area's README)."""
    today = clock().date()
    in_force = and_(
        ExclusionRecord.npi != "", ExclusionRecord.record_active.is_(True),
        ExclusionRecord.excluded_on <= today,
        or_(ExclusionRecord.ended_on.is_(None), ExclusionRecord.ended_on > today),
        # An LEIE waiver for the organization's own state: a possible match, not a match.
        or_(ExclusionRecord.waiver_state == "", ExclusionRecord.waiver_state != Organization.state,
            and_(ExclusionRecord.waiver_on.is_not(None), ExclusionRecord.waiver_on > today)))
    rows = db.session.execute(
        select(OrganizationIdentifier.organization_id, ExclusionRecord.source,
               ExclusionRecord.npi, ExclusionRecord.excluded_on,
               ExclusionRecord.exclusion_type)
        .join(Organization, Organization.id == OrganizationIdentifier.organization_id)
        .join(ExclusionRecord, ExclusionRecord.npi == OrganizationIdentifier.npi)
        .where(Organization.status == "active", in_force))
    current = {(org, source, npi, on): kind for org, source, npi, on, kind in rows}
    result = _reconcile(("leie", "sam"), current, clock)
    result.organizations = int(db.session.scalar(
        select(db.func.count()).select_from(Organization)
        .where(Organization.status == "active")) or 0)
    result.mailed = _tell_plan_admins(clock)
    return result


# Reconciling flags with what the lists say -----------------------------------------------


def _reconcile(sources: tuple[str, ...], current: dict[Key, str], clock: Clock
               ) -> SweepResult:
    existing = {(f.organization_id, f.source, f.npi, f.listed_on): (f.id, f.state)
                for f in db.session.execute(
                    select(EligibilityFlag.organization_id, EligibilityFlag.source,
                           EligibilityFlag.npi, EligibilityFlag.listed_on, EligibilityFlag.id,
                           EligibilityFlag.state)
                    .where(EligibilityFlag.source.in_(sources)))}
    work: dict[int, list[tuple[str, Key, str]]] = defaultdict(list)
    for key, detail in current.items():
        known = existing.get(key)
        if known is None:
            work[key[0]].append(("raise", key, detail))
        elif known[1] == rule.CLEARED:
            work[key[0]].append(("reopen", key, detail))
    for key, (_, state) in existing.items():
        if key not in current and state in rule.STANDING:
            work[key[0]].append(("clear", key, ""))
    result = SweepResult()
    db.session.rollback()  # end the read transaction: each organization commits its own
    for organization_id, changes in sorted(work.items()):
        part = SweepResult()  # counted only once the organization's changes committed
        try:
            _apply(organization_id, changes, clock, part)
        except DecisionFailed as exc:
            organization = db.session.get(Organization, organization_id)
            result.failed.append(organization.key if organization else str(organization_id))
            log.warning("eligibility flags of one organization not applied (%s); the next "
                        "run retries", exc)
            continue
        for counter in ("raised", "reopened", "cleared", "suspended", "restored"):
            setattr(result, counter, getattr(result, counter) + getattr(part, counter))
    return result


def _apply(organization_id: int, changes: list[tuple[str, Key, str]], clock: Clock,
           result: SweepResult) -> None:
    suspend = suspend_on_flag()
    with decision() as keycloak:
        organization = db.session.get(Organization, organization_id)
        if organization is None:
            return
        lock_organization(organization)
        held_before = _holds(organization.id)
        for event, key, detail in changes:
            flag = _flag(key)
            if event == "raise" and flag is None:
                now = clock()
                flag = EligibilityFlag(organization_id=organization.id, source=key[1],
                                       npi=key[2], listed_on=key[3], detail=detail[:200],
                                       state=rule.OPEN, holds_access=suspend, raised_at=now,
                                       changed_at=now)
                db.session.add(flag)
                db.session.flush()
                result.raised += 1
                _audit("exclusions.flag.raise", flag, organization, SYSTEM)
                if flag.source == "nppes":
                    _mail_site_admins(organization, flag)
            elif event in ("reopen", "clear") and flag is not None:
                try:
                    _move(flag, event, clock, suspend_on_flag=suspend)
                except rule.TransitionRefused:
                    continue  # someone else's run got there first
                if event == "reopen":
                    result.reopened += 1
                    if flag.source == "nppes":
                        _mail_site_admins(organization, flag)
                else:
                    result.cleared += 1
                _audit(f"exclusions.flag.{event}", flag, organization, SYSTEM)
        db.session.flush()
        change = _follow_access(organization, held_before, keycloak)
        result.suspended += change == "suspended"
        result.restored += change == "restored"


def _flag(key: Key) -> EligibilityFlag | None:
    organization_id, source, npi, on = key
    return db.session.scalars(select(EligibilityFlag).where(
        EligibilityFlag.organization_id == organization_id, EligibilityFlag.source == source,
        EligibilityFlag.npi == npi, EligibilityFlag.listed_on == on)).first()


def _move(flag: EligibilityFlag, event: str, clock: Clock, note: str = "",
          suspend_on_flag: bool = False, actor: Actor = SYSTEM) -> None:
    state = rule.move(rule.FlagState(flag.state, flag.holds_access, flag.changed_at, flag.note),
                      event, clock, note, suspend_on_flag)
    flag.state, flag.holds_access, flag.changed_at = state.state, state.holds_access, \
        state.changed_at
    if event in rule.NEEDS_NOTE:
        flag.note, flag.decided_by = state.note, actor.email
    if event == "reopen":
        flag.reported_at = None


# Access held by a flag -------------------------------------------------------------------


def _holds(organization_id: int) -> bool:
    return db.session.scalar(select(EligibilityFlag.id).where(
        EligibilityFlag.organization_id == organization_id,
        EligibilityFlag.holds_access.is_(True)).limit(1)) is not None


def is_suspended(organization: Organization) -> bool:
    """Live: a flag of this organization holds its access now."""
    return _holds(organization.id)


def _follow_access(organization: Organization, held_before: bool,
                   keycloak: KeycloakChanges) -> str:
    """Take the members out of the organization's Keycloak groups when a flag starts holding
    its access, and put them back when none does any more (their next token follows)."""
    held = _holds(organization.id)
    if held == held_before:
        return ""
    for membership in _approved(organization):
        for group in _groups_of(keycloak, organization, membership):
            (keycloak.remove if held else keycloak.add)(membership.user_id, group)
    verb = "suspended" if held else "restored"
    audit.record(f"exclusions.access.{'suspend' if held else 'restore'}", actor=SYSTEM,
                 organization_key=organization.key,
                 members=len(_approved(organization)))
    return verb


def _approved(organization: Organization) -> list[Membership]:
    return [m for m in organization.memberships if m.status == "approved"]


def _groups_of(keycloak: KeycloakChanges, organization: Organization,
               membership: Membership) -> list[str]:
    gateway = keycloak.gateway
    groups = [group_id(gateway, organization)]
    if membership.is_site_admin:
        groups.append(group_id(gateway, organization, SITE_ADMINS))
    groups += [group_id(gateway, organization, ROLES, role) for role in membership.roles or []]
    return groups


# A plan administrator's decision ---------------------------------------------------------


def decide(flag_id: int, event: str, note: str, actor: Actor, clock: Clock = utcnow
           ) -> EligibilityFlag:
    """Keep access (the plan administrator checked: e.g. the NPI was replaced) or suspend it
    until the flag clears. A note is required; audited; undone if Keycloak fails."""
    if event not in rule.NEEDS_NOTE:
        raise DecisionFailed(message("exclusions.decide.unknown"))
    with decision() as keycloak:
        flag = db.session.get(EligibilityFlag, flag_id)
        if flag is None:
            raise DecisionFailed(message("exclusions.decide.gone"))
        organization = flag.organization
        lock_organization(organization)
        flag = db.session.get(EligibilityFlag, flag_id)
        assert flag is not None
        held_before = _holds(organization.id)
        try:
            _move(flag, event, clock, note, actor=actor)
        except rule.TransitionRefused as exc:
            raise DecisionFailed(message("exclusions.decide.refused", reason=str(exc))) from exc
        db.session.flush()
        _audit(f"exclusions.flag.{event}", flag, organization, actor, note=note)
        _follow_access(organization, held_before, keycloak)
    return flag


def _audit(action: str, flag: EligibilityFlag, organization: Organization, actor: Actor,
           **details: str) -> None:
    audit.record(action, actor=actor, organization_key=organization.key, source=flag.source,
                 npi=flag.npi, listed_on=flag.listed_on.isoformat(), detail=flag.detail,
                 state=flag.state, **details)


# Mail ------------------------------------------------------------------------------------


def _mail_site_admins(organization: Organization, flag: EligibilityFlag) -> None:
    """One email to each Site Administrator, in the brand they registered through."""
    for membership in _approved(organization):
        if not membership.is_site_admin:
            continue
        brand = membership.brand
        enqueue("exclusions.deactivation", membership.email,
                message("exclusions.mail.deactivated.subject", brand=brand),
                message("exclusions.mail.deactivated.body", brand=brand,
                        organization=organization.name, npi=flag.npi,
                        date=flag.listed_on.strftime("%m/%d/%Y"),
                        link=NPI_REGISTRY_URL.format(npi=flag.npi)),
                brand=brand)


def _tell_plan_admins(clock: Clock) -> int:
    """One email per plan administrator naming every exclusion flag not yet reported; the
    flags are marked reported in the same transaction, so a re-run mails nothing."""
    unreported = and_(EligibilityFlag.source.in_(("leie", "sam")),
                      EligibilityFlag.state == rule.OPEN, EligibilityFlag.reported_at.is_(None))
    # Held until this commit: a second screen running at the same time waits, then finds
    # them reported and mails nothing.
    if not hold(EligibilityFlag, unreported):
        db.session.rollback()
        return 0
    flags = list(db.session.scalars(select(EligibilityFlag).where(unreported)
                                    .order_by(EligibilityFlag.id)))
    if not flags:
        db.session.rollback()
        return 0
    try:
        recipients = get_gateway().role_member_emails("plan-admin", limit=500)
    except GatewayError:
        log.warning("plan administrators could not be read from Keycloak; the next screen "
                    "mails them")
        db.session.rollback()
        return 0
    lines = _flag_lines(flags)
    for address in recipients:
        enqueue("exclusions.screen", address,
                message("exclusions.mail.screen.subject", count=len(flags)),
                message("exclusions.mail.screen.body", count=len(flags), flags=lines))
    now = clock()
    for flag in flags:
        flag.reported_at = now
    db.session.commit()
    return len(recipients)


def _flag_lines(flags: Iterable[EligibilityFlag]) -> str:
    return "\n".join(
        f"- {f.organization.name}: NPI {f.npi} on the {SOURCES[f.source]} list "
        f"({f.detail or 'exclusion'}, {f.listed_on.strftime('%m/%d/%Y')})" for f in flags)
