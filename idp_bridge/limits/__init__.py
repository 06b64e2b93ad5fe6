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

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, current_app
from sqlalchemy import ColumnElement, Executable, String, case, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
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
    now = now or utcnow()
    key, limit = budget.key(subject), budget.allowed()
    taken = db.session.execute(_take_in_one(key, limit, now, budget.window)).first()
    if taken is not None and limit > 0:
        return None
    return _refused(budget, key, now)


def _refused(budget: Budget, key: str, now: datetime) -> Refused:
    ends = db.session.scalar(select(RateCounter.window_ends_at).where(RateCounter.key == key))
    return Refused(budget, max(1, math.ceil(((ends or now) - now).total_seconds())))


def _taken_values(now: datetime, window: timedelta) -> dict[str, Any]:
    """A take on the row as it stands: a window that has ended starts again at one."""
    counter = RateCounter.__table__.c
    expired = counter.window_ends_at <= now
    return {"count": case((expired, 1), else_=counter.count + 1),
            "window_ends_at": case((expired, now + window), else_=counter.window_ends_at)}


def _room(limit: int, now: datetime) -> ColumnElement[bool]:
    counter = RateCounter.__table__.c
    return (counter.window_ends_at <= now) | (counter.count < limit)


def _take_in_one(key: str, limit: int, now: datetime, window: timedelta) -> Executable:
    """One INSERT ... ON CONFLICT DO UPDATE ... WHERE there is room (PostgreSQL and SQLite),
    answering a row only when the take counted (the condition is evaluated on the row
    locked by the conflict, so concurrent takes never pass the limit)."""
    counter = RateCounter.__table__.c
    dialect = db.session.get_bind().dialect.name
    dialect_insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (dialect_insert(RateCounter)
            .values(key=key, count=1 if limit > 0 else 0, window_ends_at=now + window)
            .on_conflict_do_update(index_elements=[counter.key],
                                   set_=_taken_values(now, window), where=_room(limit, now))
            .returning(counter.count))


def take_all(charges: Sequence[tuple[Budget, str]],
             now: datetime | None = None) -> Refused | None:
    """One of each budget, or none of them: a refusal gives back what was taken.

    All in one statement (issue 26: a pair lookup or a code send took three, and a hit gave
    them back in three more), the keys in a fixed order so two takes of the same keys lock
    their rows alike and never wait on each other in a circle."""
    now = now or utcnow()
    limit_of = {budget.key(subject): (budget, budget.allowed()) for budget, subject in charges}
    if len(limit_of) != len(charges):  # one key twice: one statement cannot take it twice
        return _take_each(charges, now)
    counted = {key for key, count in db.session.execute(_take_many_in_one(limit_of, now))
               if limit_of[key][1] > 0}
    if len(counted) == len(limit_of):
        return None
    _give_back_keys(counted)
    budget, subject = next((b, s) for b, s in charges if b.key(s) not in counted)
    return _refused(budget, budget.key(subject), now)


def _take_each(charges: Sequence[tuple[Budget, str]], now: datetime) -> Refused | None:
    taken: list[tuple[Budget, str]] = []
    for budget, subject in charges:
        refused = take(budget, subject, now)
        if refused is not None:
            give_back(taken)
            return refused
        taken.append((budget, subject))
    return None


def _take_many_in_one(limit_of: dict[str, tuple[Budget, int]], now: datetime) -> Executable:
    """``_take_in_one`` for several keys: each row's own window and limit, answering the keys
    whose take counted."""
    counter = RateCounter.__table__.c
    dialect = db.session.get_bind().dialect.name
    dialect_insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = dialect_insert(RateCounter).values([
        {"key": key, "count": 1 if limit > 0 else 0, "window_ends_at": now + budget.window}
        for key, (budget, limit) in sorted(limit_of.items())])
    expired = counter.window_ends_at <= now
    limit = case({key: limit for key, (_, limit) in limit_of.items()}, value=counter.key,
                 else_=0)
    return (statement.on_conflict_do_update(
        index_elements=[counter.key],
        set_={"count": case((expired, 1), else_=counter.count + 1),
              "window_ends_at": case((expired, statement.excluded.window_ends_at),
                                     else_=counter.window_ends_at)},
        where=expired | (counter.count < limit))
        .returning(counter.key, counter.count))


def give_back(charges: Iterable[tuple[Budget, str]]) -> None:
    """Return one of each budget (an attempt that turned out not to count)."""
    keys = [budget.key(subject) for budget, subject in charges]
    if len(set(keys)) == len(keys):
        _give_back_keys(keys)
        return
    for key in keys:  # one key twice: one statement would give it back once
        _give_back_keys([key])


def _give_back_keys(keys: Iterable[str]) -> None:
    ordered = sorted(keys)
    if ordered:
        db.session.execute(
            update(RateCounter)
            .where(RateCounter.key.in_(ordered), RateCounter.count > 0)
            .values(count=RateCounter.count - 1)
            .execution_options(synchronize_session=False))


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
