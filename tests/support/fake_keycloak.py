"""An in-memory Keycloak behind the gateway's interface, for fast unit tests.

``FakeKeycloak`` answers like ``KeycloakGateway`` does against the real server: the same
return values and the same errors in the same situations (``UserExists`` for a taken email,
``ProfileRejected`` for a value the realm's user profile refuses, ``PasswordRejected`` per the
realm's password policy, ``GatewayError`` with status 404 for an unknown user, group or role).
The realm's rules (user profile, password policy, groups, roles, default required actions) are
read from the same realm file Keycloak imports. ``tests/contract/test_fake_gateway.py`` runs the
same scenarios against this fake and the real Keycloak, so the two cannot drift.

Put it in an app with ``idp_bridge.keycloak.init_app(app, FakeKeycloak())``. For tests of
failure handling, ``fail()`` makes a chosen call raise, as a stopped or refusing Keycloak would.
"""

from __future__ import annotations

import functools
import itertools
import json
import re
import time
import unicodedata
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

from idp_bridge.config import REPO_ROOT
from idp_bridge.keycloak.errors import (
    GatewayError,
    PasswordRejected,
    ProfileRejected,
    UserExists,
)
from idp_bridge.keycloak.gateway import (
    NEW_FACTOR_ACTION,
    PASSKEY_TYPE,
    RESET_TYPES,
    HandoffForm,
    KeycloakUser,
    Passkey,
    SecondFactors,
    SignInEvent,
)
from idp_bridge.keycloak.groups import ORGS_GROUP

if TYPE_CHECKING:
    from idp_bridge.keycloak.protocol import Gateway

REALM_FILE = REPO_ROOT / "keycloak" / "realm" / "provider-portal-realm.json"

P = ParamSpec("P")
R = TypeVar("R")


@dataclass
class Failure:
    """The ``nth`` next call to ``method`` (any method if None) raises GatewayError(status);
    with ``applied`` the change is made first, as when Keycloak stalls past our timeout and
    then does what was asked."""

    method: str | None
    nth: int
    status: int | None
    applied: bool


Method = Callable[Concatenate["FakeKeycloak", P], R]


def _api(fn: Method[P, R]) -> Method[P, R]:
    """A gateway call: logged in ``calls`` and subject to an injected failure."""

    @functools.wraps(fn)
    def call(self: FakeKeycloak, *args: P.args, **kwargs: P.kwargs) -> R:
        self.calls.append(fn.__name__)
        failure = self._due_failure(fn.__name__)
        if failure is None:
            return fn(self, *args, **kwargs)
        if failure.applied:
            fn(self, *args, **kwargs)
        if failure.status is None:
            raise GatewayError(f"Keycloak is unreachable ({fn.__name__}, injected)")
        raise GatewayError(f"Keycloak could not {fn.__name__} (injected)", failure.status)

    return call


def _not_found(what: str) -> GatewayError:
    return GatewayError(f"Keycloak could not find the {what}", 404)


@dataclass
class _User:
    id: str
    email: str
    first_name: str
    last_name: str
    attributes: dict[str, list[str]]
    required_actions: list[str]
    created_ms: int = field(default_factory=lambda: int(time.time() * 1000))
    password: str | None = None
    roles: set[str] = field(default_factory=set)
    credentials: list[dict[str, Any]] = field(default_factory=list)
    enabled: bool = True

    def rep(self) -> dict[str, Any]:
        return {"id": self.id, "username": self.email, "email": self.email,
                "firstName": self.first_name, "lastName": self.last_name,
                "enabled": self.enabled,
                "attributes": {k: list(v) for k, v in self.attributes.items()},
                "createdTimestamp": self.created_ms}


@dataclass
class _Group:
    id: str
    name: str
    parent_id: str | None
    attributes: dict[str, list[str]] = field(default_factory=dict)
    members: set[str] = field(default_factory=set)


# The realm's user profile ------------------------------------------------------------------


