"""The one door to Keycloak's admin REST API (python-keycloak), used with the bridge's
service account. Nothing else in the bridge imports python-keycloak. Its interface is
``protocol.Gateway``; tests read back what they need through their own admin client.

Keycloak facts this module absorbs so callers don't have to:
- attributes not declared in the realm's user profile are dropped silently;
- ``PUT /users/{id}`` drops admin-editable attributes the body leaves out, so an update
  reads the whole user, changes it and writes it back;
- ``set_user_password`` defaults to a temporary password;
- the realm's password policy is only in the whole realm representation (a large read), so
  ``password_policy`` keeps it for ``POLICY_CACHE_SECONDS`` per process: Password Setup
  lists rules at most a minute stale after an administrator changes them (each of the
  web workers keeps its own copy). That is safe because the list is only shown: Keycloak
  enforces its current policy when the password is set, and its refusal names the rule it
  applied (only the number in the guide's wording of that rule comes from the copy).
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from keycloak import KeycloakAdmin, KeycloakOpenIDConnection
from keycloak.exceptions import KeycloakError

from idp_bridge.keycloak.errors import (
    GatewayError,
    PasswordRejected,
    ProfileRejected,
    UserExists,
)
from idp_bridge.keycloak.groups import ORGS_GROUP
from idp_bridge.keycloak.http import environment_read_once
from idp_bridge.operations.admin_calls import observe as observe_admin_calls

# Connect and read timeouts (seconds): a stopped Keycloak must cost a user a few seconds and
# a clear message, not a hung page. No automatic retry: the user's retry is the retry.
DEFAULT_TIMEOUT = (3.0, 5.0)


# The password policy is shown on Password Setup; re-read at most once a minute.
POLICY_CACHE_SECONDS = 60.0

@dataclass(frozen=True)
class KeycloakUser:
    id: str
    username: str
    email: str
    first_name: str
    last_name: str
    enabled: bool
    attributes: dict[str, list[str]]
    created_ms: int = 0  # Keycloak's createdTimestamp

    @classmethod
    def from_rep(cls, rep: dict[str, Any]) -> KeycloakUser:
        return cls(
            id=rep["id"],
            username=rep.get("username", ""),
            email=rep.get("email", ""),
            first_name=rep.get("firstName", ""),
            last_name=rep.get("lastName", ""),
            enabled=bool(rep.get("enabled")),
            attributes=rep.get("attributes") or {},
            created_ms=int(rep.get("createdTimestamp") or 0),
        )

    def attribute(self, name: str) -> str | None:
        values = self.attributes.get(name) or []
        return values[0] if values else None


def _error_payload(exc: KeycloakError) -> dict[str, Any]:
    import json

    raw = exc.response_body
    body = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw or "")
    try:
        data = json.loads(body) if body else {}
    except (TypeError, ValueError):
        return {"errorMessage": str(body)}
    return data if isinstance(data, dict) else {}


class KeycloakGateway:
    def __init__(self, server_url: str, realm: str, client_id: str, client_secret: str,
                 timeout: tuple[float, float] = DEFAULT_TIMEOUT) -> None:
        self.realm = realm
        self._policy: tuple[float, str] | None = None
        connection = KeycloakOpenIDConnection(
            server_url=server_url.rstrip("/") + "/",
            realm_name=realm,
            client_id=client_id,
            client_secret_key=client_secret,
            verify=True,
            timeout=timeout,  # type: ignore[arg-type]  # requests takes (connect, read)
            max_retries=0,
        )
        self._admin = KeycloakAdmin(connection=connection)
        # Latency, failures and the request id on every admin call (python-keycloak 7 keeps
        # its requests session in ``_s``; the adapter keeps max_retries=0).
        observe_admin_calls(connection._s, realm)  # noqa: SLF001
        environment_read_once(connection._s, server_url)  # noqa: SLF001

    def _call(self, what: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except KeycloakError as exc:
            payload = _error_payload(exc)
            detail = payload.get("error_description") or payload.get("errorMessage") or ""
            raise GatewayError(f"Keycloak could not {what}: {detail}".strip(),
                               exc.response_code) from exc
        except OSError as exc:  # connection refused, timeouts (requests wraps them as OSError)
            raise GatewayError(f"Keycloak is unreachable ({what})") from exc

    # Users -------------------------------------------------------------------------------

    def create_user(
        self,
        email: str,
        first_name: str,
        last_name: str,
        attributes: dict[str, str],
        required_actions: list[str] | None = None,
    ) -> str:
        rep: dict[str, Any] = {
            "username": email,
            "email": email,
            "emailVerified": True,  # the bridge verified it with an emailed code
            "firstName": first_name,
            "lastName": last_name,
            "enabled": True,
            "attributes": {k: [v] for k, v in attributes.items()},
        }
        try:
            user_id = str(self._admin.create_user(rep, exist_ok=False))
        except KeycloakError as exc:
            if exc.response_code == 409:
                raise UserExists("An account already exists for this email.", 409) from exc
            payload = _error_payload(exc)
            if exc.response_code == 400 and (payload.get("field") or payload.get("errors")):
                raise ProfileRejected("Keycloak's user profile refused a value",
                                      400, payload) from exc
            raise GatewayError(
                f"Keycloak could not create the user: {payload.get('errorMessage', '')}",
                exc.response_code,
            ) from exc
        except OSError as exc:
            raise GatewayError("Keycloak is unreachable (create user)") from exc
        if required_actions is not None:
            # Keycloak gives every new user the realm's default actions (phone setup, terms)
            # and ignores an empty list at creation; an explicit list replaces them here.
            created = self._call("read the user", self._admin.get_user, user_id)
            created["requiredActions"] = required_actions
            self._call("update the user", self._admin.update_user, user_id, created)
        return user_id

    def set_password(self, user_id: str, password: str) -> None:
        try:
            self._admin.set_user_password(user_id, password, temporary=False)
        except KeycloakError as exc:
            payload = _error_payload(exc)
            if exc.response_code == 400:
                raise PasswordRejected(
                    payload.get("error_description") or "Password rejected by policy", 400
                ) from exc
            raise GatewayError("Keycloak could not set the password", exc.response_code) from exc
        except OSError as exc:
            raise GatewayError("Keycloak is unreachable (set password)") from exc

    def get_user(self, user_id: str) -> KeycloakUser:
        return KeycloakUser.from_rep(self._call("read the user", self._admin.get_user, user_id))

    def find_user_by_email(self, email: str) -> KeycloakUser | None:
        reps = self._call(
            "search users", self._admin.get_users, {"email": email, "exact": True, "max": 2}
        )
        return KeycloakUser.from_rep(reps[0]) if reps else None

    def delete_user(self, user_id: str) -> None:
        self._call("delete the user", self._admin.delete_user, user_id)

    def end_sessions(self, user_id: str) -> None:
        self._call("end the user's sessions", self._admin.user_logout, user_id)

    # Lifecycle -----------------------------------------------------------------------------

    def sign_in_events(self, since_ms: int, first: int = 0,
                       max_results: int = 500) -> list[SignInEvent]:
        """Successful sign-ins (``LOGIN`` events, every client of the realm) from ``since_ms``
        (epoch milliseconds, inclusive), oldest first, one page. Keycloak keeps them only for
        the realm's ``eventsExpiration``; idp_bridge.lifecycle.sign_ins keeps the last one per
        login for good."""
        reps = self._call("read sign-in events", self._admin.get_events,
                          {"type": "LOGIN", "dateFrom": str(since_ms), "direction": "asc",
                           "first": first, "max": max_results})
        return [SignInEvent.from_rep(r) for r in reps if r.get("userId")]

    def set_enabled(self, user_id: str, enabled: bool) -> None:
        """A disabled login cannot sign in (Keycloak shows the theme's accountDisabledMessage);
        read-modify-write, as a partial PUT would drop attributes."""
        rep = self._call("read the user", self._admin.get_user, user_id)
        rep["enabled"] = enabled
        self._call("enable or disable the user", self._admin.update_user, user_id, rep)

    def registration_handoff(self, user_id: str, redirect_uri: str,
                             authorization: dict[str, str],
                             step_params: Mapping[str, str] | None = None,
                             client_id: str | None = None) -> HandoffForm:
        """A single-use hand-off (minutes long, the user's only live one: a newer one makes
        it dead) that carries a registrant who has just set a
        password into Keycloak's phone enrollment and Terms, then back to ``redirect_uri``
        signed in, answering the bridge's own authorization request (``state``, ``nonce``,
        ``scope``, ``code_challenge`` S256). The plugin's endpoint (docs/keycloak-plugin.md)
        refuses with 409 once the registration is no longer under way (phone done, or a
        second factor exists). ``step_params`` are the step counter's parameters, as on the
        authorization request (``kc_step_phone``, ``kc_step_terms``, ``kc_steps``);
        ``client_id`` the brand's client to sign in to (default: the service account's)."""
        payload: dict[str, Any] = {"user_id": user_id, "redirect_uri": redirect_uri,
                                   **authorization}
        payload.update(step_params or {})
        if client_id:
            payload["client_id"] = client_id
        path = f"realms/{self.realm}/idp-bridge/registration-handoff"
        try:
            response = self._admin.connection.raw_post(path, data=json.dumps(payload))
        except OSError as exc:
            raise GatewayError("Keycloak is unreachable (registration hand-off)") from exc
        if response.status_code != 200:
            raise GatewayError("Keycloak refused the registration hand-off",
                               response.status_code)
        answer = response.json()
        return HandoffForm(action=str(answer["action"]),
                           fields={str(k): str(v) for k, v in answer["fields"].items()})

    # Groups ------------------------------------------------------------------------------

    def orgs_group_id(self) -> str:
        group = self._call("find the organizations group", self._admin.get_group_by_path,
                           f"/{ORGS_GROUP}")
        return str(group["id"])

    def group_by_path(self, path: str) -> dict[str, Any] | None:
        try:
            return self._admin.get_group_by_path(path)
        except KeycloakError as exc:
            if exc.response_code == 404:
                return None
            raise GatewayError("Keycloak could not read the group", exc.response_code) from exc
        except OSError as exc:
            raise GatewayError("Keycloak is unreachable (read the group)") from exc

    def create_subgroup(
        self, parent_id: str, name: str, attributes: dict[str, list[str]] | None = None
    ) -> str:
        payload = {"name": name, "attributes": attributes or {}}
        return str(self._call("create the group", self._admin.create_group, payload,
                              parent=parent_id, skip_exists=False))

    def group_attributes(self, group_id: str) -> dict[str, list[str]]:
        group = self._call("read the group", self._admin.get_group, group_id)
        return dict(group.get("attributes") or {})

    def update_group_attributes(self, group_id: str, attributes: dict[str, list[str]]) -> None:
        self._update_group(group_id, "update the group", attributes=attributes)

    def rename_group(self, group_id: str, name: str) -> None:
        """Members, attributes and subgroups stay; the paths below it (and so the members'
        ``groups`` claims from their next token on) follow the new name."""
        self._update_group(group_id, "rename the group", name=name)

    def _update_group(self, group_id: str, doing: str, **changes: Any) -> None:
        # PUT /groups/{id} replaces the representation: read it whole, change, write back
        # (without the subgroups and the path, which Keycloak derives).
        group = self._call("read the group", self._admin.get_group, group_id)
        group.update(changes)
        group.pop("subGroups", None)
        group.pop("path", None)
        self._call(doing, self._admin.update_group, group_id, group)

    def subgroups(self, parent_id: str, page_size: int = 100) -> list[dict[str, Any]]:
        """Direct children of a group (name, id, attributes), all pages."""
        found: list[dict[str, Any]] = []
        first = 0
        while True:
            page = self._call("list subgroups", self._admin.get_group_children, parent_id,
                              {"first": first, "max": page_size, "briefRepresentation": False})
            found.extend(page)
            if len(page) < page_size:
                return found
            first += page_size

    def delete_group(self, group_id: str) -> None:
        self._call("delete the group", self._admin.delete_group, group_id)

    def add_to_group(self, user_id: str, group_id: str) -> None:
        self._call("grant the group", self._admin.group_user_add, user_id, group_id)

    def remove_from_group(self, user_id: str, group_id: str) -> None:
        self._call("revoke the group", self._admin.group_user_remove, user_id, group_id)

    def group_member_ids(self, group_id: str, page_size: int = 100) -> list[str]:
        ids: list[str] = []
        first = 0
        while True:
            page = self._call("list group members", self._admin.get_group_members, group_id,
                              {"first": first, "max": page_size})
            ids.extend(m["id"] for m in page)
            if len(page) < page_size:
                return ids
            first += page_size

    # Realm -------------------------------------------------------------------------------

    def password_policy(self) -> str:
        """The realm's password policy string. Kept for a minute: reading it means reading the
        whole realm representation, which every Password Setup page did, and policies change
        rarely (Keycloak itself enforces the current one when the password is set)."""
        now = time.monotonic()
        if self._policy is not None and now - self._policy[0] < POLICY_CACHE_SECONDS:
            return self._policy[1]
        realm = self._call("read the realm", self._admin.get_realm, self.realm)
        policy = str(realm.get("passwordPolicy") or "")
        self._policy = (now, policy)
        return policy

    def role_member_emails(self, role_name: str, limit: int = 100) -> list[str]:
        users = self._call("list role members", self._admin.get_realm_role_members, role_name,
                           {"first": 0, "max": limit})
        return [u["email"] for u in users if u.get("email")]

    def user_realm_roles(self, user_id: str) -> set[str]:
        """The user's realm roles now, composites included (not as a sign-in token froze
        them); an unknown or deleted user has none."""
        try:
            roles = self._admin.get_composite_realm_roles_of_user(user_id)
        except KeycloakError as exc:
            if exc.response_code == 404:
                return set()
            raise GatewayError("Keycloak could not read the user's roles",
                               exc.response_code) from exc
        except OSError as exc:
            raise GatewayError("Keycloak is unreachable (read roles)") from exc
        return {str(role["name"]) for role in roles}

    def assign_realm_role(self, user_id: str, role_name: str) -> None:
        role = self._call("read the role", self._admin.get_realm_role, role_name)
        self._call("assign the role", self._admin.assign_realm_roles, user_id, [role])

    # Passkeys ----------------------------------------------------------------------------
    # Keycloak's own WebAuthn passwordless credentials; registered by its required action
    # ``webauthn-register-passwordless``, never by the bridge.

    def passkeys(self, user_id: str) -> list[Passkey]:
        """The user's passkeys, oldest first."""
        reps = self._call("read the user's credentials", self._admin.get_credentials, user_id)
        return [Passkey.from_rep(r) for r in reps if r.get("type") == PASSKEY_TYPE]

    def passkey_holders(self, user_ids: list[str]) -> set[str]:
        """Which of these users have a passkey. Keycloak's admin API has no credential
        search across users, so this asks once per user, eight at a time (a page of 50: about
        1.1 s one by one, 0.3-0.4 s like this, on a loaded 2-core test machine); callers pass
        one page of people."""
        if not user_ids:
            return set()
        with ThreadPoolExecutor(max_workers=min(PASSKEY_LOOKUPS_AT_ONCE, len(user_ids))) as pool:
            found = pool.map(lambda user_id: bool(self.passkeys(user_id)), user_ids)
            return {user_id for user_id, has in zip(user_ids, found, strict=True) if has}

    def delete_passkey(self, user_id: str, credential_id: str) -> bool:
        """Delete one of this user's passkeys; False when it is not theirs (or not a
        passkey), so a forged id can neither touch another user nor their phone."""
        if credential_id not in {p.id for p in self.passkeys(user_id)}:
            return False
        self._call("delete the passkey", self._admin.delete_credential, user_id, credential_id)
        return True

    # Second factors (factors) -------------------------------------------------------------
    # What the Security section shows: Keycloak's credentials of the user, by type. Each is
    # added by Keycloak's own required action (phone-verification, CONFIGURE_TOTP,
    # webauthn-register-passwordless, CONFIGURE_RECOVERY_AUTHN_CODES), never by the bridge.

    def second_factors(self, user_id: str) -> SecondFactors:
        reps = self._call("read the user's credentials", self._admin.get_credentials, user_id)
        return SecondFactors.from_reps(reps)

    def reset_second_factor(self, user_id: str, include_passkeys: bool) -> list[str]:
        """Lost phone: the person enrolls a phone again at the next sign-in (required action
        first, so a failure half-way can only ask for more), then their phone, app and
        recovery-code credentials (and passkeys when asked) are deleted. The password stays.
        Returns the types removed."""
        rep = self._call("read the user", self._admin.get_user, user_id)
        actions = list(rep.get("requiredActions") or [])
        if NEW_FACTOR_ACTION not in actions:
            rep["requiredActions"] = [NEW_FACTOR_ACTION, *actions]
            self._call("update the user", self._admin.update_user, user_id, rep)
        types = RESET_TYPES | ({PASSKEY_TYPE, "webauthn"} if include_passkeys else set())
        removed = []
        for credential in self._call("read the user's credentials", self._admin.get_credentials,
                                     user_id):
            if credential.get("type") in types:
                self._call("delete a credential", self._admin.delete_credential, user_id,
                           credential["id"])
                removed.append(str(credential["type"]))
        return sorted(removed)

    def user_events(self, types: list[str], since_ms: int, first: int,
                    limit: int) -> list[dict[str, Any]]:
        """Keycloak's recorded user events of these types from ``since_ms`` on, oldest
        first (needs ``view-events``). Each has ``id``, ``time``, ``type``, ``userId``,
        ``details``; failed attempts have ``error``."""
        query = {"type": types, "dateFrom": str(since_ms), "direction": "asc",
                 "first": first, "max": limit}
        events = self._call("read the event log", self._admin.get_events, query)
        return [e for e in events if isinstance(e, dict)]


