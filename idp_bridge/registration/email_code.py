"""Email verification codes for Individual Enrollment.

Codes are HOTP values (pyotp) from a secret kept in the draft; each send moves the counter,
so only the last code sent can verify. A code lives 10 minutes and verifies once. Wrong
tries are counted per draft and address and are *not* reset by sending a new code, so
resending can't be used to get unlimited guesses.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Any

import pyotp

CODE_LIFETIME_SECONDS = 10 * 60
SEND_COOLDOWN_SECONDS = 30
MAX_SENDS_PER_DRAFT = 5
MAX_SENDS_PER_ADDRESS_PER_HOUR = 10
MAX_WRONG_TRIES = 5


TOO_MANY_TRIES = "Too many incorrect codes were entered. Please restart registration."
TOO_MANY_SENDS = "Too many codes have been requested. Please try again later."


class CodeRefused(Exception):
    """The code request or check was refused; ``str(exc)`` is the message for the user."""


@dataclass
class EmailCodeState:
    """What the draft remembers about codes; JSON-serialisable through ``to_dict``."""

    secret: str
    email: str = ""
    counter: int = 0
    sent_at: float | None = None
    sends: int = 0
    wrong_tries: int = 0
    used: bool = False
    verified_email: str | None = None

    @classmethod
    def new(cls) -> EmailCodeState:
        return cls(secret=pyotp.random_base32())

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> EmailCodeState:
        return cls(**data) if data else cls.new()

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def is_verified(self, email: str) -> bool:
        return self.verified_email is not None and self.verified_email == email.lower()


def issue_code(state: EmailCodeState, email: str, now: float, sends_to_address: int,
               cooldown: float = SEND_COOLDOWN_SECONDS) -> str:
    """Move to a fresh code for ``email``; raises CodeRefused when limits say no."""
    email = email.lower()
    if state.sent_at is not None and now - state.sent_at < cooldown:
        wait = int(cooldown - (now - state.sent_at)) + 1
        raise CodeRefused(f"A code was just sent. Please wait {wait} seconds before "
                          "requesting another.")
    if state.sends >= MAX_SENDS_PER_DRAFT or sends_to_address >= MAX_SENDS_PER_ADDRESS_PER_HOUR:
        raise CodeRefused(TOO_MANY_SENDS)
    if email != state.email:
        state.verified_email = None
    state.email = email
    state.counter += 1
    state.sent_at = now
    state.sends += 1
    state.used = False
    return pyotp.HOTP(state.secret).at(state.counter)


def check_code(state: EmailCodeState, email: str, code: str, now: float) -> None:
    """Mark ``email`` verified if ``code`` is the live last code; raises CodeRefused if not."""
    precheck(state, email, now)
    if not code_matches(state, code):
        state.wrong_tries += 1
        raise CodeRefused(wrong_code_message(state.wrong_tries))
    mark_verified(state)


def precheck(state: EmailCodeState, email: str, now: float) -> None:
    """Refusals that don't use up a try (no code sent, used, expired, locked)."""
    if state.wrong_tries >= MAX_WRONG_TRIES:
        raise CodeRefused(TOO_MANY_TRIES)
    if state.sent_at is None or email.lower() != state.email:
        raise CodeRefused("Please click Send Code to receive a code at this email address.")
    if state.used:
        raise CodeRefused("This code has already been used. Please click Send Code for a new "
                          "code.")
    if now - state.sent_at > CODE_LIFETIME_SECONDS:
        raise CodeRefused("This code has expired. Please click Send Code for a new code.")


def code_matches(state: EmailCodeState, code: str) -> bool:
    code = code.strip()
    expected = pyotp.HOTP(state.secret).at(state.counter)
    return code.isdigit() and hmac.compare_digest(code, expected)


def wrong_code_message(wrong_tries: int) -> str:
    left = MAX_WRONG_TRIES - wrong_tries
    if left <= 0:
        return TOO_MANY_TRIES
    return f"The code is incorrect. {left} {'try' if left == 1 else 'tries'} left."


def mark_verified(state: EmailCodeState) -> None:
    state.used = True
    state.verified_email = state.email
