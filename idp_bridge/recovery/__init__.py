"""Lost-phone recovery by people: second-factor resets by a Site Administrator or a plan
administrator after an identity check (``service.py``, ``rules.py``, ``views.py``)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from idp_bridge.recovery import models  # noqa: F401  (the tables, for migrations)
    from idp_bridge.recovery.views import bp

    app.register_blueprint(bp)
