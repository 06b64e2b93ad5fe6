"""Access that is granted, not assumed: plan-admin review and site-admin consoles.

``decisions`` (each a unit of work with undo), ``aging`` (the review queue against the
guides' two business days), ``listing`` (one page of people or organizations),
``reconcile`` (repair drift with Keycloak); the views are ``plan_admin`` and ``site_admin``.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from idp_bridge.approvals.plan_admin import bp as plan_admin_bp
    from idp_bridge.approvals.reconcile import reconcile_command
    from idp_bridge.approvals.site_admin import bp as site_admin_bp

    app.register_blueprint(plan_admin_bp)
    app.register_blueprint(site_admin_bp)
    app.cli.add_command(reconcile_command)
