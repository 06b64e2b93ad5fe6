"""Email verification codes for Individual Enrollment: the one owner of a draft's code.

The stage asks (``DraftEmailCode(draft, ctx).send(...)`` / ``.verify(...)`` /
``.is_verified(...)``); this module keeps the state, each piece once:

- counts in the draft's columns, each changed by one conditional UPDATE so concurrent
  submits never lose one: ``code_sends`` (also the HOTP counter: only the last code sent
  verifies), ``code_last_send`` (epoch seconds: the cooldown and the code's lifetime),
  ``code_wrong_tries`` (a try is taken before the code is compared);
- the secret, the address the code went to, whether it was used and which address it
  verified, in the draft's JSON (``ctx.email_code``), written only here;
- sends per recipient, per client address and in total per hour in ``idp_bridge.limits``.

A code lives IDP_EMAIL_CODE_LIFETIME_SECONDS (10 minutes by default; the mail states it)
and verifies once. After five wrong tries the code is dead and the registrant asks for a
new one (not a restart of the whole registration); since sends are
capped (five per registration), a registration gets at most 25 guesses at a million codes.
"Now" comes from ``idp_bridge.clock`` (or the clock the caller injects).
"""

from __future__ import annotations

import hmac
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

import pyotp
from flask import current_app, has_app_context
from sqlalchemy import or_, select, update
from sqlalchemy.orm.attributes import set_committed_value

from idp_bridge import clock, limits
from idp_bridge.config import setting_default
from idp_bridge.extensions import db
from idp_bridge.limits import Budget, Refused
from idp_bridge.messages import problem
from idp_bridge.registration.context import RegistrationContext
from idp_bridge.registration.models import RegistrationDraft

# The limits are settings (IDP_EMAIL_CODE_*, idp_bridge/config.py): these names are their
# defaults; ``limit()`` reads the running app's values.
CODE_LIFETIME_SECONDS = setting_default("IDP_EMAIL_CODE_LIFETIME_SECONDS")
SEND_COOLDOWN_SECONDS = setting_default("IDP_EMAIL_CODE_COOLDOWN_SECONDS")
MAX_SENDS_PER_DRAFT = setting_default("IDP_EMAIL_CODE_MAX_SENDS_PER_DRAFT")
MAX_SENDS_PER_ADDRESS_PER_HOUR = setting_default("IDP_EMAIL_CODE_MAX_SENDS_PER_ADDRESS_PER_HOUR")
MAX_WRONG_TRIES = setting_default("IDP_EMAIL_CODE_MAX_WRONG_TRIES")

HOUR = timedelta(hours=1)
PER_RECIPIENT = Budget("code-send:to", HOUR, "IDP_EMAIL_CODE_MAX_SENDS_PER_ADDRESS_PER_HOUR")
PER_CLIENT = Budget("code-send:client", HOUR, "IDP_EMAIL_CODE_MAX_SENDS_PER_CLIENT_PER_HOUR")
IN_TOTAL = Budget("code-send:total", HOUR, "IDP_EMAIL_CODE_MAX_SENDS_PER_HOUR")
_REFUSALS = {PER_RECIPIENT: "code.too_many_sends", PER_CLIENT: "code.too_many_sends.client",
             IN_TOTAL: "code.too_many_sends.total"}


def limit(name: str) -> int:
    """The setting IDP_EMAIL_CODE_<name> of the running app (its default outside one)."""
    key = f"IDP_EMAIL_CODE_{name}"
    return int(current_app.config[key] if has_app_context() else setting_default(key))


