"""Security on the portal home: the person's authenticator apps and recovery codes.

Both are Keycloak's own application-initiated actions (``CONFIGURE_TOTP``,
``CONFIGURE_RECOVERY_AUTHN_CODES``): Keycloak shows the QR code and the codes, checks the
first app code and stores the credential; the bridge only starts the round trip and reads back
what Keycloak holds, to say what happened. The phone stays the default second factor.
"""

from __future__ import annotations

from flask import flash, redirect, session, url_for
from werkzeug.wrappers import Response

from idp_bridge.auth import current_user, login_required
from idp_bridge.auth.oidc import start_sign_in
from idp_bridge.forms import ActionForm, submitted
from idp_bridge.keycloak.extension import get_gateway
from idp_bridge.keycloak.gateway import GatewayError, SecondFactors
from idp_bridge.messages import message
from idp_bridge.portal import bp

APP_ACTION = "CONFIGURE_TOTP"
RECOVERY_CODES_ACTION = "CONFIGURE_RECOVERY_AUTHN_CODES"
_BEFORE = "factors_before"


def my_second_factors() -> SecondFactors | None:
    """The signed-in person's second factors; None when Keycloak cannot say right now."""
    user = current_user()
    if user is None:
        return None
    try:
        return get_gateway().second_factors(user["sub"])
    except GatewayError:
        return None


def _round_trip(action: str, after: str) -> Response:
    """Keycloak runs ``action`` for the signed-in person, then lands on ``after``; what they
    had before is kept to tell them afterwards whether anything changed."""
    before = my_second_factors()
    session[_BEFORE] = ({"apps": len(before.apps), "codes_made": before.recovery_codes_made_ms}
                        if before is not None else None)
    session["after_login"] = after
    return start_sign_in(kc_action=action)


@bp.post("/security/app/add")
@login_required
def add_app() -> Response:
    submitted(ActionForm)
    return _round_trip(APP_ACTION, url_for("portal.app_added"))


@bp.get("/security/app/added")
@login_required
def app_added() -> Response:
    before, now = session.pop(_BEFORE, None), my_second_factors()
    if before is not None and now is not None and len(now.apps) > before["apps"]:
        flash(message("factors.app_added"), "success")
    elif before is not None:
        flash(message("factors.app_not_added"), "notice")
    return redirect(url_for("portal.home", _anchor="security"))


@bp.post("/security/recovery-codes/create")
@login_required
def create_recovery_codes() -> Response:
    submitted(ActionForm)
    return _round_trip(RECOVERY_CODES_ACTION, url_for("portal.recovery_codes_created"))


@bp.get("/security/recovery-codes/created")
@login_required
def recovery_codes_created() -> Response:
    before, now = session.pop(_BEFORE, None), my_second_factors()
    # A new set is a new credential (regenerating replaces the old set).
    if (before is not None and now is not None and now.recovery_codes_left
            and now.recovery_codes_made_ms > before["codes_made"]):
        flash(message("factors.codes_created"), "success")
    elif before is not None:
        flash(message("factors.codes_not_created"), "notice")
    return redirect(url_for("portal.home", _anchor="security"))
