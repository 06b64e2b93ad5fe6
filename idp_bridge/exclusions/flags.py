"""The eligibility flag's life, as a pure rule (no database, the clock injected).

    raise ──> open ──keep──> kept
               │  └─suspend─> suspended ──keep──> kept
               └───────────── clear (listing ended / NPI reactivated) ──> cleared
    cleared ──reopen (listed again)──> open

``holds_access``: while true the organization's access is refused (live, on every request)
and its members are out of its Keycloak groups. An open flag holds access only when the
setting ``EXCLUSIONS_SUSPEND_ON_FLAG`` said so when it was raised; a plan administrator's
*suspend* holds it whatever the setting; *keep* and *clear* release it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from idp_bridge.messages import problem

OPEN, KEPT, SUSPENDED, CLEARED = "open", "kept", "suspended", "cleared"
STATES = (OPEN, KEPT, SUSPENDED, CLEARED)
# The queue: what still needs (or got) a plan administrator's look; cleared ones are history.
STANDING = (OPEN, KEPT, SUSPENDED)

_MOVES: dict[str, dict[str, str]] = {
    "keep": {OPEN: KEPT, SUSPENDED: KEPT},
    "suspend": {OPEN: SUSPENDED, KEPT: SUSPENDED},
    "clear": {OPEN: CLEARED, KEPT: CLEARED, SUSPENDED: CLEARED},
    "reopen": {CLEARED: OPEN},
}
NEEDS_NOTE = frozenset({"keep", "suspend"})
MAX_NOTE = 2000


class TransitionRefused(ValueError):
    """The move does not apply to the flag's state (already handled, or a note missing);
    ``str()`` is the reason, worded in ``messages``."""


@dataclass(frozen=True)
class FlagState:
    state: str
    holds_access: bool
    changed_at: datetime
    note: str = ""


def raised(now: datetime, suspend_on_flag: bool) -> FlagState:
    return FlagState(OPEN, suspend_on_flag, now)


def move(flag: FlagState, event: str, clock: Callable[[], datetime], note: str = "",
         suspend_on_flag: bool = False) -> FlagState:
    """The flag after ``event`` (keep, suspend, clear, reopen), or TransitionRefused."""
    target = _MOVES.get(event, {}).get(flag.state)
    if target is None:
        raise TransitionRefused(problem("exclusions.flag.cannot", state=flag.state, event=event))
    note = note.strip()
    if event in NEEDS_NOTE and not note:
        raise TransitionRefused(problem("exclusions.flag.note_required"))
    if len(note) > MAX_NOTE:
        raise TransitionRefused(problem("exclusions.flag.note_too_long", max_length=MAX_NOTE))
    holds = {KEPT: False, SUSPENDED: True, CLEARED: False, OPEN: suspend_on_flag}[target]
    return replace(flag, state=target, holds_access=holds, changed_at=clock(),
                   note=note or flag.note)
