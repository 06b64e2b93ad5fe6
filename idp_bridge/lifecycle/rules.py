"""The inactivity rule, pure: what is due for one login at ``now``. No database, no clock.

A login unused for ``days`` is disabled, after a first warning ``first_warning`` days before
and a second ``second_warning`` days before. The person always gets the full periods: the
first warning fixes the day of disabling at no earlier than ``first_warning`` days after it
is sent, and the second at no earlier than ``second_warning`` days after it (a scheduler that
was away, or a login already idle when the bridge first saw it, never disables without both
warnings and their full notice). ``days`` 0 means never.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from idp_bridge.lifecycle.models import NOTICE_DISABLED, NOTICE_FIRST, NOTICE_NONE, NOTICE_SECOND


@dataclass(frozen=True)
class InactivityPolicy:
    days: int
    first_warning: int  # days before disabling
    second_warning: int

    @property
    def never(self) -> bool:
        return self.days <= 0

    def earliest_first_warning(self, active_since: datetime) -> datetime:
        return active_since + timedelta(days=max(0, self.days - self.first_warning))


@dataclass(frozen=True)
class LoginState:
    active_since: datetime  # last sign-in, creation, or re-enabling
    notice: int = NOTICE_NONE
    disable_on: datetime | None = None


@dataclass(frozen=True)
class Due:
    notice: int  # the notice to give now (NOTICE_FIRST, NOTICE_SECOND or NOTICE_DISABLED)
    disable_on: datetime


def due(state: LoginState, policy: InactivityPolicy, now: datetime) -> Due | None:
    """The one next step for this login at ``now``, or None. One step per call: a pass of
    the scheduler gives at most one notice to a login."""
    if policy.never or state.notice >= NOTICE_DISABLED:
        return None
    deadline = state.active_since + timedelta(days=policy.days)
    if state.notice == NOTICE_NONE:
        if now < deadline - timedelta(days=policy.first_warning):
            return None
        return Due(NOTICE_FIRST, max(deadline, now + timedelta(days=policy.first_warning)))
    disable_on = state.disable_on or deadline
    if state.notice == NOTICE_FIRST:
        if now < disable_on - timedelta(days=policy.second_warning):
            return None
        return Due(NOTICE_SECOND, max(disable_on, now + timedelta(days=policy.second_warning)))
    if state.notice == NOTICE_SECOND and now >= disable_on:
        return Due(NOTICE_DISABLED, disable_on)
    return None


# The yearly access review -----------------------------------------------------------------


@dataclass(frozen=True)
class ReviewPolicy:
    every: int  # days between reviews (R)
    first_reminder: int  # days before due
    second_reminder: int
    grace: int  # days after due before unreviewed members are suspended


def review_due_at(last: datetime, policy: ReviewPolicy) -> datetime:
    return last + timedelta(days=policy.every)


def review_notice_due(due_at: datetime, notice: int, policy: ReviewPolicy,
                      now: datetime) -> int | None:
    """The next review notice at ``now`` (one per pass), or None: the first reminder R-30,
    the second R-7, and at due + grace the suspension of unreviewed members."""
    from idp_bridge.lifecycle.models import (
        REVIEW_FIRST_REMINDER,
        REVIEW_NONE,
        REVIEW_OVERDUE,
        REVIEW_SECOND_REMINDER,
    )

    if notice == REVIEW_NONE and now >= due_at - timedelta(days=policy.first_reminder):
        return REVIEW_FIRST_REMINDER
    if notice == REVIEW_FIRST_REMINDER and \
            now >= due_at - timedelta(days=policy.second_reminder):
        return REVIEW_SECOND_REMINDER
    if notice == REVIEW_SECOND_REMINDER and now >= due_at + timedelta(days=policy.grace):
        return REVIEW_OVERDUE
    return None
