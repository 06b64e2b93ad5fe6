"""What the plan administrator sees at registration review, and the approval's override.

Kept free of the approvals module (which calls it) so the two never import each other.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, and_, or_, select

from idp_bridge import audit
from idp_bridge.audit.actor import Actor
from idp_bridge.clock import utcnow
from idp_bridge.exclusions import flags as rule
from idp_bridge.exclusions.matching import Candidate, Listing, Match, matches, name_key
from idp_bridge.exclusions.models import EligibilityFlag, ExclusionRecord
from idp_bridge.extensions import db
from idp_bridge.organizations.models import Organization

MAX_LISTINGS = 200  # a name shared by hundreds of listings shows the first 200


def candidate(organization: Organization) -> Candidate:
    names = (organization.name, organization.doing_business_as, organization.registry_name)
    return Candidate(tuple(i.npi for i in organization.identifiers),
                     tuple(n for n in names if n), organization.state or "")


def organization_matches(organization: Organization, on: date) -> list[Match]:
    """Every listing in force on ``on`` that matches (by NPI) or possibly matches (by name
    and state) the organization, matches first."""
    who = candidate(organization)
    keys = [k for k in {name_key(n) for n in who.names} if k]
    npis = [n for n in who.npis if n]
    conditions: list[ColumnElement[bool]] = [ExclusionRecord.npi.in_(npis)] if npis else []
    if keys:
        conditions.append(and_(ExclusionRecord.name_key.in_(keys),
                               ExclusionRecord.state == who.state.upper()))
    if not conditions:
        return []
    rows = db.session.scalars(select(ExclusionRecord).where(or_(*conditions))
                              .order_by(ExclusionRecord.id).limit(MAX_LISTINGS))
    return matches(who, (_listing(r) for r in rows), on)


def flags_of(organization: Organization) -> list[EligibilityFlag]:
    """The organization's flags, newest first, for its review page."""
    return list(db.session.scalars(select(EligibilityFlag).where(
        EligibilityFlag.organization_id == organization.id)
        .order_by(EligibilityFlag.raised_at.desc()).limit(MAX_LISTINGS)))


def blocking_matches(organization: Organization, on: date) -> list[Match]:
    return [m for m in organization_matches(organization, on) if m.blocks]


def record_override(organization: Organization, found: list[Match], note: str,
                    actor: Actor) -> None:
    """Approved despite matches: audited with the note, and each match becomes a flag the
    plan administrator already decided (kept), so the monthly screen does not raise it
    again."""
    audit.record("exclusions.override", actor=actor, organization_key=organization.key,
                 note=note, matches=[describe(m) for m in found])
    now = utcnow()
    for match in found:
        listing = match.listing
        db.session.add(EligibilityFlag(
            organization_id=organization.id, source=listing.source, npi=listing.npi,
            listed_on=listing.excluded_on, detail=listing.exclusion_type, state=rule.KEPT,
            holds_access=False, raised_at=now, changed_at=now, decided_by=actor.email,
            note=note))


def describe(match: Match) -> str:
    listing = match.listing
    return (f"{listing.source.upper()} {listing.exclusion_type or 'exclusion'} "
            f"{listing.excluded_on.isoformat()} ({match.why})")


def _listing(row: ExclusionRecord) -> Listing:
    return Listing(row.source, row.npi, row.name, row.name_key, row.state, row.exclusion_type,
                   row.excluded_on, row.ended_on, row.record_active, row.waiver_on,
                   row.waiver_state)
