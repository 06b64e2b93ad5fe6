"""Tests wait on events, not on time (issue 20): poll a condition until a deadline, or count
the passes a background loop makes to prove that something did *not* happen (a pass that
started after the moment in question found nothing more to do)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Engine, text

T = TypeVar("T")


def wait_until(condition: Callable[[], T], timeout: float = 60, every: float = 0.1,
               what: str = "the condition") -> T:
    """``condition()``'s first truthy answer; fails the test if none comes by the deadline.
    (The deadline only bounds a broken run: it is never what the test measures.)"""
    deadline = time.monotonic() + timeout
    while True:
        answer = condition()
        if answer:
            return answer
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout} s")
        time.sleep(every)


class Passes:
    """A background loop's ``on_pass`` hook: counts its passes, and lets a test wait for a
    pass that began after now (the second one to end: the first may have begun before)."""

    def __init__(self) -> None:
        self._count = 0
        self._changed = threading.Condition()

    def __call__(self) -> None:
        with self._changed:
            self._count += 1
            self._changed.notify_all()

    def wait_full_pass(self, timeout: float = 60) -> None:
        with self._changed:
            target = self._count + 2
            if not self._changed.wait_for(lambda: self._count >= target, timeout):
                raise AssertionError(f"the loop made no full pass within {timeout} s")


def wait_for_lock_waiter(engine: Engine, timeout: float = 30) -> None:
    """On PostgreSQL: until a session of this database waits for a lock another one holds
    (``pg_stat_activity``), the proof that a concurrent transaction is blocked right now. SQLite
    shows no such thing (its writer waits inside the driver): there the caller's own
    barrier (the other thread reached the lock) is the event."""
    if engine.dialect.name != "postgresql":
        return
    # (A row lock is waited for as another transaction's id, which names no database: the
    # waiting session does.)
    query = text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                 "AND datname = current_database()")

    def waiting() -> bool:
        with engine.connect() as connection:
            return bool(connection.execute(query).scalar())

    wait_until(waiting, timeout, what="a transaction waiting for the lock")
