"""Plan-admin and site-admin decisions against the real Keycloak, emails in the dev sink."""

from __future__ import annotations

import csv
import html
import io

import pytest

from idp_bridge.audit import AuditEvent, verify_chain
from idp_bridge.cli import DEMO_PHONE, DEMO_USER
from idp_bridge.extensions import db
from idp_bridge.organizations.models import Membership, Organization
from tests.support.consoles import (
    approve,
    csrf_of,
    email,
    membership_id,
    org_id,
    post_form,
    signed_in,
    site_act,
)
from tests.support.keycloak_login import (
    LoopbackSession,
    enroll_phone,
    sign_in_to_bridge,
    submit_login,
)
from tests.support.org_keys import org_key
from tests.support.wizard import PASSWORD, WizardClient, person, register_individual

pytestmark = pytest.mark.keycloak


def org_name(live_app, key: str) -> str:
    with live_app.app_context():
        return Organization.query.filter_by(key=key).one().name


def option_of(page: str, key: str) -> str:
    """The organization switcher's <option> tag for ``key``."""
    return page.split(f'<option value="{key}"', 1)[1].split(">", 1)[0]


def groups_of(keycloak, address: str) -> list[str]:
    user = keycloak.gateway.find_user_by_email(address)
    return keycloak.gateway.user_group_paths(user.id)


@pytest.fixture
def approved_org(bridge, live_app, plan_admin, new_registered_org):
    org = new_registered_org()
    approve(bridge, live_app, plan_admin, org["key"])
    return org


def test_plan_admin_reviews_and_approves_a_new_organization(
        bridge, live_app, keycloak, outbox, plan_admin, new_registered_org):
    org = new_registered_org()
    told = outbox.latest(plan_admin["email"], channel="email")
    assert told.subject == "New organization registration to review" and org["npi"] in told.body
    http = signed_in(bridge, plan_admin["email"])  # password, then the phone code
    queue = http.get(f"{bridge}/admin/organizations", timeout=30)
    assert org["npi"] in queue.text  # waiting for review
    detail = http.get(f"{bridge}/admin/organizations/{org_id(live_app, org['key'])}", timeout=30)
    assert "National Provider registry" in detail.text and org["admin"] in detail.text
    assert groups_of(keycloak, org["admin"]) == []  # nothing granted before the decision

    done = approve(bridge, live_app, plan_admin, org["key"])
    assert done.status_code == 200 and "approved" in done.text

    assert groups_of(keycloak, org["admin"]) == [f"/provider-orgs/{org['key']}",
                                                 f"/provider-orgs/{org['key']}/site-admins"]
    assert "is approved" in outbox.latest(org["admin"], channel="email").body
    with live_app.app_context():
        organization = Organization.query.filter_by(key=org["key"]).one()
        assert organization.status == "active"
        assert organization.review_note == "Called the office, details confirmed"
    home = signed_in(bridge, org["admin"]).get(f"{bridge}/", timeout=30)
    assert "Manage users" in home.text


def test_plan_admin_denies_an_organization(bridge, live_app, keycloak, outbox, plan_admin,
                                           new_registered_org):
    org = new_registered_org()
    approve(bridge, live_app, plan_admin, org["key"], verdict="deny", note="Could not verify")
    assert groups_of(keycloak, org["admin"]) == []
    assert "was not approved" in outbox.latest(org["admin"], channel="email").body
    home = signed_in(bridge, org["admin"]).get(f"{bridge}/", timeout=30)
    assert "(denied)" in home.text and "Manage users" not in home.text


def test_only_plan_admins_reach_the_review_queue(bridge, approved_org):
    http = signed_in(bridge, approved_org["admin"])
    assert http.get(f"{bridge}/admin/organizations", timeout=30).status_code == 403


def test_site_admin_approves_grants_and_the_user_sees_it(
        bridge, live_app, keycloak, outbox, deliverer, approved_org, new_individual):
    key = approved_org["key"]
    person = new_individual(approved_org, "Morgan")
    told = outbox.latest(approved_org["admin"], channel="email")
    assert told.subject == "New user registration to review" and "Morgan" in told.body
    admin = signed_in(bridge, approved_org["admin"])
    assert person in admin.get(f"{bridge}/org/{key}/members", timeout=30).text
    mid = membership_id(live_app, person, key)

    site_act(admin, bridge, key, mid, "approve")
    deliverer.wait_full_pass()  # a decision's email is the deliverer's to send
    assert "has been approved" in outbox.latest(person, channel="email").body
    site_act(admin, bridge, key, mid, "grant-role", role="claims")
    assert groups_of(keycloak, person) == [f"/provider-orgs/{key}",
                                           f"/provider-orgs/{key}/roles/claims"]
    home = signed_in(bridge, person).get(f"{bridge}/", timeout=30)
    assert 'id="roles">Claims<' in home.text
    # Names and roles, never raw group paths (they carry the TIN, which may be an SSN).
    assert "/provider-orgs/" not in home.text
    assert f"{org_name(live_app, key)}: Claims" in html.unescape(home.text)

    site_act(admin, bridge, key, mid, "revoke-role", role="claims")
    assert groups_of(keycloak, person) == [f"/provider-orgs/{key}"]