def lifetime_minutes() -> int:
    """The code's lifetime as the mail states it: whole minutes, never more than it lives."""
    return max(1, limit("LIFETIME_SECONDS") // 60)


class CodeRefused(Exception):
    """The code request or check was refused: ``problem`` says why (a code), and
    ``retry_after`` in how many seconds asking again can succeed, when that is known."""

    def __init__(self, code: str, retry_after: int | None = None, locked_now: bool = False,
                 **params: Any) -> None:
        self.problem = problem(code, **params)
        self.retry_after = retry_after
        self.locked_now = locked_now  # this wrong try used up the last one (a lockout)
        super().__init__(self.problem.text)


@dataclass
class CodeSecret:
    """What the draft's JSON keeps about its code (no counts: those are columns)."""

    secret: str
    email: str = ""  # where the last code went
    used: bool = False
    verified_email: str | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> CodeSecret:
        known = {"secret", "email", "used", "verified_email"}
        values = {k: v for k, v in (data or {}).items() if k in known}
        return cls(**values) if values.get("secret") else cls(secret=pyotp.random_base32())


class DraftEmailCode:
    """The email code of one draft (read under the draft's row lock, as wizard submits are)."""

    def __init__(self, draft: RegistrationDraft, ctx: RegistrationContext,
                 now: Callable[[], float] | None = None) -> None:
        self.draft = draft
        self.ctx = ctx
        # Looked up at each call: a test that sets the bridge's clock forward is obeyed.
        self.now = now or (lambda: clock.epoch())
        self.state = CodeSecret.from_dict(ctx.email_code)

    def is_verified(self, email: str) -> bool:
        return (self.state.verified_email is not None
                and self.state.verified_email == email.strip().lower())

    def send(self, email: str, client_address: str) -> str:
        """A fresh code for ``email`` (to be mailed by the caller); CodeRefused when a limit
        says no. Every limit is taken atomically; none is kept when another refuses."""
        email = email.strip().lower()
        charges = [(PER_RECIPIENT, email), (PER_CLIENT, client_address), (IN_TOTAL, "all")]
        refused = limits.take_all(charges)
        if refused is not None:
            raise _send_refusal(refused)
        try:
            sends = self._reserve_send()
        except CodeRefused:
            limits.give_back(charges)
            raise
        if email != self.state.email:
            self.state.verified_email = None
        self.state.email, self.state.used = email, False
        self._save()
        return pyotp.HOTP(self.state.secret).at(sends)

    def verify(self, email: str, code: str) -> None:
        """Mark ``email`` verified if ``code`` is the live last code; CodeRefused if not."""
        self._precheck(email)
        reserved = self._reserve_try()  # taken before the code is compared, atomically
        if reserved is None:
            raise CodeRefused("code.too_many_tries")
        tries, sends = reserved
        code = code.strip()
        expected = pyotp.HOTP(self.state.secret).at(sends)
        if not (code.isdigit() and hmac.compare_digest(code, expected)):
            raise _wrong_code(tries)
        # Only wrong codes count: the try is given back by the draft's own UPDATE when the
        # submit commits (issue 26: one statement fewer than an UPDATE of its own).
        self.draft.code_wrong_tries = RegistrationDraft.code_wrong_tries - 1
        self.state.used = True
        self.state.verified_email = self.state.email
        self._save()

    def verified_elsewhere(self, email: str) -> None:
        """The address proved itself another way (an invitation link mailed to it): verified,
        with no code to send or check."""
        self.state.email = self.state.verified_email = email.strip().lower()
        self.state.used = True
        self._save()

    def forget(self) -> None:
        """Another address is coming (merge NO): a new secret, and its first code may be
        sent at once; the draft's caps stay."""
        self.state = CodeSecret.from_dict(None)
        self.ctx.email_code = None
        self._change(code_last_send=None)

    # The columns ---------------------------------------------------------------------

    def _precheck(self, email: str) -> None:
        """Refusals that don't use up a try (no code sent, used, expired, locked). The counts
        are the draft's as read under its row lock, which nothing else changes before this
        request commits (issue 26: no statement to read them again); the tries themselves
        are still bounded by ``_reserve_try``'s conditional UPDATE, lock or no lock."""
        last_send, wrong_tries = self.draft.code_last_send, self.draft.code_wrong_tries
        if (wrong_tries or 0) >= limit("MAX_WRONG_TRIES"):
            raise CodeRefused("code.too_many_tries")
        if last_send is None or email.strip().lower() != self.state.email:
            raise CodeRefused("code.not_sent")
        if self.state.used:
            raise CodeRefused("code.used")
        if self.now() - last_send > limit("LIFETIME_SECONDS"):
            raise CodeRefused("code.expired")

    def _reserve_send(self) -> int:
        """The per-draft cap and the cooldown in one conditional UPDATE; a new code gets its
        own tries. Returns the new send count (the code's HOTP counter)."""
        now, cooldown = self.now(), limit("COOLDOWN_SECONDS")
        draft = RegistrationDraft
        sent = self._change(
            draft.code_sends < limit("MAX_SENDS_PER_DRAFT"),
            or_(draft.code_last_send.is_(None), draft.code_last_send <= now - cooldown),
            code_sends=draft.code_sends + 1, code_last_send=now, code_wrong_tries=0)
        if sent is not None:
            return int(sent.code_sends)
        if self._column("code_sends") >= limit("MAX_SENDS_PER_DRAFT"):
            raise CodeRefused("code.too_many_sends.draft")
        wait = max(1, math.ceil(cooldown - (now - (self._column("code_last_send") or now))))
        raise CodeRefused("code.cooldown", retry_after=wait, seconds=wait)

    def _reserve_try(self) -> tuple[int, int] | None:
        """Use up one of the code's tries, or None if none is left: at most five guesses are
        ever evaluated for a code, however many arrive at once. Answers how many tries are
        used now and the send count (the HOTP counter of the live code), both as the
        reservation left them."""
        draft = RegistrationDraft
        taken = self._change(
            draft.code_wrong_tries < limit("MAX_WRONG_TRIES"),
            code_wrong_tries=draft.code_wrong_tries + 1)
        return None if taken is None else (int(taken.code_wrong_tries), int(taken.code_sends or 0))

    # A plain statement on the request's connection; the draft object is told what the row
    # now holds (``_mirror``), so nothing reads it again, and a draft held by a submit
    # (registration/draft_rows.py), which no ORM session knows, stays true to its row.
    def _change(self, *conditions: Any, **values: Any) -> Any:
        """One conditional UPDATE of the draft's code columns: the row's code columns as the
        change left them, or None when the conditions did not hold (then nothing changed,
        and the submit holds the row, so the object is still what the row is)."""
        changed = db.session.connection().execute(
            update(RegistrationDraft)
            .where(RegistrationDraft.id == self.draft.id, *conditions).values(**values)
            .returning(*_CODE_COLUMNS)).first()
        if changed is not None:
            self._mirror(changed)
        return changed

    def _mirror(self, row: Any) -> None:
        """The draft object holds the code columns as the row now does (not as changes of
        its own to write back)."""
        for column in _CODE_COLUMNS:
            set_committed_value(self.draft, column.key, getattr(row, column.key))

    def _column(self, name: str) -> Any:
        value = db.session.scalar(select(getattr(RegistrationDraft, name))
                                  .where(RegistrationDraft.id == self.draft.id))
        return value if value is not None or name == "code_last_send" else 0

    def _save(self) -> None:
        self.ctx.email_code = asdict(self.state)


_CODE_COLUMNS = (RegistrationDraft.code_sends, RegistrationDraft.code_last_send,
                 RegistrationDraft.code_wrong_tries)


def _send_refusal(refused: Refused) -> CodeRefused:
    return CodeRefused(_REFUSALS[refused.budget], retry_after=refused.retry_after,
                       minutes=refused.minutes)


def _wrong_code(wrong_tries: int) -> CodeRefused:
    left = limit("MAX_WRONG_TRIES") - wrong_tries
    if left <= 0:
        return CodeRefused("code.too_many_tries", locked_now=True)
    return CodeRefused("code.wrong", left=left, tries="try" if left == 1 else "tries")
