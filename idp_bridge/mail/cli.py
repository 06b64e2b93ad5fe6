"""``flask mail deliver`` (the deliverer process) and ``flask mail status``."""

from __future__ import annotations

import signal
import threading

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func

from idp_bridge.extensions import db
from idp_bridge.mail.deliverer import deliver_due, run_loop
from idp_bridge.mail.models import OutboundEmail

mail_cli = AppGroup("mail", help="The outbox of emails the bridge sends.")


@mail_cli.command("deliver")
@click.option("--once", is_flag=True, help="One pass over due emails, then exit.")
@click.option("--interval", default=2.0, show_default=True, help="Seconds between polls.")
def deliver(once: bool, interval: float) -> None:
    """Send due emails, retrying failures with backoff. Safe to run several at once."""
    if once:
        sent, failed = deliver_due(limit=10_000)
        click.echo(f"{sent} sent, {failed} to retry")
        return
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    click.echo("mail deliverer running", err=True)
    run_loop(current_app._get_current_object(), stop, interval)  # type: ignore[attr-defined]


@mail_cli.command("status")
def status() -> None:
    """Counts by status, and the oldest email not yet delivered (for monitoring)."""
    rows = db.session.query(OutboundEmail.status, func.count()).group_by(OutboundEmail.status)
    for name, count in rows:
        click.echo(f"{name}: {count}")
    oldest = (OutboundEmail.query.filter(OutboundEmail.status != "sent")
              .order_by(OutboundEmail.created_at).first())
    if oldest is not None:
        click.echo(f"oldest undelivered: {oldest.created_at.isoformat()} "
                   f"({oldest.attempts} attempt(s), last error {oldest.last_error or '-'})")
