"""Append-only, tamper-evident audit log: who did what, to whom, in which organization.

Each record carries the keyed hash of the previous one; ``verify`` recomputes them all, so
an edited or deleted row shows up as a break at that point, and compares the chain with its
head as checkpointed outside the database (``checkpoint``), so deleting the newest rows shows
too. Appends are serialized on the head row (``service.record``).
"""

from __future__ import annotations

from flask import Flask

from idp_bridge.audit.actor import SYSTEM, Actor
from idp_bridge.audit.models import AuditEvent
from idp_bridge.audit.service import record, verify, verify_chain

__all__ = ["SYSTEM", "Actor", "AuditEvent", "init_app", "record", "verify", "verify_chain"]


def init_app(app: Flask) -> None:
    from idp_bridge.audit import service
    from idp_bridge.audit.cli import audit_cli

    service.init_app(app)
    app.cli.add_command(audit_cli)
