"""Providers that stay eligible (42 CFR 455.436): NPPES deactivations after approval and
the OIG LEIE / SAM.gov exclusion lists, checked at registration review and every month.

``files`` (the three published layouts, streamed), ``store`` (one-transaction loads),
``matching`` and ``flags`` (pure rules), ``review`` (what the reviewer sees, the approval's
override), ``screening`` (the sweeps and the plan administrator's decision), ``views`` (the
"Registry changes" queue), ``cli`` (``flask exclusions``). See README.md.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from idp_bridge.exclusions.cli import register_cli
    from idp_bridge.exclusions.views import bp

    app.register_blueprint(bp)
    register_cli(app)
