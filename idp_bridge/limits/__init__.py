"""Budgets counted in the database: how often something may happen per key and window.

One row per key (``pair-miss:npi:1234567893``): how many were taken in its window and when
the window ends. ``take`` is one INSERT ... ON CONFLICT DO UPDATE whose update happens only
while there is room, so concurrent requests on any number of bridge processes never take more
than the limit, the same way on SQLite and PostgreSQL (the condition is re-read under the
row's lock, the two databases the bridge runs on). A window starts at the first take after
the last one ended.

Used by: NPI/TIN pair lookups (``npi/guesses.py``), email code sends
(``registration/email_code.py``), back-channel logout token ids (``auth/backchannel.py``).
A plan administrator sees and lifts limits with ``flask limits list`` / ``flask limits lift``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask, current_app
from sqlalchemy import DateTime, Executable, String, bindparam, delete, select, text, update
from sqlalchemy.orm import Mapped, mapped_column

from idp_bridge.clock import utcnow
from idp_bridge.extensions import db

MAX_KEY_CHARS = 200


class RateCounter(db.Model):  # type: ignore[name-defined]
    __tablename__ = "rate_counters"

    key: Mapped[str] = mapped_column(String(MAX_KEY_CHARS), primary_key=True)
    count: Mapped[int] = mapped_column(default=0, server_default="0")
    window_ends_at: Mapped[datetime] = mapped_column(index=True)


@dataclass(frozen=True)
class Budget:
    """``limit`` takes per ``window`` for each subject; ``setting`` names the app config
    value that holds the limit (so a deployment can change it), ``limit`` is used without
    an app."""

    name: str
    window: timedelta
    setting: str = ""
    limit: int = 0

    def allowed(self) -> int:
        return int(current_app.config[self.setting]) if self.setting else self.limit

    def key(self, subject: str) -> str:
        return f"{self.name}:{subject}"[:MAX_KEY_CHARS]


@dataclass(frozen=True)
class Refused:
    """The budget that said no, and in how many seconds it has room again."""

    budget: Budget
    retry_after: int

    @property
    def minutes(self) -> int:
        return max(1, math.ceil(self.retry_after / 60))


def take(budget: Budget, subject: str, now: datetime | None = None) -> Refused | None:
    """Use one of ``subject``'s budget, atomically; ``Refused`` if none is left."""
    return take_all([(budget, subject)], now)


def take_all(charges: Sequence[tuple[Budget, str]],
             now: datetime | None = None) -> Refused | None:
    """One of each budget, or none of them: a refusal gives back what was taken.

    All in one statement (issue 26: a pair lookup or a code send took three, and a hit gave
    them back in three more), the keys in a fixed order so two takes of the same keys lock
    their rows alike and never wait on each other in a circle."""
    now = now or utcnow()
    limit_of = {budget.key(subject): (budget, budget.allowed()) for budget, subject in charges}
    if len(limit_of) != len(charges):
        raise ValueError("each budget and subject once: one statement takes a key once")
    counted = {key for key, _count in db.session.execute(*_take_in_one(limit_of, now))
               if limit_of[key][1] > 0}
    if len(counted) == len(limit_of):
        return None
    _give_back_keys(counted)
    budget, subject = next((b, s) for b, s in charges if b.key(s) not in counted)
    ends = db.session.scalar(select(RateCounter.window_ends_at)
                             .where(RateCounter.key == budget.key(subject)))
    return Refused(budget, max(1, math.ceil(((ends or now) - now).total_seconds())))


def _take_in_one(limit_of: dict[str, tuple[Budget, int]],
                 now: datetime) -> tuple[Executable, dict[str, object]]:
    """One INSERT ... ON CONFLICT DO UPDATE ... WHERE there is room (PostgreSQL and SQLite)
    for every key, each held to its own limit and window, answering the keys whose take
    counted (the condition is evaluated on the row locked by the conflict, so concurrent
    takes never pass a limit). A window that has ended starts again at one."""
    params: dict[str, object] = {"now": now}
    for i, (key, (budget, limit)) in enumerate(sorted(limit_of.items())):
        params.update({f"key_{i}": key, f"count_{i}": 1 if limit > 0 else 0,
                       f"window_{i}": now + budget.window, f"limit_{i}": limit})
    return _take_statement(len(limit_of)), params


