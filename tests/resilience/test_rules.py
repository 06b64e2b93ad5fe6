"""The rules issue 12 decided: a denied organization is refused on the first screen; a
value Keycloak's user profile refuses at Password Setup leads back to Individual Enrollment;
`flask reconcile` repairs every kind of drift, both ways, and says what it changed."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest

from idp_bridge.clock import utcnow
from idp_bridge.extensions import db
from idp_bridge.organizations.models import Membership, Organization
from idp_bridge.registration.models import RegistrationDraft
from tests.support.consoles import email, post_form, signed_in
from tests.support.org_keys import org_key
from tests.support.people import existing_login
from tests.support.wizard import PASSWORD, WizardClient, person

pytestmark = pytest.mark.keycloak


def _registered_by_merge(bridge, outbox, keycloak, org, address):  # type: ignore[no-untyped-def]
    existing_login(keycloak, address)
    wizard = WizardClient(bridge, outbox)
    wizard.account("organization", org["npi"], org["tin"])
    wizard.answer_questionnaire()
    wizard.organization()
    wizard.individual(person(address))
    assert wizard.post("merge", {"merge": "yes"}).url.endswith("/register/complete")
    return org_key(org)


def test_a_denied_organization_is_refused_on_the_first_screen(
        bridge, outbox, keycloak, live_app, plan_admin, fresh_org, tracked, check):
    org = fresh_org()
    address = email("denied")
    key = _registered_by_merge(bridge, outbox, keycloak, org, address)
    tracked.org_keys.add(key)
    tracked.emails.add(address)
    with live_app.app_context():
        oid = Organization.query.filter_by(key=key).one().id
    post_form(signed_in(bridge, plan_admin["email"]), bridge, f"/admin/organizations/{oid}",
              f"/admin/organizations/{oid}/deny", {"note": "could not verify"})
    for account_type in ("organization", "individual"):
        wizard = WizardClient(bridge, outbox)
        page = wizard.account(account_type, org["npi"], org["tin"])
        assert page.status_code == 422 and wizard.step == "account"
        assert "not approved" in page.text and "Provider Relations" in page.text
        assert f'value="{org["npi"]}"' in page.text  # typed, kept
    check()


def test_a_value_keycloak_refuses_at_password_setup_is_corrected_there(
        bridge, outbox, keycloak, fresh_org, tracked, check):
    """Issue 11 row 14: the realm's profile refuses what the bridge accepted (here a rule
    added to Job Title after the fact); the registrant corrects it on Password Setup (the
    wizard only moves forward), nothing is lost."""
    profile = keycloak.admin.get_realm_users_profile()
    stricter = copy.deepcopy(profile)
    for attribute in stricter["attributes"]:
        if attribute["name"] == "job_title":
            attribute.setdefault("validations", {})["pattern"] = {
                "pattern": "^[^#]*$", "error-message": "no-hash-in-job-title"}
    keycloak.admin.update_realm_users_profile(stricter)
    try:
        org = fresh_org()
        address = email("profile")
        tracked.emails.add(address)
        wizard = WizardClient(bridge, outbox)
        wizard.account("organization", org["npi"], org["tin"])
        wizard.answer_questionnaire()
        wizard.organization()
        who = person(address, first_name="Morgan", job_title="Office #2 Lead")
        wizard.individual(who)
        assert wizard.step == "password"
        page = wizard.password(PASSWORD)
        assert page.status_code < 500 and wizard.step == "password"
        assert "Job Title was not accepted" in page.text
        assert 'id="job_title"' in page.text and 'value="Office #2 Lead"' in page.text
        corrected = wizard.post("password", {"job_title": "Office Lead", "password": PASSWORD,
                                             "confirm_password": PASSWORD})
        assert corrected.status_code < 500 and "was not accepted" not in corrected.text
        assert wizard.step != "password"
        user = keycloak.gateway.find_user_by_email(address)
        assert user is not None and user.attribute("job_title") == "Office Lead"
        assert user.first_name == "Morgan"  # the rest as typed on Individual Enrollment
        check()
    finally:
        keycloak.admin.update_realm_users_profile(profile)


def test_reconcile_repairs_every_kind_of_drift_both_ways(
        bridge, outbox, keycloak, live_app, plan_admin, fresh_org, tracked, check):
    gateway = keycloak.gateway
    # An active organization whose Keycloak group disappeared, and a member Keycloak lost.
    org = fresh_org()
    address = email("drift")
    key = _registered_by_merge(bridge, outbox, keycloak, org, address)
    tracked.org_keys.add(key)
    tracked.emails.add(address)
    with live_app.app_context():
        oid = Organization.query.filter_by(key=key).one().id
    post_form(signed_in(bridge, plan_admin["email"]), bridge, f"/admin/organizations/{oid}",
              f"/admin/organizations/{oid}/approve", {"note": "ok"})
    gateway.delete_group(gateway.group_by_path(f"/provider-orgs/{key}")["id"])
    # A group no organization owns (a registration that crashed between its two writes).
    orphan = fresh_org()
    orphan_key = org_key(orphan)
    tracked.org_keys.add(orphan_key)
    gateway.create_subgroup(gateway.orgs_group_id(), orphan_key, {"name": ["orphan"]})
    # A login left by a registration abandoned after Password Setup.
    abandoned = email("abandoned")
    tracked.emails.add(abandoned)
    user_id = existing_login(keycloak, abandoned)
    with live_app.app_context():
        db.session.add(RegistrationDraft(step="sign_in", keycloak_user_id=user_id,
                                         context={"individual": {"email": abandoned}},
                                         expires_at=utcnow() - timedelta(minutes=1)))
        db.session.commit()
    with pytest.raises(AssertionError):
        check()  # the checker sees the drift

    runner = live_app.test_cli_runner()
    result = runner.invoke(args=["reconcile", "--orphan-min-age", "0"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert f"deleted Keycloak group /provider-orgs/{orphan_key}" in out
    assert f"created Keycloak group /provider-orgs/{key}" in out
    assert f"deleted login {user_id}" in out
    with live_app.app_context():
        member = Membership.query.filter_by(email=address).one()
    assert f"added {member.user_id} to /provider-orgs/{key}" in out
    check()
    again = runner.invoke(args=["reconcile", "--orphan-min-age", "0"])
    assert again.output.strip().endswith("0 change(s)"), again.output
