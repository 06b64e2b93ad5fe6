"""Who may reset whose second factor, and the emailed identity check: pure rules, the clock
injected (no database, no Keycloak)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

SITE_ADMIN = "site_admin"
PLAN_ADMIN = "plan_admin"

CHECK_CODE_LIFETIME = timedelta(minutes=10)
CHECK_CODE_MAX_TRIES = 5
REASON_MAX = 200


def refusal(console: str, actor_id: str, target_id: str, target_is_plan_admin: bool) -> str | None:
    """A message code when this reset may not even start; None when it may.

    Nobody resets their own factor (an attacker in an administrator's session would give
    themselves a fresh enrollment); a Site Administrator never resets a plan administrator's
    (only another plan administrator can, from the plan's console)."""
    if actor_id == target_id:
        return "reset.self"
    if console == SITE_ADMIN and target_is_plan_admin:
        return "reset.plan_admin"
    return None


def clean_reason(typed: str) -> str | None:
    """The reason or ticket number, trimmed; None when empty or too long."""
    reason = " ".join((typed or "").split())
    return reason if 3 <= len(reason) <= REASON_MAX else None


def new_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


def code_digest(code: str, salt: str) -> str:
    return hashlib.sha256(f"{salt}:{code}".encode()).hexdigest()


def check(typed: str, digest: str, salt: str, sent_at: datetime, tries: int,
          now: datetime) -> str | None:
    """None when ``typed`` is the code read back in time; otherwise a message code.
    The caller counts every try (the right code after the fifth wrong one is refused)."""
    if tries >= CHECK_CODE_MAX_TRIES:
        return "reset.check_locked"
    if now - sent_at > CHECK_CODE_LIFETIME:
        return "reset.check_expired"
    cleaned = "".join(ch for ch in (typed or "") if ch.isdigit())
    if len(cleaned) != 6 or not hmac.compare_digest(code_digest(cleaned, salt), digest):
        return "reset.check_wrong"
    return None
