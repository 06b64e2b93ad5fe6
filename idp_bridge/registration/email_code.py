"""Email verification codes for Individual Enrollment.

Codes are HOTP values (pyotp) from a secret kept in the draft; each send moves the counter,
so only the last code sent can verify. A code lives 10 minutes and verifies once. After
five wrong tries the code is dead and the registrant asks for a new one (not a restart of the
whole registration); since sends are capped (five per registration, ten per address an
hour), a registration gets at most 25 guesses at a million possible codes.
"""

from __future__ import annotations

import hmac
import math
from dataclasses import dataclass
from typing import Any

import pyotp
from flask import current_app, has_app_context

from idp_bridge.config import setting_default
from idp_bridge.messages import problem

# The limits are settings (IDP_EMAIL_CODE_*, idp_bridge/config.py): these names are their
# defaults; ``limit()`` reads the running app's values.
CODE_LIFETIME_SECONDS = setting_default("IDP_EMAIL_CODE_LIFETIME_SECONDS")
SEND_COOLDOWN_SECONDS = setting_default("IDP_EMAIL_CODE_COOLDOWN_SECONDS")
MAX_SENDS_PER_DRAFT = setting_default("IDP_EMAIL_CODE_MAX_SENDS_PER_DRAFT")
MAX_SENDS_PER_ADDRESS_PER_HOUR = setting_default("IDP_EMAIL_CODE_MAX_SENDS_PER_ADDRESS_PER_HOUR")
MAX_WRONG_TRIES = setting_default("IDP_EMAIL_CODE_MAX_WRONG_TRIES")


def limit(name: str) -> int:
    """The setting IDP_EMAIL_CODE_<name> of the running app (its default outside one)."""
    key = f"IDP_EMAIL_CODE_{name}"
    return int(current_app.config[key] if has_app_context() else setting_default(key))


class CodeRefused(Exception):
    """The code request or check was refused: ``problem`` says why (a code), and
    ``retry_after`` in how many seconds asking again can succeed, when that is known."""

    def __init__(self, code: str, retry_after: int | None = None, **params: Any) -> None:
        self.problem = problem(code, **params)
        self.retry_after = retry_after
        super().__init__(self.problem.text)


def cooldown_refusal(seconds_left: float) -> CodeRefused:
    wait = max(1, math.ceil(seconds_left))
    return CodeRefused("code.cooldown", retry_after=wait, seconds=wait)


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
               cooldown: float = SEND_COOLDOWN_SECONDS,
               address_free_in: float = 3600) -> str:
    """Move to a fresh code for ``email``; raises CodeRefused when limits say no.
    ``address_free_in``: seconds until the address's oldest send of the hour ages out."""
    email = email.lower()
    if state.sent_at is not None and now - state.sent_at < cooldown:
        raise cooldown_refusal(cooldown - (now - state.sent_at))
    if state.sends >= limit("MAX_SENDS_PER_DRAFT"):
        raise CodeRefused("code.too_many_sends.draft")
    if sends_to_address >= limit("MAX_SENDS_PER_ADDRESS_PER_HOUR"):
        minutes = max(1, math.ceil(address_free_in / 60))
        raise CodeRefused("code.too_many_sends", retry_after=int(address_free_in),
                          minutes=minutes)
    if email != state.email:
        state.verified_email = None
    state.email = email
    state.counter += 1
    state.sent_at = now
    state.sends += 1
    state.used = False
    state.wrong_tries = 0  # a new code gets its own five tries (the sends are capped)
    return pyotp.HOTP(state.secret).at(state.counter)


def check_code(state: EmailCodeState, email: str, code: str, now: float) -> None:
    """Mark ``email`` verified if ``code`` is the live last code; raises CodeRefused if not."""
    precheck(state, email, now)
    if not code_matches(state, code):
        state.wrong_tries += 1
        raise wrong_code(state.wrong_tries)
    mark_verified(state)


def precheck(state: EmailCodeState, email: str, now: float) -> None:
    """Refusals that don't use up a try (no code sent, used, expired, locked)."""
    if state.wrong_tries >= limit("MAX_WRONG_TRIES"):
        raise CodeRefused("code.too_many_tries")
    if state.sent_at is None or email.strip().lower() != state.email:
        raise CodeRefused("code.not_sent")
    if state.used:
        raise CodeRefused("code.used")
    if now - state.sent_at > limit("LIFETIME_SECONDS"):
        raise CodeRefused("code.expired")


def code_matches(state: EmailCodeState, code: str) -> bool:
    code = code.strip()
    expected = pyotp.HOTP(state.secret).at(state.counter)
    return code.isdigit() and hmac.compare_digest(code, expected)


def wrong_code(wrong_tries: int) -> CodeRefused:
    left = limit("MAX_WRONG_TRIES") - wrong_tries
    if left <= 0:
        return CodeRefused("code.too_many_tries")
    return CodeRefused("code.wrong", left=left, tries="try" if left == 1 else "tries")


def mark_verified(state: EmailCodeState) -> None:
    state.used = True
    state.verified_email = state.email
