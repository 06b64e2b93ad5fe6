"""The fake Keycloak and the real one answer alike: the same scenarios, run against both.

Each test takes ``gateway``: ``FakeKeycloak`` (fast, in the unit layer) or the bridge's real
gateway on the session's Keycloak (marked ``keycloak``). A difference here means the fake
lies to the unit tests that use it; fix the fake (or learn something about Keycloak).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from idp_bridge.keycloak.errors import GatewayError, PasswordRejected, ProfileRejected, UserExists
from idp_bridge.keycloak.groups import ORGS_GROUP
from tests.support.fake_keycloak import FakeKeycloak

PASSWORD = "Provider1!"


@pytest.fixture(params=["fake", pytest.param("real", marks=pytest.mark.keycloak)])
def gateway(request: pytest.FixtureRequest) -> Any:
    """Both answer the bridge's ``Gateway`` protocol plus the tests' read-backs
    (``user_group_paths``, ``update_attributes``: tests/support/keycloak_admin.py)."""
    if request.param == "fake":
        return FakeKeycloak()
    return request.getfixturevalue("keycloak").gateway


class Scratch:
    """What a scenario creates, removed afterwards (the real realm is shared by the session)."""

    def __init__(self, gateway: Any) -> None:
        self.gateway = gateway
        self.users: list[str] = []
        self.groups: list[str] = []

    def user(self, email: str | None = None, attributes: dict[str, str] | None = None,
             first_name: str = "Robin") -> str:
        address = email or f"contract-{uuid.uuid4().hex[:10]}@clinic.test"
        user_id = str(self.gateway.create_user(address, first_name, "Contract",
                                               attributes or {}, required_actions=[]))
        self.users.append(user_id)
        return user_id

    def group(self, attributes: dict[str, list[str]] | None = None) -> tuple[str, str]:
        """A group under /provider-orgs: (id, name)."""
        name = f"contract-{uuid.uuid4().hex[:10]}"
        group_id = str(self.gateway.create_subgroup(self.gateway.orgs_group_id(), name,
                                                    attributes))
        self.groups.append(group_id)
        return group_id, name

    def clean(self) -> None:
        for undo, ids in ((self.gateway.delete_user, self.users),
                          (self.gateway.delete_group, self.groups)):
            for item in ids:
                try:
                    undo(item)
                except GatewayError as exc:
                    if exc.status != 404:  # already gone is what the scenario did
                        raise


@pytest.fixture
def scratch(gateway: Any) -> Iterator[Scratch]:
    made = Scratch(gateway)
    yield made
    made.clean()


def status_of(call: Callable[[], object]) -> int | None:
    with pytest.raises(GatewayError) as raised:
        call()
    return raised.value.status


def unknown_id() -> str:
    return str(uuid.uuid4())


# Users -------------------------------------------------------------------------------------


def test_a_new_user_reads_back_as_created(gateway: Any, scratch: Scratch) -> None:
    address = f"Contract-{uuid.uuid4().hex[:8]}@Clinic.Test"
    user_id = scratch.user(address, {"job_title": "Nurse", "communications_opt_in": "in",
                                     "undeclared_attribute": "dropped"})

    user = gateway.get_user(user_id)
    assert (user.id, user.email, user.username) == (user_id, address.lower(), address.lower())
    assert (user.first_name, user.last_name, user.enabled) == ("Robin", "Contract", True)
    assert user.attribute("job_title") == "Nurse"
    assert user.attribute("communications_opt_in") == "in"
    assert user.attribute("undeclared_attribute") is None  # not in the realm's user profile
    assert user.attributes == {"job_title": ["Nurse"], "communications_opt_in": ["in"]}
    assert user.created_ms > 0
    found = gateway.find_user_by_email(address.upper())
    assert found is not None and found.id == user_id


def test_an_email_has_one_account(gateway: Any, scratch: Scratch) -> None:
    address = f"contract-{uuid.uuid4().hex[:8]}@clinic.test"
    scratch.user(address)
    with pytest.raises(UserExists) as raised:
        scratch.user(address.upper())
    assert raised.value.status == 409


NAME_MESSAGE = ("Names may use letters, spaces, apostrophes, hyphens, periods, commas and "
                "parentheses.")  # the realm's own error-message for the name pattern


@pytest.mark.parametrize(("first_name", "attributes", "field", "code"), [
    ("<script>", {}, "firstName", NAME_MESSAGE),
    ("Robin", {"communications_opt_in": "maybe"}, "communications_opt_in", "error-invalid-value"),
    ("Robin", {"mfa_phone_method": "pigeon"}, "mfa_phone_method", "error-invalid-value"),
    ("Robin", {"job_title": "x" * 101}, "job_title", "error-invalid-length-too-long"),
])
def test_the_user_profile_refuses_bad_values(gateway: Any, scratch: Scratch, first_name: str,
                                            attributes: dict[str, str], field: str,
                                            code: str) -> None:
    """The bridge shows its own words per field and code (registration/stages/password.py)."""
    address = f"contract-{uuid.uuid4().hex[:8]}@clinic.test"
    with pytest.raises(ProfileRejected) as raised:
        scratch.user(address, attributes, first_name=first_name)
    assert raised.value.status == 400
    assert raised.value.fields == {field: code}
    assert gateway.find_user_by_email(address) is None


def test_names_in_many_scripts_are_accepted(gateway: Any, scratch: Scratch) -> None:
    for name in ("Zoë", "O'Brien-Smith", "José María", "Nguyễn", "D’Angelo Jr."):
        user_id = scratch.user(first_name=name)
        assert gateway.get_user(user_id).first_name == name


def test_updating_one_attribute_keeps_the_others(gateway: Any, scratch: Scratch) -> None:
    user_id = scratch.user(attributes={"job_title": "Nurse", "work_phone": "+16085550100"})

    gateway.update_attributes(user_id, {"job_title": "Practice manager"})
    user = gateway.get_user(user_id)
    assert user.attribute("job_title") == "Practice manager"
    assert user.attribute("work_phone") == "+16085550100"

    gateway.update_attributes(user_id, {"work_phone": None})
    user = gateway.get_user(user_id)
    assert user.attribute("work_phone") is None and user.attribute("job_title")


@pytest.mark.parametrize(("password", "message"), [
    ("Short1!", "Invalid password: minimum length 8."),
    ("no-upper-1", "Invalid password: must contain at least 1 upper case characters."),
    ("NO-LOWER-1", "Invalid password: must contain at least 1 lower case characters."),
    ("No-Digits!", "Invalid password: must contain at least 1 numerical digits."),
    ("NoSpecial12", "Invalid password: must contain at least 1 special characters."),
])
def test_the_password_policy_refuses(gateway: Any, scratch: Scratch, password: str,
                                     message: str) -> None:
    """Keycloak's own words, which Password Setup shows."""
    user_id = scratch.user()
    with pytest.raises(PasswordRejected) as raised:
        gateway.set_password(user_id, password)
    assert raised.value.status == 400 and str(raised.value) == message


