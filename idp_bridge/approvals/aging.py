"""How long a registration has waited for the plan's review, against the guides' promise:
"You will receive an email confirmation within two business days."

Pure: the caller passes ``now`` (the clock is injected), so the rule is tested at any
moment. Business days are Monday to Friday in UTC; holidays are not known here, so a
holiday counts as a business day (the queue then calls a registration due a day early,
never late).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

REVIEW_WITHIN_BUSINESS_DAYS = 2
DAY = timedelta(days=1)
WEEK = timedelta(days=7)
SATURDAY = 5

NEW, DUE, OVERDUE = "new", "due", "overdue"


@dataclass(frozen=True)
class Aging:
    waited: float  # business days waited so far
    due_at: datetime  # the promise runs out here
    state: str  # NEW (more than a business day left), DUE (the last one), OVERDUE

    @property
    def label(self) -> str:
        if self.state == OVERDUE:
            return f"Overdue: waiting {_days(self.waited)}"
        if self.state == DUE:
            return f"Due {self.due_at:%a %d %b %H:%M} UTC"
        return f"Waiting {_days(self.waited)}"


def _days(value: float) -> str:
    whole = int(value)
    return f"{whole} business day{'' if whole == 1 else 's'}" if whole else \
        "less than a business day"


def _is_business_day(moment: datetime) -> bool:
    return moment.weekday() < SATURDAY


def _start_of_business(moment: datetime) -> datetime:
    """``moment`` if it falls on a business day, else the next Monday at midnight."""
    while not _is_business_day(moment):
        moment = (moment + DAY).replace(hour=0, minute=0, second=0, microsecond=0)
    return moment


def add_business_days(start: datetime, days: int) -> datetime:
    """``start`` plus ``days`` whole business days: Friday 15:00 + 2 is Tuesday 15:00; a
    weekend start counts from Monday 00:00."""
    moment = _start_of_business(start)
    for _ in range(days):
        moment += DAY
        while not _is_business_day(moment):
            moment += DAY
    return moment


def business_days_between(start: datetime, end: datetime) -> float:
    """Business time from ``start`` to ``end``, in days (weekends do not count)."""
    if end <= start:
        return 0.0
    weeks = (end - start) // WEEK  # each whole week holds five business days
    total = weeks * 5 * DAY
    moment = start + weeks * WEEK
    while moment < end:
        next_midnight = (moment + DAY).replace(hour=0, minute=0, second=0, microsecond=0)
        stop = min(next_midnight, end)
        if _is_business_day(moment):
            total += stop - moment
        moment = stop
    return total / DAY


def aging(registered_at: datetime, now: datetime,
          within: int = REVIEW_WITHIN_BUSINESS_DAYS) -> Aging:
    due_at = add_business_days(registered_at, within)
    waited = business_days_between(registered_at, now)
    if now >= due_at:
        state = OVERDUE
    elif business_days_between(now, due_at) <= 1:
        state = DUE
    else:
        state = NEW
    return Aging(waited=waited, due_at=due_at, state=state)
