"""Everything the bridge knows about Keycloak, in one package.

- ``gateway``: the one door to the admin REST API (the only importer of python-keycloak);
- ``protocol``: its interface (``Gateway``), which the tests' in-memory fake also satisfies;
- ``errors``: what it raises;
- ``groups``: the group layout (``/provider-orgs/<key>/site-admins``, ``roles/<role>``);
- ``access``: reading that layout back out of a token's claims;
- ``extension``: the gateway as a Flask extension (``init_app``, ``get_gateway``).
"""

from __future__ import annotations

from idp_bridge.keycloak.errors import GatewayError, PasswordRejected, ProfileRejected, UserExists
from idp_bridge.keycloak.extension import get_gateway, init_app
from idp_bridge.keycloak.gateway import KeycloakGateway, KeycloakUser, Passkey
from idp_bridge.keycloak.protocol import Gateway

__all__ = [
    "Gateway", "GatewayError", "KeycloakGateway", "KeycloakUser", "Passkey", "PasswordRejected",
    "ProfileRejected", "UserExists", "get_gateway", "init_app",
]
