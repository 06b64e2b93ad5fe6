"""Interrupted registrations, through the real bridge and the real Keycloak (issue 15, items 7
and 8): a registrant who stops at the phone step and registers again, signs in directly, or
declines the Terms keeps their login and can finish; cleanup never removes a login that is
an account or that a newer registration uses."""

from __future__ import annotations

import itertools
import re
import uuid
from datetime import datetime, timedelta

import pytest
import requests

from idp_bridge.extensions import db
from idp_bridge.npi.models import NpiRecord
from idp_bridge.organizations.models import Membership, Organization
from idp_bridge.registration.cleanup import remove_expired_drafts
from idp_bridge.registration.models import RegistrationDraft
from tests.support.forms import forms
from tests.support.keycloak_login import (
    LoopbackSession,
    answer_phone_challenge,
    enroll_phone,
    finish_required_actions,
    new_phone_number,
    submit_login,
)
from tests.support.org_keys import org_key
from tests.support.registry_data import DEACTIVATED, ORGANIZATIONS, PROFESSIONAL
from tests.support.wizard import PASSWORD, WizardClient, person, to_phone_verification

pytestmark = pytest.mark.keycloak

FIXED_NPIS = {o["npi"] for o in [*ORGANIZATIONS, DEACTIVATED, PROFESSIONAL]}
_tins = itertools.count(1)


@pytest.fixture
def organization(live_app) -> dict[str, str]:
    """An organization NPI of the registry sample nobody has registered (nor will: the
    fixed records other tests use are skipped), paired with a fresh TIN."""
    with live_app.app_context():
        for record in NpiRecord.query.filter_by(entity_type=2, active=True).order_by(
                NpiRecord.npi):
            taken = Organization.query.filter(Organization.key.startswith(record.npi)).first()
            if record.npi not in FIXED_NPIS and taken is None:
                return {"npi": record.npi, "tin": f"42-{6600000 + next(_tins):07d}"}
    raise RuntimeError("registry sample exhausted")


@pytest.fixture
def email() -> str:
    return f"interrupted-{uuid.uuid4().hex[:10]}@clinic.test"


def to_password_set(wizard: WizardClient, org: dict[str, str], email: str) -> None:
    """Organization registration up to (and including) Password Setup: the login exists."""
    wizard.account("organization", org["npi"], org["tin"])
    wizard.answer_questionnaire()
    wizard.organization()
    wizard.individual(person(email))
    assert wizard.step == "password", wizard.page.text[:2000] if wizard.page else ""
    wizard.password(PASSWORD)
    assert wizard.step == "sign_in"


def stop_at_phone_step(wizard: WizardClient, org: dict[str, str], email: str) -> None:
    to_password_set(wizard, org, email)
    to_phone_verification(wizard, email)  # ... and the browser is closed here


def register_again_until_merge(bridge: str, outbox, org: dict[str, str],  # type: ignore[no-untyped-def]
                               email: str) -> WizardClient:
    """As the guide says: start over, same organization, same email: the merge question."""
    wizard = WizardClient(bridge, outbox)
    wizard.account("organization", org["npi"], org["tin"])
    wizard.answer_questionnaire()
    wizard.organization()
    wizard.individual(person(email))
    assert wizard.step == "merge", wizard.page.text[:2000] if wizard.page else ""
    return wizard


def drafts_of(live_app, email: str) -> list[RegistrationDraft]:  # type: ignore[no-untyped-def]
    with live_app.app_context():
        found = [d for d in RegistrationDraft.query.order_by(RegistrationDraft.created_at)
                 if (d.context.get("individual") or {}).get("email") == email]
        db.session.expunge_all()
    return found


def run_cleanup(live_app, at: datetime) -> int:  # type: ignore[no-untyped-def]
    with live_app.app_context():
        return remove_expired_drafts(at)


def memberships_of(live_app, user_id: str) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    with live_app.app_context():
        return [(m.organization.key, m.status)
                for m in Membership.query.filter_by(user_id=user_id)]


def sign_in_directly(bridge: str, outbox, email: str) -> requests.Response:  # type: ignore[no-untyped-def]
    """The portal's LOG IN, with whatever Keycloak still asks (phone, Terms, or the code)."""
    http = LoopbackSession()
    landed = submit_login(http, http.get(f"{bridge}/login", timeout=30), email, PASSWORD)
    landed = answer_phone_challenge(http, landed)
    return finish_required_actions(http, landed, bridge, outbox=outbox)


def decline_terms(http: requests.Session, page: requests.Response) -> requests.Response:
    for form in forms(page.text, page.url):
        if any(b.get("name") == "cancel" for b in form.buttons):
            return http.post(form.action, data={**form.fields, "cancel": ""}, timeout=30)
    raise AssertionError(f"no Terms page: {page.url}\n{page.text[:800]}")


# Item 8: registering again -----------------------------------------------------------------------


def test_registering_again_and_merging_keeps_the_login_after_cleanup(
        bridge, outbox, live_app, keycloak, organization, email):
    first = WizardClient(bridge, outbox)
    stop_at_phone_step(first, organization, email)
    login = keycloak.gateway.find_user_by_email(email)
    assert login is not None

    again = register_again_until_merge(bridge, outbox, organization, email)
    page = again.post("merge", {"merge": "yes"})
    assert "Your organization's registration is complete!" in page.text
    assert memberships_of(live_app, login.id) == [(org_key(organization), "pending")]

    abandoned = drafts_of(live_app, email)[0]
    assert abandoned.completed_at is None and abandoned.keycloak_user_id == login.id
    run_cleanup(live_app, abandoned.expires_at + timedelta(minutes=1))

    assert keycloak.gateway.find_user_by_email(email) is not None  # the login stays
    assert [d.id for d in drafts_of(live_app, email)] != [abandoned.id]
    # ... and signs in: Keycloak still asks for the phone and the Terms it never got.
    landed = sign_in_directly(bridge, outbox, email)
    assert landed.url.startswith(bridge) and "/register/" not in landed.url, landed.url
    assert memberships_of(live_app, login.id) == [(org_key(organization), "pending")]


