"""Email code rules, without a server: the clock is passed in."""

from __future__ import annotations

import pytest

from idp_bridge.registration.email_code import (
    CODE_LIFETIME_SECONDS,
    MAX_SENDS_PER_ADDRESS_PER_HOUR,
    MAX_SENDS_PER_DRAFT,
    MAX_WRONG_TRIES,
    SEND_COOLDOWN_SECONDS,
    CodeRefused,
    EmailCodeState,
    check_code,
    issue_code,
)

EMAIL = "pat@clinic.test"


def test_code_is_six_digits_and_verifies_once():
    state = EmailCodeState.new()
    code = issue_code(state, EMAIL, now=0, sends_to_address=0)
    assert len(code) == 6 and code.isdigit()
    check_code(state, EMAIL, code, now=5)
    assert state.is_verified(EMAIL)
    with pytest.raises(CodeRefused, match="already been used"):
        check_code(state, EMAIL, code, now=6)


def test_only_the_last_code_sent_is_valid():
    state = EmailCodeState.new()
    first = issue_code(state, EMAIL, now=0, sends_to_address=0)
    second = issue_code(state, EMAIL, now=SEND_COOLDOWN_SECONDS + 1, sends_to_address=1)
    assert first != second
    with pytest.raises(CodeRefused, match="incorrect"):
        check_code(state, EMAIL, first, now=40)
    check_code(state, EMAIL, second, now=41)


def test_code_expires_after_ten_minutes():
    state = EmailCodeState.new()
    code = issue_code(state, EMAIL, now=0, sends_to_address=0)
    with pytest.raises(CodeRefused, match="expired"):
        check_code(state, EMAIL, code, now=CODE_LIFETIME_SECONDS + 1)


def test_five_wrong_tries_lock_the_code_until_a_new_one_is_sent():
    state = EmailCodeState.new()
    code = issue_code(state, EMAIL, now=0, sends_to_address=0)
    wrong = "000000" if code != "000000" else "111111"
    for left in ("4 tries", "3 tries", "2 tries", "1 try"):
        with pytest.raises(CodeRefused, match=f"{left} left"):
            check_code(state, EMAIL, wrong, now=1)
    with pytest.raises(CodeRefused, match="Too many incorrect codes"):
        check_code(state, EMAIL, wrong, now=2)
    with pytest.raises(CodeRefused, match="Send Code for a new code"):
        check_code(state, EMAIL, code, now=3)  # even the right code is refused now
    # A new code (the sends stay capped) gets its own tries: no restart of the registration.
    fresh = issue_code(state, EMAIL, now=SEND_COOLDOWN_SECONDS + 3, sends_to_address=1)
    check_code(state, EMAIL, fresh, now=SEND_COOLDOWN_SECONDS + 4)
    assert state.is_verified(EMAIL)


def test_guesses_are_bounded_by_the_send_caps():
    """Five wrong tries per code, five codes per registration: 25 guesses evaluated in all."""
    state = EmailCodeState.new()
    evaluated = 0
    for send in range(MAX_SENDS_PER_DRAFT + 1):
        try:
            issue_code(state, EMAIL, now=send * 60, sends_to_address=send)
        except CodeRefused:
            break
        for _ in range(MAX_WRONG_TRIES * 2):  # more guesses than allowed
            with pytest.raises(CodeRefused):
                check_code(state, EMAIL, "not-a-code", now=send * 60 + 1)
        evaluated += state.wrong_tries
    assert evaluated == MAX_SENDS_PER_DRAFT * MAX_WRONG_TRIES


def test_cooldown_between_sends():
    state = EmailCodeState.new()
    issue_code(state, EMAIL, now=0, sends_to_address=0)
    with pytest.raises(CodeRefused, match="wait 20 seconds"):
        issue_code(state, EMAIL, now=10, sends_to_address=1)


def test_cap_per_draft_and_per_address():
    state = EmailCodeState.new()
    for i in range(MAX_SENDS_PER_DRAFT):
        issue_code(state, EMAIL, now=i * 60, sends_to_address=i)
    with pytest.raises(CodeRefused, match="Too many codes"):
        issue_code(state, EMAIL, now=10_000, sends_to_address=0)
    fresh = EmailCodeState.new()
    with pytest.raises(CodeRefused, match="Too many codes"):
        issue_code(fresh, EMAIL, now=0, sends_to_address=MAX_SENDS_PER_ADDRESS_PER_HOUR)


def test_changing_the_email_needs_a_new_verification():
    state = EmailCodeState.new()
    code = issue_code(state, EMAIL, now=0, sends_to_address=0)
    check_code(state, EMAIL, code, now=1)
    assert not state.is_verified("other@clinic.test")
    with pytest.raises(CodeRefused, match="Send Code"):
        check_code(state, "other@clinic.test", code, now=2)


def test_state_round_trips_through_json():
    state = EmailCodeState.new()
    issue_code(state, EMAIL, now=0, sends_to_address=0)
    assert EmailCodeState.from_dict(state.to_dict()) == state