def test_site_admin_denies_a_user(bridge, live_app, keycloak, outbox, deliverer, approved_org,
                                  new_individual):
    person = new_individual(approved_org, "Riley")
    admin = signed_in(bridge, approved_org["admin"])
    site_act(admin, bridge, approved_org["key"], membership_id(live_app, person,
                                                               approved_org["key"]), "deny")
    deliverer.wait_full_pass()
    assert "contact the Organization Site Administrator" in outbox.latest(person).body
    assert groups_of(keycloak, person) == []


def test_site_admin_status_and_the_last_admin_guard(bridge, live_app, keycloak, approved_org,
                                                    new_individual, outbox, deliverer):
    key = approved_org["key"]
    admin = signed_in(bridge, approved_org["admin"])
    own = membership_id(live_app, approved_org["admin"], key)
    refused = site_act(admin, bridge, key, own, "revoke-admin")
    assert "must keep at least one Site Administrator" in refused.text

    person = new_individual(approved_org, "Jamie")
    mid = membership_id(live_app, person, key)
    site_act(admin, bridge, key, mid, "approve")
    deliverer.wait_full_pass()  # the approval's email is out before counting
    before = outbox.count(person, channel="email")
    site_act(admin, bridge, key, mid, "grant-admin")
    assert f"/provider-orgs/{key}/site-admins" in groups_of(keycloak, person)
    # Issue 24: Site Administrator rights granted or revoked are security notices.
    granted = outbox.latest(person, channel="email", after=before)
    assert granted.subject.endswith("a change to how you sign in")
    assert "You were made a Site Administrator" in granted.body
    assert "If this wasn't you" in granted.body
    before = outbox.count(approved_org["admin"], channel="email")
    site_act(admin, bridge, key, own, "revoke-admin")  # now allowed: Jamie remains
    assert f"/provider-orgs/{key}/site-admins" not in groups_of(keycloak, approved_org["admin"])
    revoked = outbox.latest(approved_org["admin"], channel="email", after=before)
    assert "You are no longer a Site Administrator" in revoked.body


def test_removed_member_loses_access_in_the_next_token(bridge, live_app, keycloak, outbox,
                                                       deliverer, approved_org, new_individual):
    key = approved_org["key"]
    person = new_individual(approved_org, "Taylor")
    admin = signed_in(bridge, approved_org["admin"])
    mid = membership_id(live_app, person, key)
    site_act(admin, bridge, key, mid, "approve")
    site_act(admin, bridge, key, mid, "grant-role", role="remittance")
    member_http = signed_in(bridge, person)
    assert 'id="my-organizations"' in member_http.get(f"{bridge}/", timeout=30).text

    site_act(admin, bridge, key, mid, "remove")
    assert groups_of(keycloak, person) == []
    deliverer.wait_full_pass()
    assert "was removed" in outbox.latest(person).body
    _, home = sign_in_to_bridge(bridge, person, PASSWORD)
    assert 'id="my-organizations"' not in home.text and "(removed)" in home.text


def test_site_admin_of_one_org_is_refused_on_another(bridge, live_app, approved_org,
                                                     plan_admin, new_registered_org):
    other = new_registered_org()
    approve(bridge, live_app, plan_admin, other["key"])
    intruder = signed_in(bridge, approved_org["admin"])
    assert intruder.get(f"{bridge}/org/{other['key']}/members", timeout=30).status_code == 403
    victim = membership_id(live_app, other["admin"], other["key"])
    token = csrf_of(intruder.get(f"{bridge}/org/{approved_org['key']}/members", timeout=30).text)
    hit = intruder.post(f"{bridge}/org/{other['key']}/members/{victim}/revoke-admin",
                        data={"csrf_token": token}, timeout=30)
    assert hit.status_code == 403
    # Nor by pointing its own URL at someone of the other organization.
    sneaky = intruder.post(f"{bridge}/org/{approved_org['key']}/members/{victim}/remove",
                           data={"csrf_token": token}, timeout=30)
    assert sneaky.status_code == 404


