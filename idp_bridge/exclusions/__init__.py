"""Providers that stay eligible (42 CFR 455.436): NPPES deactivations after approval and
the OIG LEIE / SAM.gov exclusion lists, checked at registration review and every month.

``files`` (the three published layouts, streamed), ``store`` (one-transaction loads),
``matching`` and ``flags`` (pure rules), ``review`` (what the reviewer sees, the approval's
override), ``screening`` (the sweeps and the plan administrator's decision), ``views`` (the
"Registry changes" queue), ``cli`` (``flask exclusions``). See README.md.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Flask

SCREEN_STEP = "exclusions.screen"


def init_app(app: Flask) -> None:
    from idp_bridge.exclusions.cli import register_cli
    from idp_bridge.exclusions.views import bp
    from idp_bridge.lifecycle import register_step

    app.register_blueprint(bp)
    register_cli(app)
    # 42 CFR 455.436 asks for at least monthly; daily costs seconds and picks up a list the
    # day it is imported (a screen that finds nothing new changes and mails nothing).
    register_step(app, SCREEN_STEP, screen_step, every=timedelta(days=1),
                  claim=timedelta(hours=2))


def screen_step(now: datetime) -> str:
    """The scheduler's step: ``flask exclusions screen`` as of ``now``."""
    from idp_bridge.exclusions import screening
    from idp_bridge.extensions import db

    result = screening.screen(clock=lambda: now)
    db.session.commit()
    return (f"screened {result.organizations}; flagged {result.raised + result.reopened}, "
            f"cleared {result.cleared}, mailed {result.mailed}"
            + (f"; {len(result.failed)} to retry" if result.failed else ""))
