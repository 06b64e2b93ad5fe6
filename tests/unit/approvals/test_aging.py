"""The review queue's aging against the guides' "within two business days" (pure rule)."""

from __future__ import annotations

from datetime import datetime

import pytest

from idp_bridge.approvals.aging import (
    DUE,
    NEW,
    OVERDUE,
    add_business_days,
    aging,
    business_days_between,
)

# 2026-12-04 is a Friday.
FRIDAY_3PM = datetime(2026, 12, 4, 15, 0)
SATURDAY_10AM = datetime(2026, 12, 5, 10, 0)
MONDAY_9AM = datetime(2026, 12, 7, 9, 0)


def test_a_friday_registration_is_due_on_tuesday_not_sunday():
    assert add_business_days(FRIDAY_3PM, 2) == datetime(2026, 12, 8, 15, 0)


def test_a_weekend_registration_counts_from_monday():
    assert add_business_days(SATURDAY_10AM, 2) == datetime(2026, 12, 9, 0, 0)


def test_the_weekend_does_not_count_as_waiting():
    assert business_days_between(FRIDAY_3PM, MONDAY_9AM) == pytest.approx(0.75)
    assert business_days_between(SATURDAY_10AM, MONDAY_9AM) == pytest.approx(0.375)


def test_whole_weeks_count_five_business_days_each():
    assert business_days_between(MONDAY_9AM, datetime(2027, 1, 4, 9, 0)) == pytest.approx(20)


@pytest.mark.parametrize(("now", "state", "label"), [
    (datetime(2026, 12, 4, 16, 0), NEW, "Waiting less than a business day"),
    (datetime(2026, 12, 7, 16, 0), DUE, "Due Tue 08 Dec 15:00 UTC"),
    (datetime(2026, 12, 8, 15, 0), OVERDUE, "Overdue: waiting 2 business days"),
    (datetime(2026, 12, 10, 16, 0), OVERDUE, "Overdue: waiting 4 business days"),
])
def test_queue_states_through_the_promise(now, state, label):
    result = aging(FRIDAY_3PM, now)
    assert (result.state, result.label) == (state, label)


def test_a_clock_behind_the_registration_shows_no_wait():
    assert aging(MONDAY_9AM, FRIDAY_3PM).waited == 0.0
