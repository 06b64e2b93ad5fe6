"""Every email the bridge sends goes through the transactional outbox.

``enqueue`` adds a row to the current database transaction; nothing is sent until that
transaction commits. After the request's commit the bridge tries to send the rows queued
``at_once`` (an email code must arrive promptly); whatever could not be sent, and every row
queued with ``at_once=False`` (a notice nobody waits for on a screen, e.g. a decision's),
is sent by the deliverer (``flask mail deliver``), which polls every 2 s and retries with
backoff.
"""

from __future__ import annotations

import uuid

from flask import Flask, current_app

from idp_bridge.brand import current_brand
from idp_bridge.extensions import db
from idp_bridge.mail.models import OutboundEmail

_QUEUED = "mail_queued_ids"


def enqueue(kind: str, to: str, subject: str, body: str,
            brand: str | None = None, at_once: bool = True) -> OutboundEmail:
    """Add an email to the current transaction; it is sent only if the transaction commits.
    It goes out as ``brand``'s (by default the request's brand): the sender's name.

    ``at_once``: the request sends it right after its commit (someone is waiting for it).
    False leaves it to the deliverer, so the request does not wait on the mail relay (the
    row is committed either way: it is never lost, only sent a poll interval later)."""
    domain = current_app.config["IDP_MAIL_FROM"].rpartition("@")[2] or "idp-bridge.local"
    message = OutboundEmail(kind=kind, to=to, subject=subject, body=body,
                            brand=brand or current_brand().key,
                            message_id=f"<{uuid.uuid4().hex}@{domain}>")
    db.session.add(message)
    if at_once:
        db.session.flush()  # an id now, so the request can send it right after its commit
        db.session.info.setdefault(_QUEUED, []).append(message.id)
    return message


def take_queued_ids() -> list[int]:
    """Ids enqueued in this session since the last call (rolled-back ones simply won't exist)."""
    ids = db.session.info.pop(_QUEUED, [])
    return list(ids)


__all__ = ["OutboundEmail", "enqueue", "init_app", "take_queued_ids"]


def init_app(app: Flask) -> None:
    """The undelivered-mail page (it also sends a request's mail after its commit) and
    ``flask mail``."""
    from idp_bridge.mail.admin import bp
    from idp_bridge.mail.cli import mail_cli

    app.register_blueprint(bp)
    app.cli.add_command(mail_cli)
