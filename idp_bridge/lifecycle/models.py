"""The lifecycle's rows: the scheduler's step claims and what the bridge knows of each login.

Keycloak keeps no last sign-in of its own (its events expire), so the bridge keeps one row per
login it has a membership for: when it last signed in (through any client of the realm), when
it was created, and how far the inactivity notices have gone.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from idp_bridge.extensions import db


class ScheduledStep(db.Model):  # type: ignore[name-defined]
    """One row per registered step: which scheduler holds it now, when it last ran, and the
    step's own cursor (e.g. how far Keycloak's login events have been read)."""

    __tablename__ = "lifecycle_steps"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    # A scheduler owns the step until this time; another may take it over afterwards (a
    # scheduler that died mid-step does not block it forever).
    claimed_until: Mapped[datetime | None]
    claim_token: Mapped[str | None] = mapped_column(String(32))
    last_started_at: Mapped[datetime | None]
    last_finished_at: Mapped[datetime | None]
    last_outcome: Mapped[str] = mapped_column(String(200), default="", server_default="")
    cursor: Mapped[str] = mapped_column(String(200), default="", server_default="")


# Where a login stands in the inactivity notices (lifecycle/inactivity.py).
NOTICE_NONE, NOTICE_FIRST, NOTICE_SECOND, NOTICE_DISABLED = 0, 1, 2, 3


class Login(db.Model):  # type: ignore[name-defined]
    __tablename__ = "logins"
    __table_args__ = (
        # The inactivity step walks logins by last activity, oldest first.
        Index("ix_logins_active_since", "active_since"),
    )

    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)  # Keycloak user id
    # When the login was created (its first registration): a never-used login counts from here.
    created_at: Mapped[datetime]
    # The last successful sign-in through Keycloak, to any client of the realm; None: never.
    last_sign_in_at: Mapped[datetime | None]
    last_sign_in_client: Mapped[str] = mapped_column(String(64), default="", server_default="")
    # What the inactivity rule counts from: the last sign-in, the creation, or a re-enabling
    # (an administrator's re-enabling gives the person a fresh period to sign in).
    active_since: Mapped[datetime]
    notice: Mapped[int] = mapped_column(default=NOTICE_NONE, server_default="0")
    # Set with the first warning: the person always gets the full warning periods, even when
    # the scheduler was away or the login was already idle when the bridge first saw it.
    disable_on: Mapped[datetime | None]
    disabled_at: Mapped[datetime | None]
    # Whom the notices go to, in which brand (from the login's latest membership).
    email: Mapped[str] = mapped_column(String(254), default="", server_default="")
    brand: Mapped[str] = mapped_column(String(16), default="dean", server_default="dean")
    # Which inactivity period applies: "member" or "plan-admin", asked of Keycloak the first
    # time it matters and again before each notice; "" not asked yet.
    kind: Mapped[str] = mapped_column(String(16), default="", server_default="")


def logins_by_user(user_ids: list[str]) -> dict[str, Login]:
    """The ``logins`` rows of these people (one page of a listing, one chunk of an export)."""
    if not user_ids:
        return {}
    rows = db.session.scalars(db.select(Login).where(Login.user_id.in_(set(user_ids))))
    return {row.user_id: row for row in rows}


# Where an organization stands in its access review (lifecycle/review.py).
REVIEW_NONE, REVIEW_FIRST_REMINDER, REVIEW_SECOND_REMINDER, REVIEW_OVERDUE = 0, 1, 2, 3


class AccessReview(db.Model):  # type: ignore[name-defined]
    """An organization's yearly access review: when the next is due, how far the reminders
    have gone, the last completed one."""

    __tablename__ = "access_reviews"
    __table_args__ = (Index("ix_access_reviews_due", "due_at"),)

    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"),
                                                 primary_key=True)
    due_at: Mapped[datetime]
    notice: Mapped[int] = mapped_column(default=REVIEW_NONE, server_default="0")
    overdue_at: Mapped[datetime | None]  # when unreviewed members were suspended
    last_completed_at: Mapped[datetime | None]
    last_completed_by: Mapped[str | None] = mapped_column(String(254))


class ReviewSuspension(db.Model):  # type: ignore[name-defined]
    """A member suspended because their organization's review was overdue: restored with
    their roles when the review keeps them."""

    __tablename__ = "access_review_suspensions"

    membership_id: Mapped[int] = mapped_column(ForeignKey("memberships.id"), primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    suspended_at: Mapped[datetime]