@dataclass(frozen=True)
class SignInEvent:
    user_id: str
    time_ms: int
    client_id: str

    @classmethod
    def from_rep(cls, rep: dict[str, Any]) -> SignInEvent:
        return cls(user_id=str(rep["userId"]), time_ms=int(rep.get("time") or 0),
                   client_id=str(rep.get("clientId") or "")[:64])


PASSKEY_TYPE = "webauthn-passwordless"
PASSKEY_LOOKUPS_AT_ONCE = 8  # Keycloak's request threads are shared with sign-ins


@dataclass(frozen=True)
class HandoffForm:
    """What the browser posts to Keycloak to open a registration hand-off: the credential
    travels in ``fields`` (a form body), never in a URL (docs/keycloak-plugin.md)."""

    action: str
    fields: dict[str, str]


@dataclass(frozen=True)
class Passkey:
    id: str
    label: str
    created_ms: int

    @classmethod
    def from_rep(cls, rep: dict[str, Any]) -> Passkey:
        return cls(id=str(rep["id"]), label=str(rep.get("userLabel") or "Passkey"),
                   created_ms=int(rep.get("createdDate") or 0))


PHONE_TYPE = "phone-otp"
APP_TYPE = "otp"
RECOVERY_CODES_TYPE = "recovery-authn-codes"
# A second-factor reset removes these (the spare codes too: with them left, the next sign-in
# would ask for a recovery code instead of enrolling a new phone) and requires enrollment.
RESET_TYPES = frozenset({PHONE_TYPE, APP_TYPE, RECOVERY_CODES_TYPE})
NEW_FACTOR_ACTION = "phone-verification"


