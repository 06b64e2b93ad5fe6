"""Append-only, tamper-evident audit log: who did what, to whom, in which organization.

Each record carries the hash of the previous one; ``verify_chain`` recomputes them all, so
an edited or deleted row shows up as a break at that point.
"""

from __future__ import annotations

from flask import Flask

from idp_bridge.audit.actor import SYSTEM, Actor
from idp_bridge.audit.models import AuditEvent
from idp_bridge.audit.service import record, verify_chain

__all__ = ["SYSTEM", "Actor", "AuditEvent", "init_app", "record", "verify_chain"]


def init_app(app: Flask) -> None:
    from idp_bridge.audit.cli import audit_cli

    app.cli.add_command(audit_cli)
