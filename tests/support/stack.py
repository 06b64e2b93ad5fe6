"""What the session's stack fixtures hand to tests (tests/conftest.py builds them)."""

from __future__ import annotations

from dataclasses import dataclass

from keycloak import KeycloakAdmin

from idp_bridge.devstack.keycloak_server import KeycloakServer
from tests.support.keycloak_admin import TestAdmin


@dataclass
class StackPorts:
    keycloak: int
    keycloak_management: int
    bridge: int
    smtp: int


@dataclass
class KeycloakHandle:
    base_url: str
    realm: str
    admin: KeycloakAdmin  # Keycloak's master admin (python-keycloak), for realm settings
    gateway: TestAdmin  # the bridge's gateway plus test-only read-backs
    outbox_dir: str
    client_secret: str
    server: KeycloakServer
