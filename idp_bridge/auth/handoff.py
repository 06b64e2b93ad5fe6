"""Sign-in by registration hand-off: the registrant who has just set a password on Password
Setup goes straight into Keycloak's phone enrollment and Terms and comes back signed in,
without typing the password again (issue 15 item 1).

The bridge starts an ordinary authorization request of the request's brand client (state,
nonce and PKCE kept in this browser's session, exactly as ``/login`` does) but, instead of
sending the browser to Keycloak's Log In page, asks the plugin's hand-off endpoint for a
single-use credential that completes that request for the new user (docs/keycloak-plugin.md,
"Registration hand-off"). The browser carries it to Keycloak in the body of an
auto-submitted form (a static script, and a Continue button without it): never in a URL, so
no history, Referer, proxy or access log holds it. The code comes back to ``/auth/callback``
like any sign-in, so only this browser's session can redeem it.

One live hand-off per registration: opening this page again replaces the previous one (its
pending sign-in is dropped here, its credential is dead in Keycloak), and the pending sign-ins
stay bounded as ``/login``'s do.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import parse_qsl, urlsplit

from flask import make_response, render_template, session
from werkzeug.wrappers import Response

from idp_bridge.auth import forget_stale_sign_ins
from idp_bridge.auth.oidc import authorization_request, brand_client, callback_url
from idp_bridge.keycloak.errors import GatewayError
from idp_bridge.keycloak.extension import get_gateway

# What of the authorization request the hand-off carries; Keycloak checks the rest (client,
# redirect URI) against the client's registration.
CARRIED = ("state", "nonce", "scope", "code_challenge", "code_challenge_method")
# The session key naming this browser's live hand-off's pending sign-in.
LIVE_HANDOFF = "handoff_state"


def start_handoff_sign_in(user_id: str, after: str,
                          step_params: Mapping[str, str] | None = None) -> Response:
    """The page that posts the hand-off to Keycloak; GatewayError when Keycloak refuses
    (status 409: the registration is no longer under way, e.g. the phone is already
    verified, or the login is not one the bridge created in a registration)."""
    client = brand_client()
    redirect_uri = callback_url()
    try:  # authlib reads Keycloak's discovery document the first time
        request = authorization_request(client, redirect_uri)
    except OSError as exc:
        raise GatewayError("Keycloak is unreachable (sign-in)") from exc
    query = dict(parse_qsl(urlsplit(request["url"]).query))
    handoff = get_gateway().registration_handoff(
        user_id, redirect_uri, {name: query[name] for name in CARRIED if name in query},
        step_params, client_id=client.client_id)
    # Remembered only once Keycloak agreed: a refused hand-off leaves no pending sign-in.
    # The previous hand-off's pending sign-in goes: its credential is dead in Keycloak now.
    session.pop(session.pop(LIVE_HANDOFF, ""), None)
    forget_stale_sign_ins()
    client.save_authorize_data(redirect_uri=redirect_uri, **request)
    session[LIVE_HANDOFF] = f"_state_{client.name}_{request['state']}"
    session["after_login"] = after
    response = make_response(render_template("auth/handoff.html", handoff=handoff))
    # The page holds a live credential: never cached, never sent on as a Referer.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