def test_a_password_the_policy_accepts(gateway: Any, scratch: Scratch) -> None:
    user_id = scratch.user()
    gateway.set_password(user_id, PASSWORD)
    assert gateway.passkeys(user_id) == []  # a password is not a passkey


def test_the_password_policy_is_the_realms(gateway: Any) -> None:
    policy = gateway.password_policy()
    for rule in ("length(8)", "lowerCase(1)", "upperCase(1)", "digits(1)", "specialChars(1)"):
        assert rule in policy


def test_a_deleted_user_is_gone(gateway: Any, scratch: Scratch) -> None:
    address = f"contract-{uuid.uuid4().hex[:8]}@clinic.test"
    user_id = scratch.user(address)
    group_id, _ = scratch.group()
    gateway.add_to_group(user_id, group_id)

    gateway.delete_user(user_id)

    assert status_of(lambda: gateway.get_user(user_id)) == 404
    assert gateway.find_user_by_email(address) is None
    assert gateway.group_member_ids(group_id) == []
    assert status_of(lambda: gateway.delete_user(user_id)) == 404


def test_an_unknown_user_is_not_found(gateway: Any, scratch: Scratch) -> None:
    nobody = unknown_id()
    group_id, _ = scratch.group()
    for call in (lambda: gateway.get_user(nobody), lambda: gateway.delete_user(nobody),
                 lambda: gateway.set_password(nobody, PASSWORD),
                 lambda: gateway.end_sessions(nobody), lambda: gateway.passkeys(nobody),
                 lambda: gateway.add_to_group(nobody, group_id),
                 lambda: gateway.user_group_paths(nobody),
                 lambda: gateway.assign_realm_role(nobody, "plan-admin")):
        assert status_of(call) == 404
    assert gateway.user_realm_roles(nobody) == set()
    assert gateway.find_user_by_email(f"{nobody}@clinic.test") is None


