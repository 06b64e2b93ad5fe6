"""``flask lifecycle run`` (one pass, or the scheduler service with ``--loop``) and
``flask lifecycle status``."""

from __future__ import annotations

import signal
import threading
from datetime import datetime

import click
from flask import current_app
from flask.cli import AppGroup

from idp_bridge.extensions import db
from idp_bridge.lifecycle.models import ScheduledStep
from idp_bridge.lifecycle.scheduler import registered_steps, run_due, run_loop

lifecycle_cli = AppGroup("lifecycle", help="Time-based steps: sign-ins, inactive logins, ...")


@lifecycle_cli.command("run")
@click.option("--all", "force", is_flag=True,
              help="Every step now, due or not (each is idempotent: nothing is sent twice).")
@click.option("--step", "only", default=None, help="Only this step.")
@click.option("--loop", is_flag=True, help="Keep running: the scheduler service.")
@click.option("--now", "now_text", default=None, hidden=True,
              help="ISO date-time to run as (tests and drills only).")
def run(force: bool, only: str | None, loop: bool, now_text: str | None) -> None:
    """Run the time-based steps that are due. Safe to run anywhere, any number of times at
    once: each step is claimed in the database, and each of its items is done once."""
    if loop:
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        click.echo("lifecycle scheduler running", err=True)
        run_loop(current_app._get_current_object(),  # type: ignore[attr-defined]
                 stop, current_app.config["IDP_LIFECYCLE_INTERVAL_SECONDS"])
        return
    now = datetime.fromisoformat(now_text) if now_text else None
    if only and only not in {s.name for s in registered_steps()}:
        raise click.UsageError(f"no step named {only!r}")
    for outcome in run_due(now, force=force, only=only):
        click.echo(f"{outcome.step}: {outcome.result}")


@lifecycle_cli.command("status")
def status() -> None:
    """Each step: when it last finished and what it did (for monitoring)."""
    rows = {r.name: r for r in db.session.scalars(db.select(ScheduledStep))}
    for step in registered_steps():
        row = rows.get(step.name)
        finished = row.last_finished_at.isoformat() if row and row.last_finished_at else "never"
        click.echo(f"{step.name}: every {step.every}, last finished {finished}"
                   f"{f' ({row.last_outcome})' if row and row.last_outcome else ''}")
