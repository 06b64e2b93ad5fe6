"""idp_bridge: the provider-specific half of the Provider Portal's identity system."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from idp_bridge import keycloak, sqlite_tuning
from idp_bridge.brand import get_brand
from idp_bridge.config import load_settings
from idp_bridge.extensions import csrf, db, migrate, oauth

MIGRATIONS_DIR = str(Path(__file__).resolve().parent.parent / "migrations")


def create_app(
    overrides: Mapping[str, Any] | None = None, env: Mapping[str, str] | None = None
) -> Flask:
    """Build the bridge. ``env`` replaces ``os.environ`` (tests); ``overrides`` win last."""
    settings = load_settings(env)
    app = Flask(__name__)
    app.config.update(settings.flask_config())
    app.config.update(overrides or {})
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # the wizard's drafts expire on their own
    _prepare_local_dirs(app)
    logging.basicConfig(level=logging.INFO)

    sqlite_tuning.install()  # WAL: commits without fsync waits (see the module)
    db.init_app(app)
    _import_models()
    migrate.init_app(app, db, directory=MIGRATIONS_DIR)
    csrf.init_app(app)
    keycloak.init_app(app)
    _init_oidc(app)
    _register_blueprints(app)
    _register_cli(app)

    app.extensions["brand"] = get_brand(app.config["BRAND"])

    @app.context_processor
    def inject_brand() -> dict[str, Any]:
        return {"brand": app.extensions["brand"], "dev_mode": app.config["IDP_DEV_MODE"]}

    return app


def _prepare_local_dirs(app: Flask) -> None:
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite:///"):
        Path(uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)


def _import_models() -> None:
    # Alembic's autogenerate and db.create_all see only models that were imported.
    import idp_bridge.audit.models  # noqa: F401
    import idp_bridge.auth.sessions  # noqa: F401
    import idp_bridge.mail.models  # noqa: F401
    import idp_bridge.npi.models  # noqa: F401
    import idp_bridge.organizations.models  # noqa: F401
    import idp_bridge.registration.models  # noqa: F401


def _init_oidc(app: Flask) -> None:
    oauth.init_app(app)
    issuer = f"{app.config['KEYCLOAK_URL']}/realms/{app.config['KEYCLOAK_REALM']}"
    app.config["OIDC_ISSUER"] = issuer
    oauth.register(
        "keycloak",
        client_id=app.config["OIDC_CLIENT_ID"],
        client_secret=app.config["OIDC_CLIENT_SECRET"],
        server_metadata_url=f"{issuer}/.well-known/openid-configuration",
        client_kwargs={"scope": "openid email profile", "code_challenge_method": "S256"},
        overwrite=True,
    )


def _register_blueprints(app: Flask) -> None:
    from idp_bridge import auth
    from idp_bridge.approvals.plan_admin import bp as plan_admin_bp
    from idp_bridge.approvals.site_admin import bp as site_admin_bp
    from idp_bridge.portal import bp as portal_bp
    from idp_bridge.registration import bp as registration_bp

    auth.init_app(app)  # server-side sessions, security headers, sign-in routes
    app.register_blueprint(portal_bp)
    app.register_blueprint(registration_bp)
    app.register_blueprint(plan_admin_bp)
    app.register_blueprint(site_admin_bp)
    from idp_bridge.mail.admin import bp as mail_bp  # undelivered mail; sends after commit

    app.register_blueprint(mail_bp)
    if app.config["IDP_DEV_MODE"]:
        # The outbox shows one-time codes: it must not exist outside dev mode.
        from idp_bridge.dev import bp as dev_bp

        app.register_blueprint(dev_bp)


def _register_cli(app: Flask) -> None:
    from idp_bridge import audit
    from idp_bridge.cli import register_cli

    register_cli(app)
    audit.init_app(app)
