"""What the gateway raises when Keycloak cannot do what was asked."""

from __future__ import annotations

from typing import Any


class GatewayError(RuntimeError):
    """Keycloak could not do what was asked (down, refused, or misconfigured)."""

    def __init__(self, message: str, status: int | None = None,
                 details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.details = details or {}

    @property
    def unreachable(self) -> bool:
        return self.status is None


class ProfileRejected(GatewayError):
    """Keycloak's user profile refused a value; ``fields`` maps its attribute names to its
    error codes (e.g. ``{"firstName": "error-person-name-invalid-character"}``)."""

    @property
    def fields(self) -> dict[str, str]:
        errors = self.details.get("errors") or [self.details]
        return {str(e.get("field")): str(e.get("errorMessage", ""))
                for e in errors if isinstance(e, dict) and e.get("field")}


class PasswordRejected(GatewayError):
    """Keycloak's password policy refused the password; ``message`` is Keycloak's own text."""


class UserExists(GatewayError):
    """A user with this username or email already exists."""
