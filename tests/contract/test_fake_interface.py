"""The fake has the real gateway's shape: every public method, with the same signature, and
the ``Gateway`` protocol's methods are exactly the real gateway's public ones. Plus what only
the fake can set up (passkeys without a browser) and its injected failures."""

from __future__ import annotations

import inspect

import pytest

from idp_bridge.keycloak.errors import GatewayError
from idp_bridge.keycloak.gateway import KeycloakGateway
from idp_bridge.keycloak.protocol import Gateway
from tests.support.fake_keycloak import FakeKeycloak
from tests.support.keycloak_admin import TestAdmin


def public_methods(cls: type) -> dict[str, inspect.Signature]:
    return {name: inspect.signature(member) for name, member in vars(cls).items()
            if callable(member) and not name.startswith("_")}


def test_the_protocol_is_the_real_gateways_public_interface() -> None:
    assert public_methods(Gateway).keys() == public_methods(KeycloakGateway).keys()


@pytest.mark.parametrize("real", [KeycloakGateway, TestAdmin])
def test_the_fake_has_every_public_method_with_the_same_signature(real: type) -> None:
    fake = public_methods(FakeKeycloak)
    for name, signature in public_methods(real).items():
        assert name in fake, f"FakeKeycloak lacks {name}"
        assert str(fake[name]) == str(signature), name


def test_passkeys_are_the_users_own_and_only_passkeys() -> None:
    fake = FakeKeycloak()
    owner = fake.create_user("owner@clinic.test", "Ada", "Owner", {})
    other = fake.create_user("other@clinic.test", "Bo", "Other", {})
    first = fake.add_passkey(owner, "Laptop")
    fake.add_passkey(owner, "Phone")
    phone = fake.add_credential(owner, "phone-otp")

    assert [p.label for p in fake.passkeys(owner)] == ["Laptop", "Phone"]  # oldest first
    assert fake.passkey_holders([owner, other]) == {owner}
    assert fake.delete_passkey(other, first) is False  # not theirs
    assert fake.delete_passkey(owner, phone) is False  # not a passkey
    assert fake.delete_passkey(owner, first) is True
    assert [p.label for p in fake.passkeys(owner)] == ["Phone"]


def test_new_users_get_the_realms_default_required_actions_unless_told() -> None:
    fake = FakeKeycloak()
    default = fake.create_user("a@clinic.test", "Ada", "A", {})
    chosen = fake.create_user("b@clinic.test", "Bo", "B", {}, required_actions=[])
    assert fake.required_actions(default) == ["phone-verification", "TERMS_AND_CONDITIONS"]
    assert fake.required_actions(chosen) == []


def test_an_injected_failure_hits_the_chosen_call_once() -> None:
    fake = FakeKeycloak()
    fake.fail("orgs_group_id", nth=2, status=503)
    fake.orgs_group_id()
    with pytest.raises(GatewayError) as raised:
        fake.orgs_group_id()
    assert raised.value.status == 503
    fake.orgs_group_id()  # once only


def test_a_stalled_call_can_still_apply() -> None:
    fake = FakeKeycloak()
    user = fake.create_user("a@clinic.test", "Ada", "A", {})
    fake.fail("add_to_group", applied=True)
    with pytest.raises(GatewayError) as raised:
        fake.add_to_group(user, fake.orgs_group_id())
    assert raised.value.unreachable
    assert fake.user_group_paths(user) == ["/provider-orgs"]
