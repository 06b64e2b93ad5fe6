"""The inactivity rule on a frozen clock, day by day at each boundary (180 days, warnings 30
and 7 days before): what a person would notice is which email arrives on which day, and the
day their login stops working."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from idp_bridge.lifecycle.models import (
    NOTICE_DISABLED,
    NOTICE_FIRST,
    NOTICE_NONE,
    NOTICE_SECOND,
)
from idp_bridge.lifecycle.rules import Due, InactivityPolicy, LoginState, due

POLICY = InactivityPolicy(days=180, first_warning=30, second_warning=7)
SINCE = datetime(2026, 1, 1, 9, 0)


def day(n: int, hours: int = 0) -> datetime:
    return SINCE + timedelta(days=n, hours=hours)


@pytest.mark.parametrize(("on", "expected"), [
    (day(149, 23), None),  # the day before the first warning: nothing
    (day(150), Due(NOTICE_FIRST, day(180))),  # N-30: the first warning names day 180
])
def test_inactive_first_warning_comes_30_days_before(on: datetime, expected: Due | None) -> None:
    assert due(LoginState(SINCE), POLICY, on) == expected


@pytest.mark.parametrize(("on", "expected"), [
    (day(172, 23), None),
    (day(173), Due(NOTICE_SECOND, day(180))),  # N-7
])
def test_inactive_second_warning_comes_7_days_before(on: datetime, expected: Due | None) -> None:
    state = LoginState(SINCE, NOTICE_FIRST, day(180))
    assert due(state, POLICY, on) == expected


@pytest.mark.parametrize(("on", "expected"), [
    (day(179, 23), None),
    (day(180), Due(NOTICE_DISABLED, day(180))),  # N: disabled
])
def test_inactive_login_is_disabled_on_day_n(on: datetime, expected: Due | None) -> None:
    state = LoginState(SINCE, NOTICE_SECOND, day(180))
    assert due(state, POLICY, on) == expected


def test_inactive_login_never_jumps_a_warning_even_when_long_idle() -> None:
    # A login first seen 400 days idle (or a scheduler away for months) gets the first
    # warning, and the full 30 days from it, not a disabling.
    first = due(LoginState(SINCE), POLICY, day(400))
    assert first == Due(NOTICE_FIRST, day(430))
    second = due(LoginState(SINCE, NOTICE_FIRST, first.disable_on), POLICY, day(423))
    assert second == Due(NOTICE_SECOND, day(430))
    assert due(LoginState(SINCE, NOTICE_SECOND, day(430)), POLICY, day(429)) is None
    assert due(LoginState(SINCE, NOTICE_SECOND, day(430)), POLICY, day(430)).notice == \
        NOTICE_DISABLED


def test_inactive_second_warning_sent_late_still_gives_7_days() -> None:
    # The scheduler was away from day 170 to day 179: the second warning goes out on day 179
    # and the disabling moves to day 186.
    state = LoginState(SINCE, NOTICE_FIRST, day(180))
    assert due(state, POLICY, day(179)) == Due(NOTICE_SECOND, day(186))


def test_inactive_rule_gives_one_notice_per_pass_and_none_after_disabling() -> None:
    assert due(LoginState(SINCE, NOTICE_DISABLED, day(180)), POLICY, day(900)) is None
    # already warned first, not yet time for the second
    assert due(LoginState(SINCE, NOTICE_FIRST, day(180)), POLICY, day(151)) is None


def test_inactive_count_starts_again_from_the_last_sign_in() -> None:
    signed_in = day(100)  # a sign-in moves active_since; notices start over
    assert due(LoginState(signed_in), POLICY, day(249)) is None
    assert due(LoginState(signed_in), POLICY, day(250)).notice == NOTICE_FIRST


def test_inactive_period_zero_means_never() -> None:
    never = InactivityPolicy(days=0, first_warning=30, second_warning=7)
    assert never.never and due(LoginState(SINCE), never, day(10_000)) is None


def test_inactive_short_period_warns_at_once() -> None:
    # A period shorter than the warning (a plan choosing 20 days): warned at once, and the
    # disabling waits the full 30 days of the first warning.
    short = InactivityPolicy(days=20, first_warning=30, second_warning=7)
    assert due(LoginState(SINCE), short, day(0)) == Due(NOTICE_FIRST, day(30))
    assert due(LoginState(SINCE, NOTICE_NONE), short, day(0)).notice == NOTICE_FIRST
