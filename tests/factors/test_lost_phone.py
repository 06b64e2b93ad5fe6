"""Lost-phone recovery by people through the real bridge and the real Keycloak: a Site
Administrator resets a member's second factor after the emailed check code; the member's open
session ends and their next sign-in enrolls a new phone. Refused for oneself and for a plan
administrator."""

from __future__ import annotations

import re

import pytest

from idp_bridge.extensions import db
from tests.support.factors import answer_phone, csrf, password_step, visible
from tests.support.forms import form_by_id
from tests.support.keycloak_login import enroll_phone, new_phone_number
from tests.support.organizations import add_person, new_organization
from tests.support.wizard import PASSWORD

pytestmark = pytest.mark.keycloak


def attempt_of(sent) -> str:  # type: ignore[no-untyped-def]
    """The check code's attempt, as the confirm form posts it back."""
    return form_by_id(sent.text, sent.url, "reset-confirm").fields["attempt"]


def reset_page(org_key: str, membership_id: int) -> str:
    return f"/org/{org_key}/members/{membership_id}/second-factor"


@pytest.fixture
def clinic(keycloak, live_app, bridge, outbox):
    """An organization with a Site Administrator (signed in), a member with a phone who is
    signed in in their own browser, and a plan administrator who is also a member."""
    with live_app.app_context():
        org = new_organization(keycloak.gateway)
        admin = add_person(keycloak.gateway, org, site_admin=True, first_name="Ada")
        member = add_person(keycloak.gateway, org, first_name="Bo")
        planner = add_person(keycloak.gateway, org, first_name="Cy")
        ids = {"key": org.key, "admin": admin.id, "member": member.id, "planner": planner.id}
        people = {name: (m.email, m.user_id) for name, m in
                  (("admin", admin), ("member", member), ("planner", planner))}
        db.session.remove()
    for _, user_id in people.values():
        keycloak.gateway.set_password(user_id, PASSWORD)
    keycloak.gateway.assign_realm_role(people["planner"][1], "plan-admin")
    keycloak.admin.update_user(people["member"][1], {"requiredActions": ["phone-verification"]})
    member_http, page = password_step(bridge, people["member"][0])
    assert enroll_phone(member_http, page, outbox, new_phone_number()).url.startswith(bridge)
    admin_http, landed = password_step(bridge, people["admin"][0])  # no second factor yet
    assert landed.url.startswith(bridge), visible(landed)[:1000]
    return ids, people, admin_http, member_http


def test_lost_phone_second_factor_reset_by_site_admin_ends_session_and_forces_enrollment(
        keycloak, bridge, outbox, clinic):
    ids, people, admin, member = clinic
    member_email, member_id = people["member"]
    page = admin.get(f"{bridge}{reset_page(ids['key'], ids['member'])}", timeout=30)
    assert "Step 1 of 2" in visible(page)
    # No reason, no code sent.
    empty = admin.post(page.url, data={"csrf_token": csrf(page), "step": "send",
                                       "reason": ""}, timeout=30)
    assert "Enter the reason or ticket number" in visible(empty)
    sent = admin.post(page.url, data={"csrf_token": csrf(page), "step": "send",
                                      "reason": "Ticket 5521: phone lost"}, timeout=30)
    assert "Step 2 of 2" in visible(sent)
    attempt = attempt_of(sent)
    mail = outbox.latest(member_email, channel="email")
    code = re.search(r"when they ask: (\d{6})", mail.body).group(1)

    wrong = admin.post(page.url, data={"csrf_token": csrf(sent), "step": "confirm",
                                       "attempt": attempt,
                                       "code": "000000" if code != "000000" else "111111"},
                       timeout=30)
    assert "not the check code" in visible(wrong)
    assert keycloak.gateway.second_factors(member_id).phone
    done = admin.post(page.url, data={"csrf_token": csrf(wrong), "step": "confirm",
                                      "attempt": attempt, "code": code}, timeout=30)
    assert "second factor was reset" in visible(done), visible(done)[:1500]
    factors = keycloak.gateway.second_factors(member_id)
    assert not factors.phone and not factors.apps

    # The member's open session has ended: the portal shows them signed out.
    home = member.get(f"{bridge}/", timeout=30)
    assert "Welcome" not in visible(home) and "Log in" in visible(home)
    # Their next sign-in sets up a new phone (the guides' enrollment), not a code.
    _, next_sign_in = password_step(bridge, member_email)
    assert 'id="kc-phone-form"' in next_sign_in.text
    assert 'id="kc-phone-code-form"' not in next_sign_in.text


def test_lost_phone_second_factor_reset_refused_for_self_and_for_a_plan_admin(
        keycloak, bridge, clinic):
    ids, people, admin, _ = clinic
    own = admin.get(f"{bridge}{reset_page(ids['key'], ids['admin'])}", timeout=30)
    assert "You cannot reset your own second factor." in visible(own)
    planner = admin.get(f"{bridge}{reset_page(ids['key'], ids['planner'])}", timeout=30)
    assert ("A plan administrator's second factor can only be reset by another plan "
            "administrator.") in visible(planner)
    # Posting straight to the step, without the page: refused the same way.
    home = admin.get(f"{bridge}/", timeout=30)
    forced = admin.post(f"{bridge}{reset_page(ids['key'], ids['planner'])}",
                        data={"csrf_token": csrf(home), "step": "send", "reason": "lost"},
                        timeout=30)
    assert "can only be reset by another plan administrator" in visible(forced)
    assert keycloak.gateway.get_user(people["planner"][1]).email


def test_lost_phone_second_factor_reset_of_another_organizations_member_is_not_found(
        keycloak, live_app, bridge, clinic):
    ids, _, admin, _ = clinic
    with live_app.app_context():
        other = new_organization(keycloak.gateway)
        stranger = add_person(keycloak.gateway, other, first_name="Di")
        sid = stranger.id
        db.session.remove()
    hit = admin.get(f"{bridge}{reset_page(ids['key'], sid)}", timeout=30)
    assert hit.status_code == 404


def test_lost_phone_plan_admin_resets_a_site_administrators_second_factor(
        keycloak, bridge, outbox, clinic):
    """The plan's console: anyone, Site Administrators included."""
    ids, people, _, _ = clinic
    admin_email, admin_id = people["admin"]
    keycloak.admin.update_user(admin_id, {"requiredActions": ["phone-verification"]})
    http, page = password_step(bridge, admin_email)
    assert enroll_phone(http, page, outbox, new_phone_number()).url.startswith(bridge)
    planner, page = password_step(bridge, people["planner"][0])
    assert page.url.startswith(bridge)  # no second factor in this fixture

    url = f"{bridge}/admin/memberships/{ids['admin']}/second-factor"
    page = planner.get(url, timeout=30)
    sent = planner.post(url, data={"csrf_token": csrf(page), "step": "send",
                                   "reason": "Called from the office line"}, timeout=30)
    attempt = attempt_of(sent)
    code = re.search(r"when they ask: (\d{6})",
                     outbox.latest(admin_email, channel="email").body).group(1)
    done = planner.post(url, data={"csrf_token": csrf(sent), "step": "confirm",
                                   "attempt": attempt, "code": code}, timeout=30)
    assert "second factor was reset" in visible(done), visible(done)[:1500]
    assert not keycloak.gateway.second_factors(admin_id).phone
    # Someone who is not a plan administrator cannot open the plan's console for it.
    member, page = password_step(bridge, people["member"][0])
    assert answer_phone(member, page, outbox).url.startswith(bridge)
    assert member.get(f"{bridge}/admin/memberships/{ids['planner']}/second-factor",
                      timeout=30).status_code == 403
