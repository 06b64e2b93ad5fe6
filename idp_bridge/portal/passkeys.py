"""Security on the portal home: the user's passkeys, added and removed through Keycloak.

Adding one is Keycloak's application-initiated action ``webauthn-register-passwordless``
(Keycloak runs the WebAuthn ceremony, never the bridge). Removing one takes a fresh sign-in
first (``prompt=login``, ``max_age=0``): whoever finds an unlocked, signed-in browser must
not be able to strip the owner's phishing-resistant sign-in.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from flask import flash, redirect, session, url_for
from werkzeug.wrappers import Response

from idp_bridge.auth import current_user, login_required
from idp_bridge.auth.oidc import start_sign_in
from idp_bridge.clock import epoch
from idp_bridge.extensions import db
from idp_bridge.forms import ActionForm, submitted
from idp_bridge.keycloak.extension import get_gateway
from idp_bridge.keycloak.gateway import GatewayError, Passkey
from idp_bridge.messages import message
from idp_bridge.notices import service as notices
from idp_bridge.notices.events import PASSKEY_REMOVED
from idp_bridge.portal import bp

REGISTER_ACTION = "webauthn-register-passwordless"
# A removal waits this long for its fresh sign-in; after that the user asks again.
REMOVAL_WINDOW_SECONDS = 600
CLOCK_SKEW_SECONDS = 5  # Keycloak's clock against ours
_REMOVAL = "passkey_removal"
_ADDING = "passkey_adding"


def my_passkeys() -> list[Passkey] | None:
    """The signed-in user's passkeys; None when Keycloak cannot say right now."""
    user = current_user()
    if user is None:
        return []
    try:
        return get_gateway().passkeys(user["sub"])
    except GatewayError:
        return None


def _to_keycloak(after: str, **params: str) -> Response:
    """A sign-in round trip through Keycloak that lands back on ``after``."""
    session["after_login"] = after
    return start_sign_in(**params)


@bp.post("/security/passkeys/add")
@login_required
def add_passkey() -> Response:
    submitted(ActionForm)
    known = my_passkeys()
    session[_ADDING] = len(known) if known is not None else -1
    return _to_keycloak(url_for("portal.passkey_added"), kc_action=REGISTER_ACTION)


@bp.get("/security/passkeys/added")
@login_required
def passkey_added() -> Response:
    before = session.pop(_ADDING, None)
    now = my_passkeys()
    if before is not None and now is not None and len(now) > before >= 0:
        flash(message("passkey.added"), "success")
    elif before is not None:
        flash(message("passkey.none_added"), "notice")
    return redirect(url_for("portal.home", _anchor="security"))


@bp.post("/security/passkeys/<credential_id>/remove")
@login_required
def remove_passkey(credential_id: str) -> Response:
    submitted(ActionForm)
    session[_REMOVAL] = {"id": credential_id[:64], "asked": int(epoch())}
    return _to_keycloak(url_for("portal.confirm_passkey_removal"),
                        prompt="login", max_age="0")


@bp.get("/security/passkeys/remove")
@login_required
def confirm_passkey_removal() -> Response:
    pending = session.pop(_REMOVAL, None)
    if not pending or epoch() - pending["asked"] > REMOVAL_WINDOW_SECONDS:
        flash(message("passkey.remove_again"), "notice")
    elif _signed_in_at() < pending["asked"] - CLOCK_SKEW_SECONDS:
        flash(message("passkey.sign_in_again"), "error")
    else:
        _delete(pending["id"])
    return redirect(url_for("portal.home", _anchor="security"))


def _delete(credential_id: str) -> None:
    user = current_user() or {}
    try:
        removed = get_gateway().delete_passkey(str(user.get("sub", "")), credential_id)
    except GatewayError:
        flash(message("passkey.not_removed"), "error")
        return
    if removed:
        _notify_removed(str(user.get("sub", "")), credential_id)
        flash(message("passkey.removed"), "success")
    else:
        flash(message("passkey.not_yours"), "error")


def _signed_in_at() -> int:
    """``auth_time`` of the ID token stored at the last sign-in (verified then by the callback:
    signature, issuer, audience, nonce); 0 when there is none."""
    claims = _payload(str(session.get("id_token") or ""))
    return int(claims.get("auth_time") or 0)


def _payload(jwt: str) -> dict[str, Any]:
    try:
        body = jwt.split(".")[1]
        data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except (IndexError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _notify_removed(user_id: str, credential_id: str) -> None:
    """The security notice of a removal the bridge made (an admin-API call: Keycloak's user
    event log, which the notices collector reads, does not record it)."""
    try:
        person = get_gateway().get_user(user_id)
    except GatewayError:
        person = None
    email = person.email if person else str((current_user() or {}).get("email", ""))
    brand = person.attribute("brand") if person else None
    notices.notify(user_id, email, brand, PASSKEY_REMOVED,
                   f"bridge:passkey_removed:{credential_id}")
    db.session.commit()
