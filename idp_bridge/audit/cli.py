"""``flask audit ...``: operator commands for the audit log."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from idp_bridge.audit.service import verify

audit_cli = AppGroup("audit", help="The audit log.")


@audit_cli.command("verify")
def verify_command() -> None:
    """Check the keyed hash chain of the whole audit log, and that its newest records are
    still there (against the head checkpointed outside the database)."""
    verdict = verify()
    if not verdict.ok:
        raise click.ClickException(verdict.message())
    click.echo(verdict.message())
