"""An organization's groups in Keycloak, and Keycloak changes that can be undone.

A decision changes Keycloak first and the database second; if anything fails, the
Keycloak changes already made are undone in reverse, so no half-applied state remains.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from idp_bridge.keycloak.errors import GatewayError
from idp_bridge.keycloak.groups import ROLES, SITE_ADMINS, org_path
from idp_bridge.keycloak.protocol import Gateway
from idp_bridge.organizations.models import PORTAL_ROLES, Organization

log = logging.getLogger(__name__)


def ensure_structure(gateway: Gateway, organization: Organization) -> None:
    """Create ``site-admins`` and ``roles/<role>`` under the organization's group."""
    org_id = organization.keycloak_group_id
    assert org_id, "organization has no Keycloak group"
    if gateway.group_by_path(org_path(organization.key, SITE_ADMINS)) is None:
        gateway.create_subgroup(org_id, SITE_ADMINS)
    roles = gateway.group_by_path(org_path(organization.key, ROLES))
    roles_id = roles["id"] if roles else gateway.create_subgroup(org_id, ROLES)
    for role in PORTAL_ROLES:
        if gateway.group_by_path(org_path(organization.key, ROLES, role)) is None:
            gateway.create_subgroup(roles_id, role)


def group_id(gateway: Gateway, organization: Organization, *parts: str) -> str:
    if not parts:
        assert organization.keycloak_group_id
        return organization.keycloak_group_id
    group = gateway.group_by_path(org_path(organization.key, *parts))
    if group is None:
        raise GatewayError(f"group {org_path(organization.key, *parts)} is missing")
    return str(group["id"])


class KeycloakChanges:
    """Apply group changes now; ``undo`` reverts those already applied."""

    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway
        self._undo: list[Callable[[], None]] = []
        self._answered = False

    def add(self, user_id: str, group: str) -> None:
        self._apply(lambda: self.gateway.add_to_group(user_id, group),
                    lambda: self.gateway.remove_from_group(user_id, group), group)

    def remove(self, user_id: str, group: str) -> None:
        self._apply(lambda: self.gateway.remove_from_group(user_id, group),
                    lambda: self.gateway.add_to_group(user_id, group), group)

    def _apply(self, change: Callable[[], None], undo: Callable[[], None],
               group: str) -> None:
        if not self._answered:
            # A harmless read first: a stalled Keycloak then fails the decision before any
            # write is on its way, instead of applying that write after we gave up on it.
            self.gateway.group_attributes(group)
            self._answered = True
        try:
            change()
        except GatewayError as exc:
            if exc.unreachable:
                # No answer is not "not done": a stalled Keycloak applies the request when it
                # wakes up. Group changes are idempotent, so compensating is always safe.
                self._undo.append(undo)
            raise
        self._undo.append(undo)

    def rename(self, group: str, name: str, old_name: str) -> None:
        self._apply(lambda: self.gateway.rename_group(group, name),
                    lambda: self.gateway.rename_group(group, old_name), group)

    def set_attributes(self, group: str, attributes: dict[str, list[str]]) -> None:
        before = self.gateway.group_attributes(group)
        self.gateway.update_group_attributes(group, attributes)
        self._undo.append(lambda: self.gateway.update_group_attributes(group, before))

    def undo(self) -> None:
        for step in reversed(self._undo):
            try:
                step()
            except GatewayError:
                log.error("could not undo a Keycloak change; `flask reconcile` will repair it")
        self._undo.clear()
