"""Invitations: a Site Administrator invites a colleague by email with roles preset
(``service``: invite, resend, revoke, accept; ``views``; ``models``). Expiry is a scheduler
step (idp_bridge.lifecycle)."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask


def init_app(app: Flask) -> None:
    from idp_bridge.invitations.service import expire_step
    from idp_bridge.invitations.views import accept_after_registration, bp
    from idp_bridge.lifecycle import register_step
    from idp_bridge.registration.completion import COMPLETED

    app.register_blueprint(bp)
    register_step(app, "invitations.expire", expire_step, every=timedelta(minutes=55))
    if accept_after_registration not in COMPLETED:
        COMPLETED.append(accept_after_registration)
