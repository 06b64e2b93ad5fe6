"""Security notices: an email for every change to how a person signs in (``service.py``),
``flask notices collect`` (reads Keycloak's event log)."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Flask

from idp_bridge.notices.service import collect, notify

COLLECT_STEP = "notices.collect"


def init_app(app: Flask) -> None:
    from idp_bridge.lifecycle import register_step
    from idp_bridge.notices import models  # noqa: F401  (the tables, for migrations)
    from idp_bridge.notices.cli import notices_cli

    app.cli.add_command(notices_cli)
    # Every pass of the one scheduler (`flask lifecycle run --loop`): a notice goes out within
    # a scheduler interval of the change. Safe in two schedulers at once (queued once each).
    register_step(app, COLLECT_STEP, collect_step, every=timedelta(seconds=10),
                  claim=timedelta(minutes=5))


def collect_step(now: datetime) -> str:
    """The scheduler's step: Keycloak's new credential events, each a notice in the outbox.
    Keycloak away: the step fails, the cursor stays, and the next pass reads from there."""
    from idp_bridge.keycloak.extension import get_gateway

    return f"{collect(get_gateway())} notice(s) queued"


__all__ = ["COLLECT_STEP", "collect", "collect_step", "init_app", "notify"]
