"""One scheduler for every time-based step (``flask lifecycle run``).

Steps are registered by name from each area's ``init_app`` (``register_step``). A pass runs
each step that is due. Two schedulers (two bridges, or a retried cron) never run one step at
the same time: a step is claimed with one conditional UPDATE of its row in
``lifecycle_steps``, and only the claimant records its end. A scheduler that dies mid-step
loses its claim after ``claim``; the step then runs again, so every step must be idempotent
item by item (a notice is recorded in the same transaction as its email, a disabling in the
row it changes), which is also why running the command twice sends nothing twice.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask, current_app
from sqlalchemy import ColumnElement, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from idp_bridge.clock import utcnow
from idp_bridge.extensions import db
from idp_bridge.lifecycle.models import ScheduledStep

log = logging.getLogger(__name__)
_REGISTRY = "lifecycle_steps"


@dataclass(frozen=True)
class Step:
    name: str
    run: Callable[[datetime], str]  # called with "now"; answers a short outcome to keep
    every: timedelta  # how often it is due
    claim: timedelta = timedelta(minutes=30)  # longer than one run can take


def register_step(app: Flask, name: str, run: Callable[[datetime], str],
                  every: timedelta, claim: timedelta = timedelta(minutes=30)) -> None:
    """Add a step to the scheduler, e.g. from an area's ``init_app``:
    ``register_step(app, "exclusions.screen", screen, every=timedelta(days=30))``.
    ``run(now)`` runs inside an app context and commits its own work."""
    if len(name) > 64:
        raise ValueError("a step's name is at most 64 characters")
    steps: dict[str, Step] = app.extensions.setdefault(_REGISTRY, {})
    steps[name] = Step(name, run, every, claim)


def registered_steps(app: Flask | None = None) -> list[Step]:
    app = app or current_app
    return list(app.extensions.get(_REGISTRY, {}).values())


@dataclass(frozen=True)
class Outcome:
    step: str
    ran: bool
    result: str


def run_due(now: datetime | None = None, force: bool = False,
            only: str | None = None) -> list[Outcome]:
    """One pass: each due step (every step with ``force``) that no other scheduler holds."""
    now = now or utcnow()
    outcomes = []
    for step in registered_steps():
        if only and step.name != only:
            continue
        token = _claim(step, now, force)
        if token is None:
            outcomes.append(Outcome(step.name, False, "not due, or running elsewhere"))
            continue
        outcomes.append(Outcome(step.name, True, _run(step, now, token)))
    return outcomes


def _run(step: Step, now: datetime, token: str) -> str:
    try:
        result = step.run(now)
    except Exception as exc:  # one failing step must not stop the others
        db.session.rollback()
        log.exception("lifecycle step %s failed; it runs again next pass", step.name)
        _release(step.name, token, f"failed: {type(exc).__name__}"[:200], finished=None)
        return f"failed: {type(exc).__name__}"
    _release(step.name, token, result[:200], finished=now)
    return result


def _ensure_row(name: str) -> None:
    with db.engine.begin() as connection:
        exists = connection.execute(select(ScheduledStep.name)
                                    .where(ScheduledStep.name == name)).first()
        if exists:
            return
    try:
        with db.engine.begin() as connection:
            connection.execute(insert(ScheduledStep).values(name=name, cursor="",
                                                            last_outcome=""))
    except IntegrityError:
        pass  # another scheduler inserted it first


def _due(step: Step, now: datetime) -> ColumnElement[bool]:
    return or_(ScheduledStep.last_finished_at.is_(None),
               ScheduledStep.last_finished_at <= now - step.every)


def _claim(step: Step, now: datetime, force: bool) -> str | None:
    _ensure_row(step.name)
    token = uuid.uuid4().hex
    free = or_(ScheduledStep.claimed_until.is_(None), ScheduledStep.claimed_until < now)
    condition = (ScheduledStep.name == step.name) & free
    if not force:
        condition = condition & _due(step, now)
    with db.engine.begin() as connection:
        result = connection.execute(update(ScheduledStep).where(condition).values(
            claimed_until=now + step.claim, claim_token=token, last_started_at=now))
    return token if result.rowcount == 1 else None


def _release(name: str, token: str, outcome: str, finished: datetime | None) -> None:
    values: dict[str, object] = {"claimed_until": None, "claim_token": None,
                                 "last_outcome": outcome}
    if finished is not None:
        values["last_finished_at"] = finished
    with db.engine.begin() as connection:
        connection.execute(update(ScheduledStep).where(
            ScheduledStep.name == name, ScheduledStep.claim_token == token).values(**values))


def read_cursor(name: str) -> str:
    row = db.session.get(ScheduledStep, name)
    return row.cursor if row else ""


def write_cursor(name: str, cursor: str) -> None:
    """Kept in the step's row (in the caller's transaction)."""
    db.session.execute(update(ScheduledStep).where(ScheduledStep.name == name)
                       .values(cursor=cursor[:200]))


def run_loop(app: Flask, stop: threading.Event, interval: float = 60.0) -> None:
    """The scheduler service: a pass every ``interval`` seconds until ``stop`` is set."""
    while not stop.is_set():
        try:
            with app.app_context():
                for outcome in run_due():
                    if outcome.ran:
                        log.info("lifecycle %s: %s", outcome.step, outcome.result)
        except Exception:
            log.exception("lifecycle pass failed; retrying")
        stop.wait(interval)


def start_thread(app: Flask, interval: float = 60.0) -> tuple[threading.Thread, threading.Event]:
    """Run the scheduler inside this process (``make run``)."""
    stop = threading.Event()
    thread = threading.Thread(target=run_loop, args=(app, stop, interval), daemon=True,
                              name="lifecycle-scheduler")
    thread.start()
    return thread, stop