def test_ending_a_users_sessions(gateway: Any, scratch: Scratch) -> None:
    gateway.end_sessions(scratch.user())  # none open: nothing to end, no error


# Groups ------------------------------------------------------------------------------------


def test_groups_by_path(gateway: Any, scratch: Scratch) -> None:
    orgs = gateway.group_by_path(f"/{ORGS_GROUP}")
    assert orgs is not None and orgs["id"] == gateway.orgs_group_id()
    group_id, name = scratch.group({"npi": ["1234567893"]})
    child_id = gateway.create_subgroup(group_id, "site-admins")

    group = gateway.group_by_path(f"/{ORGS_GROUP}/{name}")
    assert group is not None
    assert (group["id"], group["name"], group["path"]) == (group_id, name, f"/{ORGS_GROUP}/{name}")
    assert group["attributes"] == {"npi": ["1234567893"]}
    child = gateway.group_by_path(f"/{ORGS_GROUP}/{name}/site-admins")
    assert child is not None and child["id"] == child_id
    assert gateway.group_by_path(f"/{ORGS_GROUP}/{name}/nothing-here") is None


def test_a_sibling_name_is_taken_once(gateway: Any, scratch: Scratch) -> None:
    group_id, _ = scratch.group()
    gateway.create_subgroup(group_id, "roles")
    assert status_of(lambda: gateway.create_subgroup(group_id, "roles")) == 409
    assert status_of(lambda: gateway.create_subgroup(unknown_id(), "roles")) == 404


def test_subgroups_list_direct_children_with_attributes(gateway: Any, scratch: Scratch) -> None:
    group_id, _ = scratch.group()
    roles_id = gateway.create_subgroup(group_id, "roles", {"kind": ["roles"]})
    gateway.create_subgroup(roles_id, "claims")
    gateway.create_subgroup(group_id, "site-admins")

    children = gateway.subgroups(group_id)
    assert sorted(c["name"] for c in children) == ["roles", "site-admins"]
    assert next(c for c in children if c["name"] == "roles")["attributes"] == {
        "kind": ["roles"]}
    assert [c["name"] for c in gateway.subgroups(roles_id)] == ["claims"]


def test_renaming_a_group_keeps_members_attributes_and_subgroups(gateway: Any,
                                                                 scratch: Scratch) -> None:
    user_id = scratch.user()
    group_id, name = scratch.group({"npi": ["1234567893"]})
    admins_id = gateway.create_subgroup(group_id, "site-admins")
    gateway.add_to_group(user_id, admins_id)
    other_id, other = scratch.group()

    renamed = f"{name}-renamed"
    gateway.rename_group(group_id, renamed)

    assert gateway.group_by_path(f"/{ORGS_GROUP}/{name}") is None
    group = gateway.group_by_path(f"/{ORGS_GROUP}/{renamed}")
    assert group is not None and group["id"] == group_id
    assert group["attributes"] == {"npi": ["1234567893"]}
    assert gateway.user_group_paths(user_id) == [f"/{ORGS_GROUP}/{renamed}/site-admins"]
    assert status_of(lambda: gateway.rename_group(other_id, renamed)) == 409  # a sibling's
    assert gateway.group_by_path(f"/{ORGS_GROUP}/{other}") is not None
    assert status_of(lambda: gateway.rename_group(unknown_id(), "x")) == 404


def test_group_attributes_are_replaced_whole(gateway: Any, scratch: Scratch) -> None:
    group_id, _ = scratch.group({"a": ["1"], "b": ["2"]})
    assert gateway.group_attributes(group_id) == {"a": ["1"], "b": ["2"]}
    gateway.update_group_attributes(group_id, {"b": ["3"], "c": ["4", "5"]})
    assert gateway.group_attributes(group_id) == {"b": ["3"], "c": ["4", "5"]}
    assert status_of(lambda: gateway.group_attributes(unknown_id())) == 404


def test_deleting_a_group_deletes_its_subtree_and_memberships(gateway: Any,
                                                              scratch: Scratch) -> None:
    user_id = scratch.user()
    group_id, name = scratch.group()
    child_id = gateway.create_subgroup(group_id, "site-admins")
    gateway.add_to_group(user_id, child_id)

    gateway.delete_group(group_id)

    assert gateway.group_by_path(f"/{ORGS_GROUP}/{name}") is None
    assert gateway.group_by_path(f"/{ORGS_GROUP}/{name}/site-admins") is None
    assert gateway.user_group_paths(user_id) == []
    assert status_of(lambda: gateway.delete_group(group_id)) == 404


