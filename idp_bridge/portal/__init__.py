"""The signed-in home of the Provider Portal."""

from __future__ import annotations

from flask import Blueprint, render_template

from idp_bridge.auth import current_user

bp = Blueprint("portal", __name__, template_folder="templates")


@bp.get("/")
def home() -> str:
    return render_template("portal/home.html", user=current_user())
