"""Provider registration: the guides' sign-up wizard (Organization and Individual)."""

from flask import Blueprint, Flask

bp = Blueprint("registration", __name__, url_prefix="/register", template_folder="templates")

from idp_bridge.registration import resume, views  # noqa: E402,F401  (routes, sign-in hooks)


def init_app(app: Flask) -> None:
    """The wizard's routes and ``flask registrations`` (cleanup of abandoned drafts)."""
    from idp_bridge.registration.cleanup import registrations_cli

    app.register_blueprint(bp)
    app.cli.add_command(registrations_cli)
