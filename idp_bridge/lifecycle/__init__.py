"""Access that stays right for years: one scheduler for every time-based step, the last
sign-in of every login, inactive logins warned and disabled.

``scheduler`` (``register_step``, ``run_due``; the ``lifecycle_steps`` claims), ``sign_ins``
(Keycloak's sign-in events into ``logins``), ``rules`` (the inactivity rule, pure),
``inactivity`` (the step that warns and disables, and re-enabling), ``cli``
(``flask lifecycle run``), ``review`` (the yearly access review). Other areas add their
time-based work with one line in their ``init_app``:
``lifecycle.register_step(app, "name", run, every=timedelta(...))``.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask

from idp_bridge.lifecycle.scheduler import register_step

__all__ = ["init_app", "register_step"]


def init_app(app: Flask) -> None:
    from idp_bridge.auth import AFTER_SIGN_IN
    from idp_bridge.lifecycle import inactivity, review, sign_ins
    from idp_bridge.lifecycle.cli import lifecycle_cli
    from idp_bridge.lifecycle.views import bp, review_comes_first

    # In this order each pass: the sign-ins are current before anyone is judged inactive.
    register_step(app, sign_ins.STEP, sign_ins.read_events, every=timedelta(seconds=50),
                  claim=timedelta(minutes=10))
    register_step(app, inactivity.STEP, inactivity.run, every=timedelta(minutes=55))
    register_step(app, review.STEP, review.run, every=timedelta(minutes=55))
    if sign_ins.record_portal_sign_in not in AFTER_SIGN_IN:
        AFTER_SIGN_IN.append(sign_ins.record_portal_sign_in)
    app.register_blueprint(bp)
    app.before_request(review_comes_first)
    app.cli.add_command(lifecycle_cli)