@functools.cache
def _take_statement(keys: int) -> Executable:
    """The statement for this many keys, written once: SQLAlchemy cannot cache the compiled
    form of a multi-row INSERT built from values, and compiling it anew cost about a
    millisecond a take (issue 26). The same text runs on PostgreSQL and SQLite 3.35+."""
    rows = ", ".join(f"(:key_{i}, :count_{i}, :window_{i})" for i in range(keys))
    limits = " ".join(f"WHEN :key_{i} THEN :limit_{i}" for i in range(keys))
    ended = "rate_counters.window_ends_at <= :now"
    # Only placeholder names and row numbers are formatted in; every value is bound.
    return text(
        f"INSERT INTO rate_counters (key, count, window_ends_at) VALUES {rows} "  # noqa: S608
        f"ON CONFLICT (key) DO UPDATE SET "
        f"count = CASE WHEN {ended} THEN 1 ELSE rate_counters.count + 1 END, "
        f"window_ends_at = CASE WHEN {ended} THEN excluded.window_ends_at "
        f"ELSE rate_counters.window_ends_at END "
        f"WHERE {ended} OR rate_counters.count < CASE rate_counters.key {limits} ELSE 0 END "
        f"RETURNING key, count"
    ).bindparams(bindparam("now", type_=DateTime()),
                 *(bindparam(f"window_{i}", type_=DateTime()) for i in range(keys)))


_GIVE_BACK = (update(RateCounter.__table__)
              .where(RateCounter.key.in_(bindparam("keys", expanding=True)),
                     RateCounter.count > 0)
              .values(count=RateCounter.count - 1))


def give_back(charges: Iterable[tuple[Budget, str]]) -> None:
    """Return one of each budget (an attempt that turned out not to count)."""
    _give_back_keys(budget.key(subject) for budget, subject in charges)


def _give_back_keys(keys: Iterable[str]) -> None:
    ordered = sorted(set(keys))
    if ordered:
        db.session.connection().execute(  # a plain statement: nothing loaded is changed
            _GIVE_BACK, {"keys": ordered})


def active(now: datetime | None = None, prefix: str = "") -> list[RateCounter]:
    """Counters whose window is still open, fullest first."""
    now = now or utcnow()
    return list(db.session.scalars(
        select(RateCounter).where(RateCounter.window_ends_at > now,
                                  RateCounter.key.startswith(prefix))
        .order_by(RateCounter.count.desc(), RateCounter.key)))


def lift(key_or_prefix: str) -> int:
    """Forget the counters with this key, or under this prefix when it ends with ``:``;
    how many were removed."""
    condition = (RateCounter.key.startswith(key_or_prefix) if key_or_prefix.endswith(":")
                 else RateCounter.key == key_or_prefix)
    result = db.session.execute(delete(RateCounter).where(condition))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def prune(now: datetime | None = None) -> int:
    """Remove counters whose window has ended (they would restart at the next take)."""
    result = db.session.execute(delete(RateCounter).where(
        RateCounter.window_ends_at <= (now or utcnow())))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


PRUNE_STEP = "limits.prune"


def init_app(app: Flask) -> None:
    from idp_bridge.lifecycle import register_step
    from idp_bridge.limits.cli import limits_cli

    app.cli.add_command(limits_cli)
    register_step(app, PRUNE_STEP, prune_step, every=timedelta(hours=1))


def prune_step(now: datetime) -> str:
    """The scheduler's step: counters whose window ended are removed."""
    removed = prune(now)
    db.session.commit()
    return f"removed {removed} ended counter(s)"