def test_one_login_switches_between_two_organizations(bridge, live_app, outbox, plan_admin,
                                                      new_registered_org, fresh_org):
    first = new_registered_org()
    approve(bridge, live_app, plan_admin, first["key"])
    second = fresh_org()
    second_key = org_key(second)
    wizard = WizardClient(bridge, outbox)
    wizard.account("organization", second["npi"], second["tin"])
    wizard.answer_questionnaire()
    wizard.organization()
    wizard.individual(person(first["admin"]))
    assert wizard.step == "merge"
    wizard.post("merge", {"merge": "yes"})

    http = signed_in(bridge, first["admin"])
    assert "disabled" in option_of(http.get(f"{bridge}/", timeout=30).text, second_key)
    approve(bridge, live_app, plan_admin, second_key)
    with live_app.app_context():
        names = {o.key: o.name for o in Organization.query.filter(
            Organization.key.in_([first["key"], second_key]))}

    # Usable at once, in the same session: no signing out and back in.
    home = http.get(f"{bridge}/", timeout=30)
    assert "disabled" not in option_of(home.text, first["key"])
    assert "disabled" not in option_of(home.text, second_key)
    switched = post_form(http, bridge, "/", "/switch", {"org": second_key})
    assert f"<h2>{names[second_key]}</h2>" in html.unescape(switched.text)
    back = post_form(http, bridge, "/", "/switch", {"org": first["key"]})
    assert f"<h2>{names[first['key']]}</h2>" in html.unescape(back.text)
    assert post_form(http, bridge, "/", "/switch", {"org": "not-mine"}).status_code == 403


def test_adding_npi_and_tin_pairs(bridge, live_app, keycloak, approved_org, plan_admin,
                                  new_registered_org, fresh_org):
    key = approved_org["key"]
    admin = signed_in(bridge, approved_org["admin"])
    extra = fresh_org()
    path = f"/org/{key}/identifiers"
    added = post_form(admin, bridge, path, path, {"npi": extra["npi"], "tin": extra["tin"]})
    # Waiting for the health plan's review (tests/security/test_claims.py): not yet claimed.
    assert extra["npi"] in added.text and "sent to" in html.unescape(added.text)
    group = keycloak.gateway.group_by_path(f"/provider-orgs/{key}")
    assert extra["npi"] not in group["attributes"]["npi"]

    other = new_registered_org()
    taken = post_form(admin, bridge, path, path, {"npi": other["npi"], "tin": other["tin"]})
    assert "can't be added to this organization" in html.unescape(taken.text)
    bad = post_form(admin, bridge, path, path, {"npi": "1234567890", "tin": "41-1234567"})
    assert "This is not a valid NPI" in bad.text and 'value="1234567890"' in bad.text


def test_every_decision_is_audited_and_the_chain_detects_tampering(live_app, approved_org):
    with live_app.app_context():
        actions = {e.action for e in AuditEvent.query.filter_by(
            organization_key=approved_org["key"])}
        assert {"registration.complete", "organization.approve"} <= actions
        event = AuditEvent.query.filter_by(organization_key=approved_org["key"],
                                           action="organization.approve").one()
        assert event.actor_email.startswith("plan-admin-") and event.ip == "127.0.0.1"
        assert verify_chain() == (True, None)

        original = event.details
        event.details = {"note": "rewritten later"}
        db.session.commit()
        assert verify_chain() == (False, event.id)
        event.details = original
        db.session.commit()
        assert verify_chain() == (True, None)


def test_audit_export_is_csv_for_plan_admins(bridge, plan_admin, approved_org):
    http = signed_in(bridge, plan_admin["email"])
    export = http.get(f"{bridge}/admin/audit?org={approved_org['key']}&format=csv", timeout=30)
    assert export.headers["Content-Type"].startswith("text/csv")
    assert "organization.approve" in export.text


def test_reconcile_repairs_drift_both_ways(bridge, live_app, keycloak, approved_org,
                                          plan_admin):
    key = approved_org["key"]
    gateway = keycloak.gateway
    admin_user = gateway.find_user_by_email(approved_org["admin"])
    admins_group = gateway.group_by_path(f"/provider-orgs/{key}/site-admins")["id"]
    gateway.remove_from_group(admin_user.id, admins_group)  # lost behind the bridge's back
    stranger = gateway.create_user(email("stranger"), "Sam", "Stranger", {},
                                   required_actions=[])
    gateway.add_to_group(stranger, gateway.group_by_path(f"/provider-orgs/{key}")["id"])

    http = signed_in(bridge, plan_admin["email"])
    result = post_form(http, bridge, "/admin/organizations", "/admin/reconcile")
    assert f"added {admin_user.id} to /provider-orgs/{key}/site-admins" in result.text
    assert f"removed {stranger} from /provider-orgs/{key}" in result.text
    assert f"/provider-orgs/{key}/site-admins" in gateway.user_group_paths(admin_user.id)
    assert gateway.user_group_paths(stranger) == []


