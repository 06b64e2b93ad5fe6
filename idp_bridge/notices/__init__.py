"""Security notices: an email for every change to how a person signs in (``service.py``),
``flask notices collect`` (reads Keycloak's event log)."""

from __future__ import annotations

from flask import Flask

from idp_bridge.notices.service import collect, notify


def init_app(app: Flask) -> None:
    from idp_bridge.notices import models  # noqa: F401  (the tables, for migrations)
    from idp_bridge.notices.cli import notices_cli

    app.cli.add_command(notices_cli)


__all__ = ["collect", "init_app", "notify"]
