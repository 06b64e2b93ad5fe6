"""Email code rules, through the one owner production uses (``DraftEmailCode`` on a draft
row, its counts in the draft's columns and the limits table); the clock is injected."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from idp_bridge.extensions import db
from idp_bridge.registration import context as contexts
from idp_bridge.registration.context import RegistrationContext
from idp_bridge.registration.email_code import (
    CODE_LIFETIME_SECONDS,
    MAX_SENDS_PER_ADDRESS_PER_HOUR,
    MAX_SENDS_PER_DRAFT,
    MAX_WRONG_TRIES,
    SEND_COOLDOWN_SECONDS,
    CodeRefused,
    DraftEmailCode,
)
from idp_bridge.registration.models import RegistrationDraft

EMAIL = "pat@clinic.test"
CLIENT = "198.51.100.7"


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


class Registration:
    """One draft, asked the way the Individual Enrollment stage asks: a fresh owner per
    request, on the draft's committed row."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.draft = RegistrationDraft(step="individual", context={})
        db.session.add(self.draft)
        db.session.commit()

    def _owner(self) -> tuple[DraftEmailCode, RegistrationContext]:
        ctx = contexts.load(self.draft)
        return DraftEmailCode(self.draft, ctx, now=self.clock), ctx

    def _done(self, ctx: RegistrationContext) -> None:
        contexts.save(self.draft, ctx)
        db.session.commit()  # the view commits refusals too: counts are kept

    def send(self, email: str = EMAIL, client: str = CLIENT) -> str:
        owner, ctx = self._owner()
        try:
            return owner.send(email, client)
        finally:
            self._done(ctx)

    def verify(self, code: str, email: str = EMAIL) -> None:
        owner, ctx = self._owner()
        try:
            owner.verify(email, code)
        finally:
            self._done(ctx)

    def is_verified(self, email: str = EMAIL) -> bool:
        return self._owner()[0].is_verified(email)

    def wait(self, seconds: float) -> None:
        self.clock.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def registration(app: Flask, clock: Clock) -> Iterator[Registration]:
    with app.app_context():
        yield Registration(clock)


def wrong(code: str) -> str:
    return "000000" if code != "000000" else "111111"


def test_code_is_six_digits_and_verifies_once(registration):
    code = registration.send()
    assert len(code) == 6 and code.isdigit()
    registration.wait(5)
    registration.verify(code)
    assert registration.is_verified()
    with pytest.raises(CodeRefused, match="already been used"):
        registration.verify(code)


def test_only_the_last_code_sent_is_valid(registration):
    first = registration.send()
    registration.wait(SEND_COOLDOWN_SECONDS + 1)
    second = registration.send()
    assert first != second
    with pytest.raises(CodeRefused, match="incorrect"):
        registration.verify(first)
    registration.verify(second)


def test_code_expires_after_its_lifetime(registration):
    code = registration.send()
    registration.wait(CODE_LIFETIME_SECONDS + 1)
    with pytest.raises(CodeRefused, match="expired"):
        registration.verify(code)


def test_five_wrong_tries_lock_the_code_until_a_new_one_is_sent(registration):
    code = registration.send()
    for left in ("4 tries", "3 tries", "2 tries", "1 try"):
        with pytest.raises(CodeRefused, match=f"{left} left"):
            registration.verify(wrong(code))
    with pytest.raises(CodeRefused, match="Too many incorrect codes"):
        registration.verify(wrong(code))
    with pytest.raises(CodeRefused, match="Send Code for a new code"):
        registration.verify(code)  # even the right code is refused now
    # A new code (the sends stay capped) gets its own tries: no restart of the registration.
    registration.wait(SEND_COOLDOWN_SECONDS)
    fresh = registration.send()
    registration.verify(fresh)
    assert registration.is_verified()


def test_guesses_are_bounded_by_the_send_caps(registration):
    """Five wrong tries per code, five codes per registration: 25 guesses evaluated in all."""
    evaluated = 0
    for _ in range(MAX_SENDS_PER_DRAFT + 1):
        registration.wait(60)
        try:
            registration.send()
        except CodeRefused:
            break
        for _ in range(MAX_WRONG_TRIES * 2):  # more guesses than allowed
            with pytest.raises(CodeRefused):
                registration.verify("not-a-code")
        evaluated += registration.draft.code_wrong_tries
    assert evaluated == MAX_SENDS_PER_DRAFT * MAX_WRONG_TRIES


def test_cooldown_between_sends(registration):
    registration.send()
    registration.wait(10)
    with pytest.raises(CodeRefused, match="wait 20 seconds") as refused:
        registration.send()
    assert refused.value.retry_after == 20


def test_cap_per_draft_and_per_recipient(registration, clock):
    for _ in range(MAX_SENDS_PER_DRAFT):
        registration.send()
        registration.wait(60)
    with pytest.raises(CodeRefused, match="Too many codes"):
        registration.send()
    others = [Registration(clock) for _ in range(MAX_SENDS_PER_ADDRESS_PER_HOUR)]
    for other in others[:MAX_SENDS_PER_ADDRESS_PER_HOUR - MAX_SENDS_PER_DRAFT]:
        other.send()
    with pytest.raises(CodeRefused, match="Please try again in"):
        others[-1].send()  # ten codes to one address this hour, whichever drafts asked
    assert others[-1].send("someone.else@clinic.test")


def test_changing_the_email_needs_a_new_verification(registration):
    code = registration.send()
    registration.verify(code)
    assert not registration.is_verified("other@clinic.test")
    with pytest.raises(CodeRefused, match="Send Code"):
        registration.verify(code, email="other@clinic.test")


def test_a_refused_send_keeps_no_budget(registration, app):
    """A cooldown refusal gives back the recipient's, the client's and the total budget."""
    app.config.update(IDP_EMAIL_CODE_MAX_SENDS_PER_ADDRESS_PER_HOUR=2)
    registration.send()
    for _ in range(5):
        with pytest.raises(CodeRefused, match="wait"):
            registration.send()
    registration.wait(SEND_COOLDOWN_SECONDS)
    registration.send()  # the second of two sends to this address this hour
