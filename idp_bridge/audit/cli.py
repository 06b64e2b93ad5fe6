"""``flask audit ...``: operator commands for the audit log."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from idp_bridge.audit.models import AuditEvent
from idp_bridge.audit.service import verify_chain
from idp_bridge.extensions import db

audit_cli = AppGroup("audit", help="The audit log.")


@audit_cli.command("verify")
def verify_command() -> None:
    """Check the hash chain of the whole audit log."""
    ok, bad_id = verify_chain()
    if not ok:
        raise click.ClickException(f"audit chain broken at record {bad_id}")
    click.echo(f"audit chain intact ({db.session.query(AuditEvent).count()} records)")
