"""The lifecycle through the real Keycloak: last sign-ins read from its event store, a login
disabled for inactivity that cannot sign in on either brand's client and reads why, re-enabled
by its Site Administrator; suspension that takes the groups and ends the sessions, and a
restore that puts the same roles back into the next token."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask

from idp_bridge.clock import utcnow
from idp_bridge.extensions import db
from idp_bridge.keycloak.groups import org_path, role_path
from idp_bridge.lifecycle.models import NOTICE_SECOND, Login
from idp_bridge.lifecycle.scheduler import run_due
from idp_bridge.mail.models import OutboundEmail
from idp_bridge.organizations.models import Membership, Organization
from tests.support.consoles import post_form, site_act
from tests.support.keycloak_login import LoopbackSession, submit_login
from tests.support.organizations import add_person, new_organization
from tests.support.people import PASSWORD, Person, signed_in
from tests.support.tokens import refresh, user_tokens

pytestmark = pytest.mark.keycloak


@pytest.fixture
def org(live_app: Flask, keycloak: Any) -> Iterator[dict[str, Any]]:
    """An active organization in the real Keycloak: a Site Administrator and a member with
    the Claims role, both with passwords."""
    with live_app.app_context():
        organization = new_organization(keycloak.gateway)
        admin = add_person(keycloak.gateway, organization, site_admin=True, first_name="Ada")
        member = add_person(keycloak.gateway, organization, roles=["claims"],
                            first_name="Mel")
        for who in (admin, member):
            keycloak.gateway.set_password(who.user_id, PASSWORD)
        yield {"key": organization.key,
               "admin": Person(admin.email, admin.user_id, admin.id),
               "member": Person(member.email, member.user_id, member.id)}
        db.session.remove()


def run_steps(live_app: Flask, *names: str) -> dict[str, str]:
    with live_app.app_context():
        outcomes = {o.step: o.result for name in names
                    for o in run_due(force=True, only=name)}
        db.session.remove()
        return outcomes


def login_row(live_app: Flask, user_id: str) -> Login:
    with live_app.app_context():
        found = db.session.get(Login, user_id)
        assert found is not None
        db.session.expunge(found)
        return found


def groups_claim(token: str) -> list[str]:
    payload = token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return sorted(claims.get("groups", []))


def test_last_sign_in_read_from_keycloak_events_of_a_client_outside_the_bridge(
        live_app: Flask, keycloak: Any, bridge: str, org: dict[str, Any]) -> None:
    member = org["member"]
    before = utcnow() - timedelta(seconds=5)
    # Straight to Keycloak, as another health-plan app would: the bridge's callback never runs.
    user_tokens(keycloak.base_url, keycloak.realm, bridge, keycloak.client_secret,
                member.email, PASSWORD)
    outcome = run_steps(live_app, "sign-ins")["sign-ins"]
    assert "signed in" in outcome, outcome
    row = login_row(live_app, member.user_id)
    assert row.last_sign_in_at is not None and row.last_sign_in_at >= before
    assert row.last_sign_in_client == "idp-bridge"


def _make_overdue(live_app: Flask, user_id: str) -> None:
    """Warned twice already, and the day has come (as 180 quiet days would leave it)."""
    with live_app.app_context():
        login = db.session.get(Login, user_id)
        assert login is not None
        login.active_since = utcnow() - timedelta(days=181)
        login.notice, login.disable_on = NOTICE_SECOND, utcnow() - timedelta(minutes=1)
        db.session.commit()
        db.session.remove()


def _keycloak_answer(bridge: str, email: str, brand_path: str = "") -> str:
    http = LoopbackSession()
    login_page = http.get(f"{bridge}{brand_path}/login", timeout=30)
    return submit_login(http, login_page, email, PASSWORD).text


def test_inactive_login_disabled_cannot_sign_in_on_either_brand_and_is_reenabled(
        live_app: Flask, keycloak: Any, bridge: str, org: dict[str, Any]) -> None:
    member, admin = org["member"], org["admin"]
    run_steps(live_app, "sign-ins")  # adopts the login
    _make_overdue(live_app, member.user_id)
    assert "1 disabled" in run_steps(live_app, "sign-ins", "inactive-logins")["inactive-logins"]
    assert keycloak.gateway.get_user(member.user_id).enabled is False

    dean = _keycloak_answer(bridge, member.email)
    assert "Your login is disabled" in dean and "Dean Health Plan Provider Services" in dean
    wellfirst = _keycloak_answer(bridge, member.email, "/b/wellfirst")  # the second client
    assert "Your login is disabled" in wellfirst
    assert "WellFirst Health Provider Services" in wellfirst
    assert "kc-form-login" in dean  # still on Keycloak's page: not signed in

    http = signed_in(bridge, admin)
    members_page = http.get(f"{bridge}/org/{org['key']}/members", timeout=30).text
    assert "Login disabled" in members_page and "Re-enable" in members_page
    done = post_form(http, bridge, f"/org/{org['key']}/members",
                     f"/org/{org['key']}/members/{member.membership_id}/reenable", {})
    assert "can sign in again" in done.text
    assert keycloak.gateway.get_user(member.user_id).enabled is True
    signed_in(bridge, member)  # and they can
    with live_app.app_context():
        kinds = [m.kind for m in OutboundEmail.query.filter_by(to=member.email)
                 .order_by(OutboundEmail.id)]  # (PostgreSQL keeps no order unasked)
        db.session.remove()
    assert kinds[-2:] == ["lifecycle.inactive.disabled", "lifecycle.login.reenabled"]


def test_suspend_ends_sessions_and_restore_brings_the_same_roles_into_the_next_token(
        live_app: Flask, keycloak: Any, bridge: str, org: dict[str, Any]) -> None:
    member, admin = org["member"], org["admin"]
    key = org["key"]
    tokens = user_tokens(keycloak.base_url, keycloak.realm, bridge, keycloak.client_secret,
                         member.email, PASSWORD)
    granted = groups_claim(tokens["access_token"])
    assert role_path(key, "claims") in granted
    portal = signed_in(bridge, member)

    http = signed_in(bridge, admin)
    site_act(http, bridge, key, member.membership_id, "suspend")

    assert keycloak.gateway.user_group_paths(member.user_id) == []
    assert refresh(keycloak.base_url, keycloak.realm, keycloak.client_secret,
                   tokens["refresh_token"]).status_code == 400  # Keycloak session ended
    home = portal.get(f"{bridge}/org/{key}/members", timeout=30, allow_redirects=False)
    assert home.status_code == 302 and "/login" in home.headers["Location"]  # session ended
    with live_app.app_context():
        row = db.session.get(Membership, member.membership_id)
        assert row is not None and (row.status, row.roles) == ("suspended", ["claims"])
        db.session.remove()

    site_act(http, bridge, key, member.membership_id, "restore")
    again = user_tokens(keycloak.base_url, keycloak.realm, bridge, keycloak.client_secret,
                        member.email, PASSWORD)
    assert groups_claim(again["access_token"]) == granted
    assert org_path(key) in granted


def test_suspended_member_listed_with_restore_for_the_site_administrator(
        live_app: Flask, keycloak: Any, bridge: str, org: dict[str, Any]) -> None:
    http = signed_in(bridge, org["admin"])
    site_act(http, bridge, org["key"], org["member"].membership_id, "suspend")
    page = http.get(f"{bridge}/org/{org['key']}/members", timeout=30).text
    assert "Suspended (1)" in page and "Restore" in page.split("Suspended (1)")[1]
    with live_app.app_context():
        assert Organization.query.filter_by(key=org["key"]).one().status == "active"
        db.session.remove()
