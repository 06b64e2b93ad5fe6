"""The yearly access review: each organization's Site Administrators confirm who keeps access.

Every R days (IDP_ACCESS_REVIEW_DAYS) an organization's review falls due. The scheduler's
``access-reviews`` step reminds its Site Administrators at R-30 and R-7 days and, a grace
period after the due day, suspends the members nobody reviewed (not the Site
Administrators: someone must still be able to do the review); the review keeps or revokes each
person, restores the kept suspended ones with their roles, and sets the next due day. Once
due, a Site Administrator's next portal page is the review (``review_to_do``). Each reminder,
keep, revoke, suspension and restore is an audit event; each notice is a conditional UPDATE
of the review's row, so two schedulers or two runs never send one twice.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import ColumnElement, delete, func, select, update
from sqlalchemy.exc import IntegrityError

from idp_bridge import audit
from idp_bridge.approvals import decisions
from idp_bridge.audit.actor import SYSTEM, Actor
from idp_bridge.brand import brand_or_default
from idp_bridge.clock import utcnow
from idp_bridge.extensions import db
from idp_bridge.lifecycle.models import (
    REVIEW_NONE,
    REVIEW_OVERDUE,
    AccessReview,
    ReviewSuspension,
)
from idp_bridge.lifecycle.rules import ReviewPolicy, review_notice_due
from idp_bridge.mail import enqueue
from idp_bridge.messages import message
from idp_bridge.organizations.models import Membership, Organization

log = logging.getLogger(__name__)
STEP = "access-reviews"
BATCH = 1_000
REVIEW_REASON = "access review overdue"


def policy() -> ReviewPolicy:
    config = current_app.config
    return ReviewPolicy(config["IDP_ACCESS_REVIEW_DAYS"],
                        config["IDP_ACCESS_REVIEW_FIRST_REMINDER_DAYS"],
                        config["IDP_ACCESS_REVIEW_SECOND_REMINDER_DAYS"],
                        config["IDP_ACCESS_REVIEW_GRACE_DAYS"])


# The scheduler step ------------------------------------------------------------------------


def run(now: datetime) -> str:
    adopted = _adopt(now)
    rules = policy()
    reviews = db.session.scalars(
        select(AccessReview).join(Organization,
                                  Organization.id == AccessReview.organization_id)
        .where(Organization.status == "active", AccessReview.notice < REVIEW_OVERDUE,
               AccessReview.due_at <= now + timedelta(days=rules.first_reminder))
        .order_by(AccessReview.due_at).limit(BATCH)).all()
    reminded = suspended = 0
    for review in reviews:
        notice = review_notice_due(review.due_at, review.notice, rules, now)
        if notice is None or not _claim(review, notice):
            continue
        if notice == REVIEW_OVERDUE:
            suspended += _suspend_unreviewed(review.organization_id, now)
        else:
            _remind(review, notice)
            reminded += 1
    return f"{adopted} new review(s), {reminded} reminder(s), {suspended} suspended"


def _adopt(now: datetime) -> int:
    """A review row for each active organization without one: due R days after its approval,
    and never sooner than the first reminder's notice from today."""
    rules = policy()
    rows = db.session.execute(
        select(Organization.id, func.coalesce(Organization.reviewed_at,
                                              Organization.created_at))
        .where(Organization.status == "active",
               ~select(AccessReview.organization_id)
               .where(AccessReview.organization_id == Organization.id).exists())
        .limit(5_000)).all()
    earliest = now + timedelta(days=rules.first_reminder)
    for organization_id, approved_at in rows:
        try:
            with db.session.begin_nested():
                db.session.add(AccessReview(
                    organization_id=organization_id,
                    due_at=max(approved_at + timedelta(days=rules.every), earliest)))
        except IntegrityError:
            pass  # another scheduler adopted it
    db.session.commit()
    return len(rows)


