"""Dev-only pages. Registered only when IDP_DEV_MODE is on: the outbox shows one-time codes."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from idp_bridge.outbox import Outbox

bp = Blueprint("dev", __name__, url_prefix="/dev", template_folder="templates")


@bp.get("/outbox")
def outbox() -> str:
    box = Outbox(current_app.config["OUTBOX_DIR"])
    to = request.args.get("to") or None
    messages = list(reversed(box.messages(to=to)))
    return render_template("dev/outbox.html", messages=messages, to=to or "")
