"""idp_bridge: the provider-specific half of the Provider Portal's identity system."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from idp_bridge import forms, keycloak, operations, sqlite_tuning
from idp_bridge.brand import BRANDS, brand_url_setting, current_brand
from idp_bridge.brand.routing import BrandRouter
from idp_bridge.config import load_settings
from idp_bridge.database_timeouts import engine_options
from idp_bridge.extensions import csrf, db, migrate

MIGRATIONS_DIR = str(Path(__file__).resolve().parent.parent / "migrations")


def create_app(
    overrides: Mapping[str, Any] | None = None, env: Mapping[str, str] | None = None
) -> Flask:
    """Build the bridge. ``env`` replaces ``os.environ`` (tests); ``overrides`` win last."""
    app = Flask(__name__)
    app.config.update(load_settings(env))
    app.config.update(overrides or {})
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # the wizard's drafts expire on their own
    _prepare_local_dirs(app)
    logging.basicConfig(level=logging.INFO)

    sqlite_tuning.install()  # WAL: commits without fsync waits (see the module)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(  # a silent server is given up
        app.config["SQLALCHEMY_DATABASE_URI"], app.config.get("SQLALCHEMY_ENGINE_OPTIONS"))
    db.init_app(app)
    _import_models()
    migrate.init_app(app, db, directory=MIGRATIONS_DIR)
    csrf.init_app(app)
    forms.init_app(app)  # the forms' shared template helpers (templates/_form.html)
    operations.init_app(app)  # request id and log line first: every later hook is inside
    keycloak.init_app(app)
    _register_blueprints(app)
    _register_cli(app)
    _init_brands(app)
    _trust_proxies(app)
    return app


def _trust_proxies(app: Flask) -> None:
    """X-Forwarded-For/-Proto/-Host/-Port are believed only as far as IDP_TRUSTED_PROXIES
    proxies set them (the compose topology's nginx: 1); with 0 they are ignored, so a client
    cannot choose the address the audit log and the limits see. Outermost, so the brand is
    read from the forwarded host."""
    proxies = int(app.config["IDP_TRUSTED_PROXIES"])
    if proxies > 0:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies)


def _init_brands(app: Flask) -> None:
    """Both brands at once: the request's address picks one (idp_bridge.brand.routing)."""
    app.wsgi_app = BrandRouter(  # type: ignore[method-assign]
        app.wsgi_app, {key: app.config[brand_url_setting(key)] for key in BRANDS})

    @app.context_processor
    def inject_brand() -> dict[str, Any]:
        return {"brand": current_brand(), "dev_mode": app.config["IDP_DEV_MODE"]}


def _prepare_local_dirs(app: Flask) -> None:
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite:///"):
        Path(uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)


def _import_models() -> None:
    # Alembic's autogenerate and db.create_all see only models that were imported.
    import idp_bridge.audit.models  # noqa: F401
    import idp_bridge.auth.sessions  # noqa: F401
    import idp_bridge.exclusions.models  # noqa: F401
    import idp_bridge.invitations.models  # noqa: F401
    import idp_bridge.lifecycle.models  # noqa: F401
    import idp_bridge.limits  # noqa: F401
    import idp_bridge.mail.models  # noqa: F401
    import idp_bridge.notices.models  # noqa: F401
    import idp_bridge.npi.models  # noqa: F401
    import idp_bridge.organizations.models  # noqa: F401
    import idp_bridge.recovery.models  # noqa: F401
    import idp_bridge.registration.models  # noqa: F401


def _register_blueprints(app: Flask) -> None:
    from idp_bridge import (
        approvals,
        auth,
        dev,
        exclusions,
        invitations,
        lifecycle,
        mail,
        notices,
        organizations,
        portal,
        recovery,
        registration,
    )

    auth.init_app(app)  # server-side sessions, security headers, sign-in routes
    organizations.init_app(app)
    portal.init_app(app)
    registration.init_app(app)  # the wizard, `flask registrations`
    approvals.init_app(app)  # plan-admin review, site-admin console, `flask reconcile`
    mail.init_app(app)  # undelivered mail (sends a request's mail after commit), `flask mail`
    dev.init_app(app)  # the outbox, in dev mode only
    lifecycle.init_app(app)  # `flask lifecycle run`: sign-ins, inactive logins; re-enabling
    exclusions.init_app(app)  # registry changes (deactivations, LEIE/SAM), `flask exclusions`;
    # its daily screen is a scheduler step, after lifecycle's own
    invitations.init_app(app)  # invite, resend, revoke; the invitee's link
    notices.init_app(app)  # security notices, `flask notices collect` (factors)
    recovery.init_app(app)  # lost-phone resets by administrators (factors)


def _register_cli(app: Flask) -> None:
    from idp_bridge import audit, limits
    from idp_bridge.cli import register_cli

    register_cli(app)
    audit.init_app(app)
    limits.init_app(app)  # `flask limits list|lift|prune`
