"""What the bridge asks of Keycloak: the gateway's interface as a ``typing.Protocol``.

``KeycloakGateway`` (the admin REST API) is the one implementation the bridge runs; the
in-memory fake in ``tests/support/fake_keycloak.py`` is the other, for fast unit tests. Both
must satisfy this protocol (mypy checks the real one below, a unit test the fake's
signatures) and ``tests/contract`` runs the same scenarios against both, so they cannot drift.
Callers type their gateway as ``Gateway``, never as the concrete class.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from idp_bridge.keycloak.gateway import (
        HandoffForm,
        KeycloakUser,
        Passkey,
        SecondFactors,
        SignInEvent,
    )


class Gateway(Protocol):
    # Users: errors are GatewayError (status 404 for an unknown user), UserExists,
    # ProfileRejected (a value the realm's user profile refuses), PasswordRejected.
    def create_user(self, email: str, first_name: str, last_name: str,
                    attributes: dict[str, str],
                    required_actions: list[str] | None = None) -> str: ...

    def set_password(self, user_id: str, password: str) -> None: ...

    def get_user(self, user_id: str) -> KeycloakUser: ...

    def find_user_by_email(self, email: str) -> KeycloakUser | None: ...

    def delete_user(self, user_id: str) -> None: ...

    def end_sessions(self, user_id: str) -> None: ...

    # Lifecycle (idp_bridge.lifecycle): sign-ins as Keycloak's event store holds them, and
    # logins disabled for inactivity.
    def sign_in_events(self, since_ms: int, first: int = 0,
                       max_results: int = 500) -> list[SignInEvent]: ...

    def set_enabled(self, user_id: str, enabled: bool) -> None: ...

    def registration_handoff(self, user_id: str, redirect_uri: str,
                             authorization: dict[str, str],
                             step_params: Mapping[str, str] | None = None,
                             client_id: str | None = None) -> HandoffForm: ...

    # Groups: representations are Keycloak's dicts (``id``, ``name``, ``path``, ``attributes``).
    def orgs_group_id(self) -> str: ...

    def group_by_path(self, path: str) -> dict[str, Any] | None: ...

    def create_subgroup(self, parent_id: str, name: str,
                        attributes: dict[str, list[str]] | None = None) -> str: ...

    def group_attributes(self, group_id: str) -> dict[str, list[str]]: ...

    def update_group_attributes(self, group_id: str,
                                attributes: dict[str, list[str]]) -> None: ...

    def rename_group(self, group_id: str, name: str) -> None: ...

    def subgroups(self, parent_id: str, page_size: int = 100) -> list[dict[str, Any]]: ...

    def delete_group(self, group_id: str) -> None: ...

    def add_to_group(self, user_id: str, group_id: str) -> None: ...

    def remove_from_group(self, user_id: str, group_id: str) -> None: ...

    def group_member_ids(self, group_id: str, page_size: int = 100) -> list[str]: ...

    # Realm
    def password_policy(self) -> str: ...

    def role_member_emails(self, role_name: str, limit: int = 100) -> list[str]: ...

    def user_realm_roles(self, user_id: str) -> set[str]: ...

    def assign_realm_role(self, user_id: str, role_name: str) -> None: ...

    # Passkeys
    def passkeys(self, user_id: str) -> list[Passkey]: ...

    def passkey_holders(self, user_ids: list[str]) -> set[str]: ...

    def delete_passkey(self, user_id: str, credential_id: str) -> bool: ...

    # Second factors (factors)
    def second_factors(self, user_id: str) -> SecondFactors: ...

    def user_events(self, types: list[str], since_ms: int, first: int,
                    limit: int) -> list[dict[str, Any]]: ...

    def reset_second_factor(self, user_id: str, include_passkeys: bool) -> list[str]: ...
