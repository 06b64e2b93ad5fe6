"""``flask notices collect``: queue the security notices of Keycloak's new events."""

from __future__ import annotations

import signal
import threading

import click
from flask.cli import AppGroup

from idp_bridge.extensions import db
from idp_bridge.keycloak.extension import get_gateway
from idp_bridge.keycloak.gateway import GatewayError
from idp_bridge.notices.service import collect

notices_cli = AppGroup("notices", help="Security notices (changes to how people sign in).")


@notices_cli.command("collect")
@click.option("--once", is_flag=True, help="One pass, then exit (the scheduler's step "
              "`notices.collect` does this every pass of `flask lifecycle run`).")
@click.option("--interval", default=15.0, show_default=True, help="Seconds between passes.")
def collect_command(once: bool, interval: float) -> None:
    """Read Keycloak's event log and queue a notice for each credential change. Safe to run
    again, or in two places at once: no notice is queued twice."""
    stop = threading.Event()
    if not once:
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
    while True:
        try:
            queued = collect(get_gateway())
            click.echo(f"{queued} notices queued", err=not once)
        except GatewayError as exc:
            db.session.rollback()
            click.echo(f"Keycloak's event log could not be read: {exc}", err=True)
            if once:
                raise SystemExit(1) from exc
        if once or stop.wait(interval):
            return