def _claim(review: AccessReview, notice: int) -> bool:
    values: dict[str, object] = {"notice": notice}
    if notice == REVIEW_OVERDUE:
        values["overdue_at"] = utcnow()
    claimed = db.session.execute(update(AccessReview).where(
        AccessReview.organization_id == review.organization_id,
        AccessReview.notice == review.notice, AccessReview.due_at == review.due_at)
        .values(**values).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        db.session.rollback()
        return False
    return True


def site_admins(organization_id: int) -> list[Membership]:
    return list(db.session.scalars(select(Membership).where(
        Membership.organization_id == organization_id, Membership.status == "approved",
        Membership.is_site_admin.is_(True))))


def _remind(review: AccessReview, notice: int) -> None:
    organization = db.session.get(Organization, review.organization_id)
    assert organization is not None
    audit.record("access_review.reminder", organization_key=organization.key, notice=notice,
                 due=review.due_at.date().isoformat())
    for admin in site_admins(organization.id):
        _mail(admin, "access_review.reminder", organization=organization.name,
              day=review.due_at.strftime("%B %-d, %Y"), grace=policy().grace)
    db.session.commit()


def _suspend_unreviewed(organization_id: int, now: datetime) -> int:
    """Every approved member but the Site Administrators, each its own decision (groups
    removed, sessions ended, audited, mailed), remembered for the review to restore."""
    db.session.commit()  # the overdue notice first: a rerun continues from here
    members = db.session.scalars(select(Membership).where(
        Membership.organization_id == organization_id, Membership.status == "approved",
        Membership.is_site_admin.is_(False))).all()
    done = 0
    for membership in members:
        try:
            decisions.suspend_member(membership, SYSTEM, reason=REVIEW_REASON)
        except decisions.DecisionFailed:
            log.warning("an unreviewed member could not be suspended just now")
            continue
        db.session.merge(ReviewSuspension(membership_id=membership.id,
                                          organization_id=organization_id,
                                          suspended_at=now))
        db.session.commit()
        done += 1
    return done


def _mail(membership: Membership, code: str, **params: object) -> None:
    brand = brand_or_default(membership.brand)
    enqueue(f"lifecycle.{code}", membership.email, message(f"{code}.subject", brand, **params),
            message(f"{code}.body", brand, **params), brand=brand.key)


# The review screen -------------------------------------------------------------------------


def review_of(organization: Organization) -> AccessReview | None:
    return db.session.get(AccessReview, organization.id)


def review_to_do(user_id: str, now: datetime) -> str | None:
    """The key of an organization this Site Administrator must review now, if any."""
    return db.session.scalar(
        select(Organization.key).join(Membership).join(
            AccessReview, AccessReview.organization_id == Organization.id)
        .where(Membership.user_id == user_id, Membership.status == "approved",
               Membership.is_site_admin.is_(True), Organization.status == "active",
               AccessReview.due_at <= now)
        .order_by(AccessReview.due_at).limit(1))


@dataclass(frozen=True)
class Person:
    membership: Membership
    suspended_by_review: bool


def people_to_review(organization: Organization) -> list[Person]:
    by_review = set(db.session.scalars(select(ReviewSuspension.membership_id).where(
        ReviewSuspension.organization_id == organization.id)))
    members = db.session.scalars(select(Membership).where(
        Membership.organization_id == organization.id,
        Membership.status.in_(("approved", "suspended")))
        .order_by(Membership.last_name, Membership.first_name, Membership.id)).all()
    return [Person(m, m.id in by_review) for m in members
            if m.status == "approved" or m.id in by_review]


class ReviewInvalid(ValueError):
    """A problem code for the review screen; nothing was changed."""


KEEP, REVOKE = "keep", "revoke"


def complete_review(organization: Organization, choices: Mapping[int, str],
                    actor: Actor) -> None:
    """Apply each keep or revoke, then set the next due day. Refused, with nothing changed,
    unless every listed person has a choice and at least one Site Administrator is kept."""
    people = people_to_review(organization)
    if any(choices.get(p.membership.id) not in (KEEP, REVOKE) for p in people):
        raise ReviewInvalid("access_review.choose_each")
    if not any(p.membership.is_site_admin and choices[p.membership.id] == KEEP
               for p in people):
        raise ReviewInvalid("access_review.keep_an_admin")
    for person in people:
        _apply(person, choices[person.membership.id], actor)
    now = utcnow()
    db.session.execute(update(AccessReview).where(
        AccessReview.organization_id == organization.id).values(
        due_at=now + timedelta(days=policy().every), notice=REVIEW_NONE, overdue_at=None,
        last_completed_at=now, last_completed_by=actor.email))
    audit.record("access_review.complete", actor=actor, organization_key=organization.key,
                 kept=sum(1 for c in choices.values() if c == KEEP),
                 revoked=sum(1 for c in choices.values() if c == REVOKE))
    db.session.commit()


def _apply(person: Person, choice: str, actor: Actor) -> None:
    membership = person.membership
    organization = membership.organization
    if choice == KEEP and person.suspended_by_review:
        decisions.restore_member(membership, actor, reason="kept in the access review")
    elif choice == REVOKE and membership.status == "suspended":
        decisions.remove_suspended_member(membership, actor)
    elif choice == REVOKE:
        decisions.remove_member(membership, actor)
    db.session.execute(delete(ReviewSuspension).where(
        ReviewSuspension.membership_id == membership.id))
    audit.record(f"access_review.{choice}", actor=actor, subject_id=membership.user_id,
                 subject_email=membership.email, organization_key=organization.key)
    db.session.commit()


def overdue_organizations(now: datetime, limit: int = 200,
                          scope: ColumnElement[bool] | None = None,
                          ) -> list[tuple[Organization, AccessReview]]:
    """For plan administrators: organizations whose review is past due, oldest first;
    ``scope`` filters on the organization (the brands an administrator sees)."""
    query = select(Organization, AccessReview).join(
        AccessReview, AccessReview.organization_id == Organization.id) \
        .where(Organization.status == "active", AccessReview.due_at < now)
    if scope is not None:
        query = query.where(scope)
    rows = db.session.execute(query.order_by(AccessReview.due_at).limit(limit)).all()
    return [(o, r) for o, r in rows]