class UserProfile:
    """The declared attributes and their validators, as the realm file configures them.
    Covers the validators the realm uses: length, options, pattern, email."""

    def __init__(self, attributes: list[dict[str, Any]]) -> None:
        self.validations = {a["name"]: a.get("validations") or {} for a in attributes}

    @classmethod
    def from_realm(cls, realm: dict[str, Any]) -> UserProfile:
        for provider in (realm.get("components") or {}).values():
            for component in provider:
                config = (component.get("config") or {}).get("kc.user.profile.config")
                if config:
                    return cls(json.loads(config[0])["attributes"])
        raise ValueError("the realm file declares no user profile")

    def declared(self, name: str) -> bool:
        return name in self.validations

    def errors(self, values: dict[str, str]) -> list[dict[str, str]]:
        """Keycloak's error list: one entry per refused value (empty values are not
        validated, as Keycloak's validators ignore them)."""
        found = []
        for name, value in values.items():
            code = self._refusal(name, value) if value else None
            if code:
                found.append({"field": name, "errorMessage": code})
        return found

    def _refusal(self, name: str, value: str) -> str | None:
        rules = self.validations.get(name) or {}
        length = rules.get("length") or {}
        if len(value) > int(length.get("max", len(value))):
            return "error-invalid-length-too-long"
        if len(value) < int(length.get("min", 0)):
            return "error-invalid-length-too-short"
        options = rules.get("options")
        if options and value not in options.get("options", []):
            return "error-invalid-value"
        if "email" in rules and not re.fullmatch(r"[^@\s]+@[^@\s]+", value):
            return "error-invalid-email"
        pattern = rules.get("pattern")
        if pattern and not _matches(pattern["pattern"], value):
            return str(pattern.get("error-message") or "error-pattern-no-match")
        return None


def _matches(pattern: str, value: str) -> bool:
    """Java's regex on ``value``; Python's ``re`` lacks ``\\p{L}``/``\\p{M}``, so those
    classes are spelled with a placeholder and checked by Unicode category."""
    if r"\p{" not in pattern:
        return re.fullmatch(pattern, value) is not None
    letters = r"\p{L}\p{M}"
    simple = pattern.replace(letters, "\u0001")
    if r"\p{" in simple:
        raise NotImplementedError(f"the fake cannot evaluate {pattern!r}")
    spelled = "".join("\u0001" if _is_letter(ch) else ch for ch in value)
    return re.fullmatch(simple, spelled) is not None