def test_a_failed_keycloak_call_changes_nothing_and_can_be_retried(
        bridge, live_app, keycloak, approved_org, new_individual):
    key = approved_org["key"]
    gateway = keycloak.gateway
    person = new_individual(approved_org, "Drew")
    admin = signed_in(bridge, approved_org["admin"])
    mid = membership_id(live_app, person, key)
    site_act(admin, bridge, key, mid, "approve")
    site_act(admin, bridge, key, mid, "grant-role", role="claims")
    site_act(admin, bridge, key, mid, "grant-role", role="remittance")
    # Break Keycloak half-way through the removal: the second role's group vanishes.
    gateway.delete_group(gateway.group_by_path(f"/provider-orgs/{key}/roles/remittance")["id"])

    failed = site_act(admin, bridge, key, mid, "remove")
    assert "nothing was changed" in failed.text
    assert f"/provider-orgs/{key}/roles/claims" in groups_of(keycloak, person)  # undone
    with live_app.app_context():
        assert db.session.get(Membership, mid).status == "approved"

    from idp_bridge.approvals.reconcile import reconcile

    with live_app.app_context():
        reconcile()  # recreates the missing group and restores the grant
    retried = site_act(admin, bridge, key, mid, "remove")
    assert "Drew Baker was removed from" in html.unescape(retried.text)
    assert groups_of(keycloak, person) == []


def test_the_plan_sees_phone_opt_in_and_aging_and_exports_them(
        bridge, live_app, outbox, plan_admin, new_registered_org):
    org = new_registered_org()  # the registrant typed 608-555-0142 and chose Opt In
    http = signed_in(bridge, plan_admin["email"])
    queue = http.get(f"{bridge}/admin/organizations", timeout=30).text
    row = queue.split(org["npi"], 1)[1].split("</tr>", 1)[0]
    assert 'data-aging="new"' in row and "Waiting less than a business day" in row

    review = html.unescape(http.get(f"{bridge}/admin/organizations/"
                                     f"{org_id(live_app, org['key'])}", timeout=30).text)
    assert "(608) 555-0142" in review and 'href="tel:+16085550142"' in review  # to call
    assert 'class="opt-in">Opt In<' in review
    assert " , " not in review.split('id="members"', 1)[0]  # no stray space in the address

    export = http.get(f"{bridge}/admin/organizations/{org_id(live_app, org['key'])}"
                      "/members.csv", timeout=30)
    assert export.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(export.text)))
    assert [(r["email"], r["phone"], r["electronic_communications"]) for r in rows] == [
        (org["admin"], "(608) 555-0142", "Opt In")]

    # The Site Administrator sees and exports their people's choice too.
    approve(bridge, live_app, plan_admin, org["key"])
    out = email("quinn")
    register_individual(WizardClient(bridge, outbox), org, out, first_name="Quinn",
                        opt_in="out")
    admin = signed_in(bridge, org["admin"])
    members = admin.get(f"{bridge}/org/{org['key']}/members", timeout=30).text
    assert "Electronic communications: Opt Out" in members.split(out, 1)[1].split("</tr>")[0]
    mine = admin.get(f"{bridge}/org/{org['key']}/members.csv", timeout=30)
    choices = {r["email"]: r["electronic_communications"]
               for r in csv.DictReader(io.StringIO(mine.text))}
    assert choices == {org["admin"]: "Opt In", out: "Opt Out"}
    assert admin.get(f"{bridge}/admin/members.csv", timeout=30).status_code == 403


def test_the_demo_plan_administrator_has_a_phone_second_factor(live_app, bridge, outbox):
    seeded = live_app.test_cli_runner().invoke(args=["seed-demo", "--password", PASSWORD])
    assert "created demo login" in seeded.output and DEMO_PHONE in seeded.output
    http = LoopbackSession()
    page = submit_login(http, http.get(f"{bridge}/login", timeout=30), DEMO_USER["email"],
                        PASSWORD)
    assert 'id="kc-phone-form"' in page.text  # Keycloak's phone step, as for everyone
    assert enroll_phone(http, page, outbox, DEMO_PHONE).url.startswith(bridge)
    # Every later sign-in asks for a code: the password alone does not get in.
    again = LoopbackSession()
    asked = submit_login(again, again.get(f"{bridge}/login", timeout=30), DEMO_USER["email"],
                         PASSWORD)
    assert not asked.url.startswith(bridge)
