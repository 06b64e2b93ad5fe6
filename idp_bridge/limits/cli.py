"""``flask limits``: what is being limited right now, and lifting a limit that shuts out a
real provider (e.g. someone else's guesses used up an NPI's lookups for the hour)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from idp_bridge import limits
from idp_bridge.audit import record
from idp_bridge.audit.actor import SYSTEM
from idp_bridge.extensions import db

limits_cli = AppGroup("limits", help="Rate limits kept in the database.")


@limits_cli.command("list")
@click.option("--prefix", default="", help="Only keys starting with this, e.g. pair-miss:npi:")
def list_limits(prefix: str) -> None:
    """Counters whose window is open: key, count taken, when the window ends (UTC)."""
    rows = limits.active(prefix=prefix)
    if not rows:
        click.echo("no limits in use")
    for row in rows:
        click.echo(f"{row.key}\t{row.count}\tuntil {row.window_ends_at:%Y-%m-%d %H:%M:%S}")


@limits_cli.command("lift")
@click.argument("key")
def lift_limit(key: str) -> None:
    """Forget KEY's counter (or every key under KEY when it ends with ':'); audited."""
    removed = limits.lift(key)
    record("limit.lift", actor=SYSTEM, key=key, removed=removed)
    db.session.commit()
    click.echo(f"lifted {removed} limit(s)")


@limits_cli.command("prune")
def prune_limits() -> None:
    """Remove counters whose window has ended (run hourly with the other cleanups)."""
    removed = limits.prune()
    db.session.commit()
    click.echo(f"removed {removed} ended counter(s)")
