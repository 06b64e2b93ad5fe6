"""``flask registrations cleanup``: remove expired drafts and any login they created."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from idp_bridge.clock import utcnow
from idp_bridge.registration.models import RegistrationDraft

registrations_cli = AppGroup("registrations", help="Registration drafts.")


def remove_expired_drafts() -> int:
    from idp_bridge.registration.views import discard_draft

    expired = RegistrationDraft.query.filter(RegistrationDraft.completed_at.is_(None),
                                             RegistrationDraft.expires_at < utcnow()).all()
    for draft in expired:
        discard_draft(draft)
    return len(expired)


@registrations_cli.command("cleanup")
def cleanup() -> None:
    """Delete abandoned registrations (and Keycloak users they created)."""
    click.echo(f"removed {remove_expired_drafts()} expired registration(s)")
