"""Provider registration: the guides' sign-up wizard (Organization and Individual)."""

from flask import Blueprint

bp = Blueprint("registration", __name__, url_prefix="/register", template_folder="templates")

from idp_bridge.registration import resume, views  # noqa: E402,F401  (routes, sign-in hooks)