@dataclass(frozen=True)
class SecondFactors:
    """A person's second factors as Keycloak holds them now."""

    phone: bool
    apps: tuple[str, ...]  # the authenticator apps' labels, oldest first
    passkeys: tuple[Passkey, ...]
    recovery_codes_left: int | None  # None: no recovery codes set up
    recovery_codes_made_ms: int = 0  # when the current set was made (Keycloak's createdDate)

    @property
    def any(self) -> bool:
        """Has something to sign in with besides the password (recovery codes are a spare,
        not a factor of their own)."""
        return self.phone or bool(self.apps) or bool(self.passkeys)

    @classmethod
    def from_reps(cls, reps: list[dict[str, Any]]) -> SecondFactors:
        ordered = sorted(reps, key=lambda r: int(r.get("createdDate") or 0))
        left: int | None = None
        made = 0
        for rep in ordered:
            if rep.get("type") == RECOVERY_CODES_TYPE:
                left = _remaining_codes(rep.get("credentialData"))
                made = int(rep.get("createdDate") or 0)
        return cls(phone=any(r.get("type") == PHONE_TYPE for r in ordered),
                   apps=tuple(str(r.get("userLabel") or "Authenticator app") for r in ordered
                              if r.get("type") == APP_TYPE),
                   passkeys=tuple(Passkey.from_rep(r) for r in ordered
                                  if r.get("type") == PASSKEY_TYPE),
                   recovery_codes_left=left, recovery_codes_made_ms=made)


def _remaining_codes(data: Any) -> int:
    """Keycloak's recovery-codes credential data: ``{"remainingCodes": n, ...}``."""
    try:
        parsed = json.loads(data) if isinstance(data, str) else (data or {})
        return max(0, int(parsed.get("remainingCodes", 0)))
    except (TypeError, ValueError, AttributeError):
        return 0


if TYPE_CHECKING:  # mypy: the real gateway satisfies the interface callers are typed with
    from idp_bridge.keycloak.protocol import Gateway

    def _satisfies(gateway: KeycloakGateway) -> Gateway:
        return gateway