def test_cleanup_waits_while_a_newer_registration_is_at_the_merge_question(
        bridge, outbox, live_app, keycloak, organization, email):
    first = WizardClient(bridge, outbox)
    stop_at_phone_step(first, organization, email)
    again = register_again_until_merge(bridge, outbox, organization, email)

    abandoned, pending = drafts_of(live_app, email)
    assert abandoned.expires_at < pending.expires_at
    # The first has expired, the second (seconds younger) not yet.
    run_cleanup(live_app, abandoned.expires_at + (pending.expires_at - abandoned.expires_at) / 2)
    assert keycloak.gateway.find_user_by_email(email) is not None

    page = again.post("merge", {"merge": "yes"})  # the login is still there to merge into
    assert "Your organization's registration is complete!" in page.text
    login = keycloak.gateway.find_user_by_email(email)
    assert memberships_of(live_app, login.id) == [(org_key(organization), "pending")]
    run_cleanup(live_app, pending.expires_at + timedelta(minutes=1))
    assert keycloak.gateway.find_user_by_email(email) is not None


def test_a_login_only_abandoned_registrations_used_is_still_removed(
        bridge, outbox, live_app, keycloak, organization, email):
    stop_at_phone_step(WizardClient(bridge, outbox), organization, email)
    register_again_until_merge(bridge, outbox, organization, email)  # abandoned too

    last = max(d.expires_at for d in drafts_of(live_app, email))
    run_cleanup(live_app, last + timedelta(minutes=1))

    assert keycloak.gateway.find_user_by_email(email) is None
    assert drafts_of(live_app, email) == []


# Item 8: signing in directly ---------------------------------------------------------------------


def test_signing_in_directly_finishes_the_registration(bridge, outbox, live_app, keycloak,
                                                       organization, email):
    stop_at_phone_step(WizardClient(bridge, outbox), organization, email)

    page = sign_in_directly(bridge, outbox, email)  # another browser, the portal's LOG IN

    assert page.url.endswith("/register/complete"), page.url
    assert "Your organization's registration is complete!" in page.text
    login = keycloak.gateway.find_user_by_email(email)
    assert memberships_of(live_app, login.id) == [(org_key(organization), "pending")]
    draft = drafts_of(live_app, email)[0]
    run_cleanup(live_app, draft.expires_at + timedelta(days=1))
    assert keycloak.gateway.find_user_by_email(email) is not None


# Item 7: declining the Terms ---------------------------------------------------------------------


def test_declining_the_terms_explains_and_the_registrant_can_accept_later(
        bridge, outbox, live_app, keycloak, organization, email):
    wizard = WizardClient(bridge, outbox)
    to_password_set(wizard, organization, email)
    phone_page = to_phone_verification(wizard, email)
    terms_page = enroll_phone(wizard.http, phone_page, outbox, new_phone_number())

    declined = decline_terms(wizard.http, terms_page)

    assert declined.url.startswith(bridge)
    assert "access_denied" not in declined.text
    assert "Terms &amp; Conditions must be accepted" in declined.text, declined.text[:2000]
    back = re.search(r'id="accept-terms" href="([^"]+)"', declined.text)
    assert back, declined.text[:2000]
    login = keycloak.gateway.find_user_by_email(email)
    assert memberships_of(live_app, login.id) == []

    # Come back (the button), sign in again, accept: the registration completes.
    kc_page = wizard.http.get(bridge + back.group(1).replace("&amp;", "&"), timeout=30)
    if 'id="kc-form-login"' in kc_page.text:
        kc_page = submit_login(wizard.http, kc_page, email, PASSWORD)
    kc_page = answer_phone_challenge(wizard.http, kc_page)
    page = finish_required_actions(wizard.http, kc_page, bridge, outbox=outbox)

    assert page.url.endswith("/register/complete"), page.url
    assert "Your organization's registration is complete!" in page.text
    assert memberships_of(live_app, login.id) == [(org_key(organization), "pending")]
    draft = drafts_of(live_app, email)[0]
    run_cleanup(live_app, draft.expires_at + timedelta(days=1))
    assert keycloak.gateway.find_user_by_email(email) is not None


def test_declining_the_terms_on_a_direct_sign_in_explains_and_accepting_finishes(
        bridge, outbox, live_app, keycloak, organization, email):
    stop_at_phone_step(WizardClient(bridge, outbox), organization, email)
    http = LoopbackSession()  # another browser: the portal's LOG IN
    landed = submit_login(http, http.get(f"{bridge}/login", timeout=30), email, PASSWORD)
    terms_page = enroll_phone(http, landed, outbox, new_phone_number())

    declined = decline_terms(http, terms_page)

    assert "Terms &amp; Conditions must be accepted" in declined.text, declined.text[:2000]
    back = re.search(r'id="accept-terms" href="([^"]+)"', declined.text)
    assert back and back.group(1) == "/login", declined.text[:2000]
    kc_page = http.get(bridge + back.group(1), timeout=30)
    if 'id="kc-form-login"' in kc_page.text:
        kc_page = submit_login(http, kc_page, email, PASSWORD)
    page = finish_required_actions(http, answer_phone_challenge(http, kc_page), bridge,
                                   outbox=outbox)

    assert page.url.endswith("/register/complete"), page.url
    login = keycloak.gateway.find_user_by_email(email)
    assert memberships_of(live_app, login.id) == [(org_key(organization), "pending")]
