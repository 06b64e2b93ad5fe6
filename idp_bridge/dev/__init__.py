"""Dev-only pages. Registered only when IDP_DEV_MODE is on: the outbox shows one-time codes."""

from __future__ import annotations

import phonenumbers
from flask import Blueprint, Flask, current_app, render_template, request

from idp_bridge.outbox import Outbox

bp = Blueprint("dev", __name__, url_prefix="/dev", template_folder="templates")


def init_app(app: Flask) -> None:
    if app.config["IDP_DEV_MODE"]:
        # The outbox shows one-time codes: it must not exist outside dev mode.
        app.register_blueprint(bp)


def recipient(typed: str) -> str:
    """The filter as the outbox stores it: an email address as typed, a phone number the
    way Keycloak's phone step writes it (E.164), so ``608-555-0122`` finds
    ``+16085550122``."""
    typed = typed.strip()
    if "@" in typed or not any(ch.isdigit() for ch in typed):
        return typed
    try:
        number = phonenumbers.parse(typed, "US")
    except phonenumbers.NumberParseException:
        return typed
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@bp.get("/outbox")
def outbox() -> str:
    box = Outbox(current_app.config["IDP_OUTBOX_DIR"])
    typed = request.args.get("to", "")
    to = recipient(typed) or None
    messages = list(reversed(box.messages(to=to)))
    return render_template("dev/outbox.html", messages=messages, to=typed)