def test_members_join_and_leave(gateway: Any, scratch: Scratch) -> None:
    first, second = scratch.user(), scratch.user()
    group_id, name = scratch.group()
    admins_id = gateway.create_subgroup(group_id, "site-admins")

    gateway.add_to_group(first, group_id)
    gateway.add_to_group(first, group_id)  # already a member: no change, no error
    gateway.add_to_group(first, admins_id)
    gateway.add_to_group(second, group_id)

    assert sorted(gateway.group_member_ids(group_id)) == sorted([first, second])
    assert gateway.group_member_ids(admins_id) == [first]  # direct members only
    assert gateway.user_group_paths(first) == [f"/{ORGS_GROUP}/{name}",
                                               f"/{ORGS_GROUP}/{name}/site-admins"]

    gateway.remove_from_group(first, admins_id)
    gateway.remove_from_group(first, admins_id)  # not a member any more: no error
    assert gateway.user_group_paths(first) == [f"/{ORGS_GROUP}/{name}"]
    assert gateway.group_member_ids(admins_id) == []
    assert status_of(lambda: gateway.add_to_group(first, unknown_id())) == 404


# Realm roles -------------------------------------------------------------------------------


def test_realm_roles(gateway: Any, scratch: Scratch) -> None:
    address = f"contract-{uuid.uuid4().hex[:8]}@clinic.test"
    user_id = scratch.user(address)
    assert "plan-admin" not in gateway.user_realm_roles(user_id)
    assert f"default-roles-{gateway.realm}" in gateway.user_realm_roles(user_id)

    gateway.assign_realm_role(user_id, "plan-admin")

    assert "plan-admin" in gateway.user_realm_roles(user_id)
    assert address in gateway.role_member_emails("plan-admin", limit=1000)
    assert status_of(lambda: gateway.assign_realm_role(user_id, "no-such-role")) == 404
    assert status_of(lambda: gateway.role_member_emails("no-such-role")) == 404


# Passkeys (registering one needs a browser: tests/browser/test_passkeys.py) ----------------


def test_a_new_user_has_no_passkeys(gateway: Any, scratch: Scratch) -> None:
    user_id = scratch.user()
    assert gateway.passkeys(user_id) == []
    assert gateway.passkey_holders([user_id]) == set()
    assert gateway.passkey_holders([]) == set()
    assert gateway.delete_passkey(user_id, unknown_id()) is False


# Lifecycle (idp_bridge.lifecycle) -------------------------------------------------------


def test_lifecycle_disabling_a_login_keeps_the_rest_of_it(gateway: Any, scratch: Scratch) -> None:
    user_id = scratch.user(attributes={"job_title": "Nurse"})
    gateway.set_enabled(user_id, False)
    disabled = gateway.get_user(user_id)
    assert not disabled.enabled and disabled.attribute("job_title") == "Nurse"
    gateway.set_enabled(user_id, True)
    assert gateway.get_user(user_id).enabled
    assert status_of(lambda: gateway.set_enabled(unknown_id(), False)) == 404


def test_lifecycle_sign_in_events_page_from_a_time(gateway: Any) -> None:
    import time

    future = int(time.time() * 1000) + 86_400_000
    assert gateway.sign_in_events(future) == []
    page = gateway.sign_in_events(0, first=0, max_results=5)
    assert len(page) <= 5 and all(e.user_id and e.time_ms > 0 for e in page)
    assert [e.time_ms for e in page] == sorted(e.time_ms for e in page)  # oldest first


# Second factors and the event log (factors) -----------------------------------------------


def test_a_new_user_has_no_second_factors_and_no_credential_events(gateway: Any,
                                                                   scratch: Scratch) -> None:
    user_id = scratch.user()
    gateway.set_password(user_id, PASSWORD)  # set by an administrator: not a user event
    factors = gateway.second_factors(user_id)
    assert (factors.phone, factors.apps, factors.passkeys, factors.recovery_codes_left,
            factors.any) == (False, (), (), None, False)
    events = gateway.user_events(["UPDATE_CREDENTIAL", "REMOVE_CREDENTIAL"], 0, 0, 100)
    assert all(e.get("userId") != user_id for e in events)
    assert status_of(lambda: gateway.second_factors(unknown_id())) == 404