def _is_letter(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "LM"


# The realm's password policy ---------------------------------------------------------------


def policy_refusal(policy: str, password: str, email: str) -> str | None:
    """Keycloak's message for the first rule of ``policy`` the password breaks, or None."""
    checks: dict[str, Callable[[int], tuple[bool, str]]] = {
        "length": lambda n: (len(password) >= n, f"minimum length {n}"),
        "maxLength": lambda n: (len(password) <= n, f"maximum length {n}"),
        "lowerCase": lambda n: (sum(c.islower() for c in password) >= n,
                                f"must contain at least {n} lower case characters"),
        "upperCase": lambda n: (sum(c.isupper() for c in password) >= n,
                                f"must contain at least {n} upper case characters"),
        "digits": lambda n: (sum(c.isdigit() for c in password) >= n,
                             f"must contain at least {n} numerical digits"),
        "specialChars": lambda n: (sum(not c.isalnum() for c in password) >= n,
                                   f"must contain at least {n} special characters"),
        "notUsername": lambda _: (password.lower() != email.lower(),
                                  "must not be equal to the username"),
        "notEmail": lambda _: (password.lower() != email.lower(),
                               "must not be equal to the email"),
    }
    for rule in filter(None, (part.strip() for part in policy.split(" and "))):
        name, _, arg = rule.partition("(")
        check = checks.get(name)
        if check is None:
            continue
        arg = arg.rstrip(")")
        ok, message = check(int(arg) if arg.isdigit() else 0)
        if not ok:
            return f"Invalid password: {message}."
    return None


# The fake ----------------------------------------------------------------------------------


class FakeKeycloak:
    """In-memory Keycloak realm behind the ``Gateway`` interface (see the module doc)."""

    DEFAULT_ROLES = ("offline_access", "uma_authorization")

    def __init__(self, realm_file: Path = REALM_FILE) -> None:
        realm = json.loads(realm_file.read_text(encoding="utf-8"))
        self.realm = str(realm["realm"])
        self.policy = str(realm.get("passwordPolicy") or "")
        self.profile = UserProfile.from_realm(realm)
        self.default_actions = [a["alias"] for a in realm.get("requiredActions") or []
                                if a.get("enabled", True) and a.get("defaultAction")]
        self.roles = {r["name"] for r in (realm.get("roles") or {}).get("realm") or []}
        self.roles |= {*self.DEFAULT_ROLES, self._default_role}
        self.users: dict[str, _User] = {}
        self.groups: dict[str, _Group] = {}
        for group in realm.get("groups") or []:
            self._add_group(None, group["name"], group.get("attributes") or {})
        self.ended_sessions: list[str] = []  # user ids, in order
        self.handoffs: dict[str, dict[str, str]] = {}  # by link key: what each link carries
        self.calls: list[str] = []  # gateway method names, in order
        self.events: list[SignInEvent] = []  # LOGIN events, oldest first (see sign_in)
        self.user_event_log: list[dict[str, Any]] = []  # Keycloak's user event log (record_event)
        self._failures: list[Failure] = []
        self._ids = itertools.count(1)

    # Failure injection ----------------------------------------------------------------------

    def fail(self, method: str | None = None, nth: int = 1, status: int | None = None,
             applied: bool = False) -> None:
        """The ``nth`` next call (to ``method``, or to any gateway method) raises
        GatewayError: unreachable when ``status`` is None, else Keycloak's refusal."""
        self._failures.append(Failure(method, nth, status, applied))

    def _due_failure(self, method: str) -> Failure | None:
        due = None
        for failure in self._failures:
            if failure.method in (None, method):
                failure.nth -= 1
                if failure.nth == 0 and due is None:
                    due = failure
        self._failures = [f for f in self._failures if f.nth > 0]
        return due

    # Users ----------------------------------------------------------------------------------

    @_api
    def create_user(self, email: str, first_name: str, last_name: str,
                    attributes: dict[str, str],
                    required_actions: list[str] | None = None) -> str:
        email = email.lower()  # Keycloak keeps usernames and emails in lower case
        if any(u.email == email for u in self.users.values()):
            raise UserExists("An account already exists for this email.", 409)
        errors = self.profile.errors({"email": email, "firstName": first_name,
                                      "lastName": last_name, **attributes})
        if errors:
            details = errors[0] if len(errors) == 1 else {"errors": errors}
            raise ProfileRejected("Keycloak's user profile refused a value", 400, details)
        user = _User(self._new_id(), email, first_name, last_name,
                     {k: [v] for k, v in attributes.items() if self.profile.declared(k)},
                     list(self.default_actions if required_actions is None
                          else required_actions))
        self.users[user.id] = user
        return user.id

    @_api
    def set_password(self, user_id: str, password: str) -> None:
        user = self._user(user_id)
        refusal = policy_refusal(self.policy, password, user.email)
        if refusal:
            raise PasswordRejected(refusal, 400)
        user.password = password
        user.credentials = [c for c in user.credentials if c["type"] != "password"]
        user.credentials.insert(0, self._credential("password", "My password"))

    @_api
    def get_user(self, user_id: str) -> KeycloakUser:
        return KeycloakUser.from_rep(self._user(user_id).rep())

    @_api
    def find_user_by_email(self, email: str) -> KeycloakUser | None:
        found = [u for u in self.users.values() if u.email == email.lower()]
        return KeycloakUser.from_rep(found[0].rep()) if found else None

    @_api
    def delete_user(self, user_id: str) -> None:
        self._user(user_id)
        del self.users[user_id]
        for group in self.groups.values():
            group.members.discard(user_id)

    @_api
    def end_sessions(self, user_id: str) -> None:
        self._user(user_id)
        self.ended_sessions.append(user_id)

    # Lifecycle ------------------------------------------------------------------------------

    @_api
    def sign_in_events(self, since_ms: int, first: int = 0,
                       max_results: int = 500) -> list[SignInEvent]:
        found = [e for e in self.events if e.time_ms >= since_ms]
        return found[first:first + max_results]

    @_api
    def set_enabled(self, user_id: str, enabled: bool) -> None:
        self._user(user_id).enabled = enabled

    def sign_in(self, user_id: str, at_ms: int, client_id: str = "provider-portal") -> None:
        """Test helper: a successful sign-in, as Keycloak's event store records it. A
        disabled login cannot sign in."""
        if not self._user(user_id).enabled:
            raise AssertionError("a disabled login cannot sign in")
        self.events.append(SignInEvent(user_id, at_ms, client_id))
        self.events.sort(key=lambda e: e.time_ms)

    @_api
    def registration_handoff(self, user_id: str, redirect_uri: str,
                             authorization: dict[str, str],
                             step_params: Mapping[str, str] | None = None,
                             client_id: str | None = None) -> HandoffForm:
        """A single-use hand-off into Keycloak's phone enrollment, as a form to post;
        refused (409) once the registration is no longer under way (phone enrollment no
        longer pending) or for a login the bridge did not create in a registration (no
        ``registration_pending`` marker). Each new one replaces the user's earlier one. The
        real endpoint is the plugin's: tests/keycloak_plugin/test_handoff.py."""
        user = self._user(user_id)
        if ("phone-verification" not in user.required_actions
                or user.attributes.get("registration_pending") != ["true"]):
            raise GatewayError("Keycloak refused the registration hand-off", 409)
        key = self._new_id()
        for earlier in [k for k, v in self.handoffs.items() if v["user_id"] == user_id]:
            del self.handoffs[earlier]  # one live hand-off per registration
        self.handoffs[key] = {"user_id": user_id, "redirect_uri": redirect_uri,
                              **authorization}
        return HandoffForm(
            action=f"http://keycloak.fake/realms/{self.realm}/idp-bridge/registration-handoff/open",
            fields={"key": key, "client_id": client_id or "idp-bridge"})

    # Groups ---------------------------------------------------------------------------------

    @_api
    def orgs_group_id(self) -> str:
        group = self._group_at(f"/{ORGS_GROUP}")
        if group is None:
            raise _not_found("organizations group")
        return group.id

    @_api
    def group_by_path(self, path: str) -> dict[str, Any] | None:
        group = self._group_at(path)
        return self._group_rep(group) if group else None

    @_api
    def create_subgroup(self, parent_id: str, name: str,
                        attributes: dict[str, list[str]] | None = None) -> str:
        self._group(parent_id)
        if any(g.parent_id == parent_id and g.name == name for g in self.groups.values()):
            raise GatewayError(f"Keycloak could not create the group: Sibling group named "
                               f"'{name}' already exists.", 409)
        return self._add_group(parent_id, name, attributes or {})

    @_api
    def group_attributes(self, group_id: str) -> dict[str, list[str]]:
        return {k: list(v) for k, v in self._group(group_id).attributes.items()}

    @_api
    def update_group_attributes(self, group_id: str,
                                attributes: dict[str, list[str]]) -> None:
        self._group(group_id).attributes = {k: list(v) for k, v in attributes.items()}

    @_api
    def rename_group(self, group_id: str, name: str) -> None:
        group = self._group(group_id)
        if any(g.parent_id == group.parent_id and g.name == name and g.id != group_id
               for g in self.groups.values()):
            raise GatewayError(f"Keycloak could not rename the group: Sibling group named "
                               f"'{name}' already exists.", 409)
        group.name = name

    @_api
    def subgroups(self, parent_id: str, page_size: int = 100) -> list[dict[str, Any]]:
        self._group(parent_id)
        children = [g for g in self.groups.values() if g.parent_id == parent_id]
        return [self._group_rep(g) for g in sorted(children, key=lambda g: g.name)]

    @_api
    def delete_group(self, group_id: str) -> None:
        self._group(group_id)
        doomed = [group_id]
        for gid in doomed:  # grows while walked: the whole subtree
            doomed.extend(g.id for g in self.groups.values() if g.parent_id == gid)
        for gid in doomed:
            del self.groups[gid]

    @_api
    def add_to_group(self, user_id: str, group_id: str) -> None:
        self._user(user_id)
        self._group(group_id).members.add(user_id)

    @_api
    def remove_from_group(self, user_id: str, group_id: str) -> None:
        self._user(user_id)
        self._group(group_id).members.discard(user_id)  # not a member: nothing to do

    @_api
    def group_member_ids(self, group_id: str, page_size: int = 100) -> list[str]:
        members = self._group(group_id).members
        return sorted(members, key=lambda uid: self.users[uid].email)

    # Realm ----------------------------------------------------------------------------------

    @_api
    def password_policy(self) -> str:
        return self.policy

    @_api
    def role_member_emails(self, role_name: str, limit: int = 100) -> list[str]:
        self._role(role_name)
        holders = sorted(u.email for u in self.users.values() if role_name in u.roles)
        return holders[:limit]

    @_api
    def user_realm_roles(self, user_id: str) -> set[str]:
        user = self.users.get(user_id)
        if user is None:
            return set()
        return {*user.roles, self._default_role, *self.DEFAULT_ROLES}

    @_api
    def assign_realm_role(self, user_id: str, role_name: str) -> None:
        self._role(role_name)
        self._user(user_id).roles.add(role_name)

    # Passkeys -------------------------------------------------------------------------------

    @_api
    def passkeys(self, user_id: str) -> list[Passkey]:
        return self._passkeys(user_id)

    @_api
    def passkey_holders(self, user_ids: list[str]) -> set[str]:
        return {user_id for user_id in user_ids if self._passkeys(user_id)}

    @_api
    def delete_passkey(self, user_id: str, credential_id: str) -> bool:
        if credential_id not in {p.id for p in self._passkeys(user_id)}:
            return False
        user = self._user(user_id)
        user.credentials = [c for c in user.credentials if c["id"] != credential_id]
        return True

    # Second factors (factors) ---------------------------------------------------------------

    @_api
    def second_factors(self, user_id: str) -> SecondFactors:
        return SecondFactors.from_reps(self._user(user_id).credentials)

    @_api
    def user_events(self, types: list[str], since_ms: int, first: int,
                    limit: int) -> list[dict[str, Any]]:
        found = [e for e in self.user_event_log if e["type"] in types and e["time"] >= since_ms]
        return [dict(e) for e in sorted(found, key=lambda e: e["time"])[first:first + limit]]

    @_api
    def reset_second_factor(self, user_id: str, include_passkeys: bool) -> list[str]:
        user = self._user(user_id)
        if NEW_FACTOR_ACTION not in user.required_actions:
            user.required_actions.insert(0, NEW_FACTOR_ACTION)
        types = RESET_TYPES | ({PASSKEY_TYPE, "webauthn"} if include_passkeys else set())
        removed = sorted(c["type"] for c in user.credentials if c["type"] in types)
        user.credentials = [c for c in user.credentials if c["type"] not in types]
        return removed

    def record_event(self, user_id: str, kind: str, at_ms: int | None = None,
                     **details: str) -> dict[str, Any]:
        """An event as Keycloak's event log would hold it (set-up for tests)."""
        event = {"id": self._new_id(), "type": kind, "userId": user_id,
                 "time": at_ms if at_ms is not None else int(time.time() * 1000),
                 "details": dict(details)}
        self.user_event_log.append(event)
        return event

    # What only tests ask (as tests/support/keycloak_admin.TestAdmin does) -------------------

    @_api
    def user_group_paths(self, user_id: str) -> list[str]:
        self._user(user_id)
        return sorted(self._path(g) for g in self.groups.values() if user_id in g.members)

    @_api
    def update_attributes(self, user_id: str, changes: dict[str, str | None]) -> None:
        user = self._user(user_id)
        errors = self.profile.errors({k: v for k, v in changes.items() if v is not None})
        if errors:
            raise GatewayError("Keycloak could not update the user", 400)
        for name, value in changes.items():
            if value is None:
                user.attributes.pop(name, None)
            elif self.profile.declared(name):
                user.attributes[name] = [value]

    # Set-ups only the fake offers (the real one needs a browser for these) ------------------

    def add_passkey(self, user_id: str, label: str = "Passkey") -> str:
        """A passkey, as Keycloak's WebAuthn registration would leave it."""
        credential = self._credential(PASSKEY_TYPE, label)
        self._user(user_id).credentials.append(credential)
        return str(credential["id"])

    def add_credential(self, user_id: str, kind: str, label: str = "",
                       data: dict[str, Any] | None = None) -> str:
        """Another kind of credential (e.g. the phone's), which is never a passkey; ``data``
        is its ``credentialData`` (e.g. ``{"remainingCodes": 12}`` for recovery codes)."""
        credential = self._credential(kind, label)
        if data is not None:
            credential["credentialData"] = json.dumps(data)
        self._user(user_id).credentials.append(credential)
        return str(credential["id"])

    def required_actions(self, user_id: str) -> list[str]:
        return list(self._user(user_id).required_actions)

    def password_is(self, user_id: str, password: str) -> bool:
        return self._user(user_id).password == password

    # Internals ------------------------------------------------------------------------------

    @property
    def _default_role(self) -> str:
        return f"default-roles-{self.realm}"

    def _new_id(self) -> str:
        return str(uuid.uuid4())

    def _credential(self, kind: str, label: str) -> dict[str, Any]:
        return {"id": self._new_id(), "type": kind, "userLabel": label,
                "createdDate": int(time.time() * 1000) + next(self._ids)}

    def _user(self, user_id: str) -> _User:
        user = self.users.get(user_id)
        if user is None:
            raise _not_found("user")
        return user

    def _group(self, group_id: str) -> _Group:
        group = self.groups.get(group_id)
        if group is None:
            raise _not_found("group")
        return group

    def _role(self, name: str) -> None:
        if name not in self.roles:
            raise _not_found("role")

    def _passkeys(self, user_id: str) -> list[Passkey]:
        return [Passkey.from_rep(c) for c in self._user(user_id).credentials
                if c["type"] == PASSKEY_TYPE]

    def _add_group(self, parent_id: str | None, name: str,
                   attributes: dict[str, list[str]]) -> str:
        group = _Group(self._new_id(), name, parent_id, {k: list(v) for k, v in
                                                         attributes.items()})
        self.groups[group.id] = group
        return group.id

    def _path(self, group: _Group) -> str:
        parent = self.groups.get(group.parent_id) if group.parent_id else None
        return f"{self._path(parent) if parent else ''}/{group.name}"

    def _group_at(self, path: str) -> _Group | None:
        return next((g for g in self.groups.values() if self._path(g) == path), None)

    def _group_rep(self, group: _Group) -> dict[str, Any]:
        children = sum(1 for g in self.groups.values() if g.parent_id == group.id)
        return {"id": group.id, "name": group.name, "path": self._path(group),
                "parentId": group.parent_id, "subGroupCount": children, "subGroups": [],
                "attributes": {k: list(v) for k, v in group.attributes.items()}}


if TYPE_CHECKING:  # mypy: the fake satisfies the interface the bridge is typed with

    def _satisfies(fake: FakeKeycloak) -> Gateway:
        return fake
