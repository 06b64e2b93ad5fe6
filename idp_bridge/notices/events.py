"""Which of Keycloak's recorded user events is a security notice: a pure rule, no I/O.

Keycloak records each credential change once as ``UPDATE_CREDENTIAL`` / ``REMOVE_CREDENTIAL``
with the credential's type (it also records the older ``UPDATE_PASSWORD`` / ``UPDATE_TOTP``
/ ``REMOVE_TOTP`` for the same change: those are ignored, or a change would be told twice).
Sign-ins (``LOGIN``) are never notices. A recovery code used is recorded by the plugin's
recovery-code step as ``UPDATE_CREDENTIAL`` with ``recovery_code=used``.
"""

from __future__ import annotations

from typing import Any

# What the bridge asks Keycloak for.
EVENT_TYPES = ("UPDATE_CREDENTIAL", "REMOVE_CREDENTIAL")

PASSWORD_CHANGED = "password_changed"  # noqa: S105  (a notice kind, not a password)
PHONE_CHANGED = "phone_changed"
APP_ADDED = "app_added"
APP_REMOVED = "app_removed"
PASSKEY_ADDED = "passkey_added"
PASSKEY_REMOVED = "passkey_removed"
RECOVERY_CODES_CREATED = "recovery_codes_created"
RECOVERY_CODE_USED = "recovery_code_used"
SECOND_FACTOR_RESET = "second_factor_reset"
SITE_ADMIN_GRANTED = "site_admin_granted"
SITE_ADMIN_REVOKED = "site_admin_revoked"

_ADDED = {"password": PASSWORD_CHANGED, "phone-otp": PHONE_CHANGED, "otp": APP_ADDED,
          "webauthn-passwordless": PASSKEY_ADDED, "webauthn": PASSKEY_ADDED,
          "recovery-authn-codes": RECOVERY_CODES_CREATED}
_REMOVED = {"phone-otp": PHONE_CHANGED, "otp": APP_REMOVED,
            "webauthn-passwordless": PASSKEY_REMOVED, "webauthn": PASSKEY_REMOVED}


def notice_kind(event: dict[str, Any]) -> str | None:
    """The notice a Keycloak event calls for, or None (failed attempts, sign-ins, others)."""
    if event.get("error") or not event.get("userId"):
        return None
    details = event.get("details") or {}
    credential = str(details.get("credential_type") or "")
    if event.get("type") == "UPDATE_CREDENTIAL":
        if credential == "recovery-authn-codes" and details.get("recovery_code") == "used":
            return RECOVERY_CODE_USED
        return _ADDED.get(credential)
    if event.get("type") == "REMOVE_CREDENTIAL":
        return _REMOVED.get(credential)
    return None


def source_of(event: dict[str, Any]) -> str:
    return f"kc:{event['id']}"
