"""The realm as code: password policy, user profile, brute force, SMTP."""

from __future__ import annotations

import pytest

from idp_bridge.keycloak.gateway import PasswordRejected
from tests.support.wizard import KEYCLOAK_REFUSALS

pytestmark = pytest.mark.keycloak


@pytest.mark.parametrize(("password", "message"), KEYCLOAK_REFUSALS)
def test_keycloak_refuses_each_broken_password_rule(keycloak, unique_email, password, message):
    user_id = keycloak.gateway.create_user(unique_email, "Lee", "Nguyen", {}, required_actions=[])
    with pytest.raises(PasswordRejected) as refused:
        keycloak.gateway.set_password(user_id, password)
    assert str(refused.value) == message
    keycloak.gateway.set_password(user_id, "Provider1!")  # all rules met: accepted


def test_bridge_attributes_survive_a_read_back(keycloak, unique_email):
    gateway = keycloak.gateway
    user_id = gateway.create_user(
        unique_email, "Ana", "Silva",
        {"work_phone": "+16085551234", "job_title": "Billing lead",
         "communications_opt_in": "in"},
        required_actions=[],
    )
    gateway.update_attributes(user_id, {"job_title": "Practice manager"})

    user = gateway.get_user(user_id)
    assert user.attribute("work_phone") == "+16085551234"  # untouched by the partial change
    assert user.attribute("job_title") == "Practice manager"
    assert user.attribute("communications_opt_in") == "in"


def test_undeclared_attributes_are_dropped_by_keycloak(keycloak, unique_email):
    """Why the user profile must declare every attribute the bridge writes."""
    gateway = keycloak.gateway
    user_id = gateway.create_user(unique_email, "Ana", "Silva", {"favourite_color": "blue"},
                                  required_actions=[])
    assert gateway.get_user(user_id).attribute("favourite_color") is None


def test_realm_has_brute_force_detection_and_terms(keycloak):
    realm = keycloak.admin.get_realm(keycloak.realm)
    assert realm["bruteForceProtected"] is True
    actions = {a["alias"]: a for a in keycloak.admin.get_required_actions()}
    assert actions["TERMS_AND_CONDITIONS"]["enabled"] is True


def test_service_account_holds_only_the_roles_it_needs(keycloak):
    client = keycloak.admin.get_clients()
    bridge_client = next(c for c in client if c["clientId"] == "idp-bridge")
    sa_user = keycloak.admin.get_client_service_account_user(bridge_client["id"])
    mgmt = next(c for c in client if c["clientId"] == "realm-management")
    roles = {r["name"] for r in keycloak.admin.get_client_roles_of_user(sa_user["id"], mgmt["id"])}
    # view-events: the security notices read Keycloak's event log (idp_bridge/notices).
    assert roles == {"manage-users", "view-users", "query-groups", "view-realm", "view-events"}


def test_keycloak_mail_goes_to_the_dev_sink(keycloak, outbox, unique_email):
    user_id = keycloak.gateway.create_user(unique_email, "Mo", "Reyes", {}, required_actions=[])
    keycloak.admin.send_update_account(user_id=user_id, payload=["UPDATE_PASSWORD"])

    message = outbox.latest(unique_email, channel="email", timeout=20)
    assert "Update Password" in message.body or "update" in message.body.lower()
