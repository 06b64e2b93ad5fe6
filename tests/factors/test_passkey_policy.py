"""Administrators sign in with a passkey: Keycloak's own flow (``portal passkey policy``)
decides from the person's realm role or Site Administrator group, never the bridge's pages.
Over plain HTTP, which cannot answer WebAuthn: what matters here is where each person lands
(the browser journey with a virtual authenticator is in tests/browser/test_passkeys.py)."""

from __future__ import annotations

import pytest

from idp_bridge.extensions import db
from tests.support.consoles import email
from tests.support.factors import answer_phone, password_step, visible
from tests.support.keycloak_login import enroll_phone, new_phone_number
from tests.support.organizations import add_person, new_organization
from tests.support.realm_rules import realm_rules
from tests.support.wizard import PASSWORD

pytestmark = pytest.mark.keycloak


def with_phone(keycloak, bridge, outbox, user_id: str, address: str) -> None:
    keycloak.gateway.set_password(user_id, PASSWORD)
    keycloak.admin.update_user(user_id, {"requiredActions": ["phone-verification"]})
    http, page = password_step(bridge, address)
    assert enroll_phone(http, page, outbox, new_phone_number()).url.startswith(bridge)


def after_password_and_phone(bridge, outbox, address: str):
    http, page = password_step(bridge, address)
    return answer_phone(http, page, outbox)


@pytest.fixture
def people(keycloak, live_app, bridge, outbox):
    """A plan administrator, a Site Administrator and a member, each with a phone."""
    planner = email("planner")
    planner_id = keycloak.gateway.create_user(planner, "Pat", "Plan", {}, required_actions=[])
    keycloak.gateway.assign_realm_role(planner_id, "plan-admin")
    with live_app.app_context():
        org = new_organization(keycloak.gateway)
        admin = add_person(keycloak.gateway, org, site_admin=True, first_name="Ada")
        member = add_person(keycloak.gateway, org, first_name="Bo")
        found = {"plan": (planner, planner_id), "site": (admin.email, admin.user_id),
                 "member": (member.email, member.user_id)}
        db.session.remove()
    for address, user_id in found.values():
        with_phone(keycloak, bridge, outbox, user_id, address)
    return found


def test_passkey_required_plan_admin_without_one_gets_the_registration_page(
        keycloak, bridge, outbox, people):
    with realm_rules(keycloak, portalPasskeyRequiredPlanAdmins="true"):
        landed = after_password_and_phone(bridge, outbox, people["plan"][0])
        assert not landed.url.startswith(bridge), landed.url
        assert "Passkey Registration" in visible(landed) or "registerWebAuthn" in landed.text
        # A member and a Site Administrator are not asked (Site Administrators: off).
        for who in ("member", "site"):
            assert after_password_and_phone(bridge, outbox, people[who][0]).url.startswith(
                bridge), who


def test_passkey_required_for_site_admins_when_the_plan_turns_it_on(
        keycloak, bridge, outbox, people):
    with realm_rules(keycloak, portalPasskeyRequiredSiteAdmins="true"):
        landed = after_password_and_phone(bridge, outbox, people["site"][0])
        assert not landed.url.startswith(bridge), landed.url
        assert "registerWebAuthn" in landed.text
        assert after_password_and_phone(bridge, outbox, people["member"][0]).url.startswith(
            bridge)


def test_passkey_required_rule_off_lets_plan_admins_in_with_password_and_phone(
        keycloak, bridge, outbox, people):
    """The dev and test stacks' setting (IDP_PASSKEY_REQUIRED_PLAN_ADMINS=false): the
    existing sign-ins of test plan administrators keep working."""
    with realm_rules(keycloak, portalPasskeyRequiredPlanAdmins="false"):
        landed = after_password_and_phone(bridge, outbox, people["plan"][0])
        assert landed.url.startswith(bridge)
        assert "Review organizations" in visible(landed)
