"""``flask registrations cleanup``: remove abandoned drafts, and the logins only they used.

The rule and its locking live in ``drafts.py``; this is the command (run it hourly).
"""

from __future__ import annotations

from datetime import datetime

import click
from flask.cli import AppGroup

from idp_bridge.registration.drafts import remove_expired

registrations_cli = AppGroup("registrations", help="Registration drafts.")


def remove_expired_drafts(now: datetime | None = None) -> int:
    """How many expired drafts were removed (a login another registration uses stays)."""
    return remove_expired(now).removed


@registrations_cli.command("cleanup")
def cleanup() -> None:
    """Delete abandoned registrations (and the Keycloak logins nothing else uses)."""
    summary = remove_expired()
    click.echo(f"removed {summary.removed} expired registration(s): "
               f"{summary.logins_removed} unused login(s) deleted, {summary.logins_kept} "
               f"kept (an account now); {summary.waiting} left while a newer registration "
               f"uses their login; {summary.failed} failed (retried next run)")
    if summary.failed:
        raise SystemExit(1)
