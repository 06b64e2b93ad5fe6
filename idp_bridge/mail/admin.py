"""Plan administrators see the email the bridge could not deliver yet; and every request
sends the emails it queued right after its own commit."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from sqlalchemy import update
from werkzeug.wrappers import Response

from idp_bridge import audit
from idp_bridge.auth import admin_brands, current_actor, plan_admin_required
from idp_bridge.clock import utcnow
from idp_bridge.extensions import db
from idp_bridge.forms import ActionForm, submitted
from idp_bridge.mail import take_queued_ids
from idp_bridge.mail.deliverer import deliver_ids, undelivered
from idp_bridge.mail.models import OutboundEmail
from idp_bridge.messages import message

bp = Blueprint("mail_admin", __name__, url_prefix="/admin/mail", template_folder="templates")


@bp.after_app_request
def send_queued_mail(response: Response) -> Response:
    # The view has committed by now (a rolled-back email's row simply doesn't exist).
    ids = take_queued_ids()
    if ids:
        deliver_ids(ids)
    return response


@bp.get("")
@plan_admin_required
def outbox() -> str:
    # A brand's administrator sees its brand's mail only (auth/admin_brands.py).
    return render_template("mail/undelivered.html", messages=undelivered(
        brands=admin_brands.visible_brands()), action=ActionForm(formdata=None))


@bp.post("/retry")
@plan_admin_required
def retry_now() -> Any:
    submitted(ActionForm)
    retried = db.session.execute(update(OutboundEmail).where(
        OutboundEmail.status == "pending", admin_brands.brand_filter(OutboundEmail.brand))
        .values(next_attempt_at=utcnow()))
    audit.record("mail.retry", actor=current_actor(),
                 emails=int(retried.rowcount))  # type: ignore[attr-defined]
    db.session.commit()
    flash(message("mail.retry_now"), "success")
    return redirect(url_for(".outbox"))
