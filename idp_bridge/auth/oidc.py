"""One OIDC client per brand: a request signs in through its own brand's Keycloak client,
whose ``login_theme`` shows that brand's Log In page (keycloak/realm/)."""

from __future__ import annotations

from typing import Any, cast

from authlib.integrations.flask_client import FlaskOAuth2App, OAuth
from flask import Flask, current_app, url_for
from werkzeug.wrappers import Response

from idp_bridge.brand import BRANDS, current_brand
from idp_bridge.brand.routing import external_url

_CLIENTS = "idp_bridge.oidc_clients"


def issuer(app: Flask) -> str:
    return f"{app.config['IDP_KEYCLOAK_URL']}/realms/{app.config['IDP_REALM']}"


def client_name(brand_key: str) -> str:
    # authlib keeps pending sign-ins in the session as "_state_<name>_<state>".
    return f"keycloak_{brand_key}"


def init_app(app: Flask) -> None:
    # One registry per app: authlib caches a registry's clients on first use, so a registry
    # shared by the process would keep the first app's Keycloak address for every later app.
    oauth = OAuth(app)
    app.extensions[_CLIENTS] = oauth
    for brand in BRANDS.values():
        oauth.register(
            client_name(brand.key),
            client_id=brand.client_id,
            client_secret=app.config["IDP_CLIENT_SECRET"],
            server_metadata_url=f"{issuer(app)}/.well-known/openid-configuration",
            client_kwargs={"scope": "openid email profile", "code_challenge_method": "S256"},
            overwrite=True,
        )


def client_for(brand_key: str) -> FlaskOAuth2App:
    """This app's Keycloak client for a brand."""
    oauth: OAuth = current_app.extensions[_CLIENTS]
    return cast(FlaskOAuth2App, oauth.create_client(client_name(brand_key)))


def brand_client() -> FlaskOAuth2App:
    """The Keycloak client of the request's brand."""
    return client_for(current_brand().key)


def callback_url() -> str:
    return external_url(url_for("auth.callback"))


def start_sign_in(**params: Any) -> Response:
    """Send the browser to Keycloak through the request's brand client; it comes back to
    this brand's ``/auth/callback``."""
    return cast(Response, brand_client().authorize_redirect(callback_url(), **params))


def sign_out_redirect(id_token: str) -> Response:
    return cast(Response, brand_client().logout_redirect(
        post_logout_redirect_uri=external_url(url_for("portal.home")),
        id_token_hint=id_token))

