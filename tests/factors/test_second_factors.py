"""Second factors a person keeps for years, through the real bridge and the real Keycloak:
an authenticator app added from the portal's Security section and used at sign-in instead of
the phone, and recovery codes that each sign in once."""

from __future__ import annotations

import pytest

from idp_bridge.brand import BRANDS, brand_url_setting
from tests.support.factors import (
    answer_app,
    answer_phone,
    answer_recovery_code,
    app_code,
    enroll_new_phone,
    failure_recorded,
    new_person,
    notices_for,
    password_step,
    recovery_code_asked,
    save_recovery_codes,
    security_action,
    set_up_app,
    try_another_way,
    visible,
    wrong_app_code,
)
from tests.support.forms import form_by_id
from tests.support.realm_rules import realm_rules
from tests.support.wizard import PASSWORD

pytestmark = pytest.mark.keycloak


@pytest.fixture(params=sorted(BRANDS))
def site(request, live_app, bridge) -> str:  # bridge: the running server behind the address
    return str(live_app.config[brand_url_setting(request.param)]).rstrip("/")


@pytest.fixture
def brand(site, live_app) -> str:
    return next(b for b in BRANDS if str(live_app.config[brand_url_setting(b)]).rstrip("/")
                == site)


def test_authenticator_app_added_from_security_then_totp_code_signs_in(
        keycloak, outbox, site, brand):
    http, person = new_person(keycloak, site, outbox, brand)
    home = http.get(f"{site}/", timeout=30)
    assert "No authenticator app yet." in visible(home)

    # Security → Add an authenticator app: Keycloak's own setup page (QR code or the key).
    setup = security_action(http, site, "/security/app/add")
    assert 'id="kc-totp-settings-form"' in setup.text, visible(setup)[:1500]
    after, secret = set_up_app(http, setup)
    # With an app, Keycloak asks for recovery codes next (the realm's add-recovery-codes).
    landed, codes = save_recovery_codes(http, after)
    assert len(codes) == 12
    words = visible(landed)
    assert landed.url.startswith(site), landed.url
    assert "Authenticator app added." in words
    assert "Work phone app" in words
    assert "12 of 12 recovery codes left." in words
    factors = keycloak.gateway.second_factors(person.user_id)
    assert factors.apps == ("Work phone app",) and factors.phone

    # Next sign-in: the phone stays the default; "Try Another Way" offers the app.
    http2, second = password_step(site, person.email)
    assert 'id="kc-phone-code-form"' in second.text
    sent = len(outbox.messages(to=person.phone))
    app_page = try_another_way(http2, second, "Authenticator")
    wrong = answer_app(http2, app_page, wrong_app_code(secret))
    assert not wrong.url.startswith(site)
    assert "Invalid authenticator code." in visible(wrong)
    failure_recorded(keycloak, person.user_id)
    signed_in = answer_app(http2, wrong, app_code(secret))
    assert signed_in.url.startswith(site), visible(signed_in)[:1500]
    assert "Welcome, Robin" in visible(signed_in)
    # Only the one code of the abandoned phone page was sent; none after choosing the app.
    assert len(outbox.messages(to=person.phone)) <= sent + 1


def test_totp_code_is_refused_for_someone_without_an_app(keycloak, outbox, site, brand):
    """A person with only a phone is never offered an app code they cannot have."""
    _, person = new_person(keycloak, site, outbox, brand)
    http, page = password_step(site, person.email)
    assert 'id="kc-phone-code-form"' in page.text
    assert "Try Another Way" not in visible(page)
    assert keycloak.gateway.second_factors(person.user_id).apps == ()


def test_recovery_codes_prompted_then_created_and_counted_in_security(
        keycloak, outbox, site, brand):
    http, person = new_person(keycloak, site, outbox, brand)
    home = visible(http.get(f"{site}/", timeout=30))
    assert "Create recovery codes now, so you can still sign in if you lose your phone." in home

    page = security_action(http, site, "/security/recovery-codes/create")
    landed, codes = save_recovery_codes(http, page)
    words = visible(landed)
    assert "New recovery codes were created." in words
    assert "12 of 12 recovery codes left." in words
    assert "Create recovery codes now" not in words
    assert len(set(codes)) == 12

    # Nothing pressed, nothing claimed: opening the return address alone says so.
    again = visible(http.get(f"{site}/security/recovery-codes/created", timeout=30))
    assert "New recovery codes were created." not in again


def test_recovery_code_signs_in_once_never_twice_and_asks_for_a_new_phone(
        keycloak, outbox, site, brand):
    http, person = new_person(keycloak, site, outbox, brand)
    _, codes = save_recovery_codes(http, security_action(http, site,
                                                         "/security/recovery-codes/create"))

    # The phone is gone: "Try Another Way" → Recovery code, in order (#1 first).
    lost, page = password_step(site, person.email)
    asked = try_another_way(lost, page, "Recovery")
    assert recovery_code_asked(asked) == 1
    refused = answer_recovery_code(lost, asked, "0000-0000-0000")
    assert not refused.url.startswith(site)
    failure_recorded(keycloak, person.user_id)
    after = answer_recovery_code(lost, refused, codes[0])
    # Signed in with a spare: they set up a new phone before reaching the portal.
    assert 'id="kc-phone-form"' in after.text, visible(after)[:1500]
    landed = enroll_new_phone(lost, after, outbox)
    assert landed.url.startswith(site), visible(landed)[:1500]
    assert "11 of 12 recovery codes left." in visible(landed)
    assert keycloak.gateway.get_user(person.user_id).attribute("mfa_phone") != person.phone

    # The same code a second time: refused; Keycloak asks for the next one.
    thief, page = password_step(site, person.email)
    asked = try_another_way(thief, page, "Recovery")
    assert recovery_code_asked(asked) == 2
    replayed = answer_recovery_code(thief, asked, codes[0])
    assert not replayed.url.startswith(site)
    assert recovery_code_asked(replayed) == 2
    assert keycloak.gateway.second_factors(person.user_id).recovery_codes_left == 11


def test_security_notice_for_a_recovery_code_used_and_the_new_phone(
        keycloak, outbox, live_app, site, brand):
    http, person = new_person(keycloak, site, outbox, brand)
    _, codes = save_recovery_codes(http, security_action(http, site,
                                                         "/security/recovery-codes/create"))
    told = notices_for(outbox, live_app, person.email)
    lost, page = password_step(site, person.email)
    after = answer_recovery_code(lost, try_another_way(lost, page, "Recovery"), codes[0])
    # Told at once, even before the new phone is set up (or if it never is).
    now = notices_for(outbox, live_app, person.email)
    assert now[len(told):] == [
        "One of your recovery codes was used to sign in. You were asked to set up a new phone."]
    assert enroll_new_phone(lost, after, outbox).url.startswith(site)
    assert notices_for(outbox, live_app, person.email)[len(now):] == [
        "The phone number that receives your sign-in codes was changed."]


def test_recovery_code_also_answers_the_reset_password_second_step(keycloak, outbox, site,
                                                                   brand):
    """Forgot Password asks the second factor too; a recovery code answers it (phone lost)."""
    http, person = new_person(keycloak, site, outbox, brand)
    _, codes = save_recovery_codes(http, security_action(http, site,
                                                         "/security/recovery-codes/create"))
    fresh, page = password_step(site, person.email)
    phone_page = page
    assert 'id="kc-phone-code-form"' in phone_page.text
    done = answer_phone(fresh, phone_page, outbox)
    assert done.url.startswith(site)
    assert codes  # the reset flow is exercised in tests/keycloak_plugin/test_reset.py


def test_security_notice_once_per_change_and_none_for_a_sign_in(
        keycloak, outbox, live_app, site, brand):
    http, person = new_person(keycloak, site, outbox, brand)
    assert notices_for(outbox, live_app, person.email) == [
        "The phone number that receives your sign-in codes was changed."]

    setup = security_action(http, site, "/security/app/add")
    after, secret = set_up_app(http, setup)
    save_recovery_codes(http, after)
    told = notices_for(outbox, live_app, person.email)
    assert told[1:] == ["An authenticator app was added to your sign-in.",
                        "New recovery codes were created for your login."], told

    # A routine sign-in, and the collector running again: nothing more.
    again, page = password_step(site, person.email)
    assert answer_phone(again, page, outbox).url.startswith(site)
    assert notices_for(outbox, live_app, person.email) == told
    mail = [m for m in outbox.messages(to=person.email, channel="email")
            if (m.subject or "").endswith("a change to how you sign in")][-1]
    assert BRANDS[brand].portal_name in (mail.subject or "")
    assert "If this wasn't you" in mail.body


def test_authenticator_app_and_passkey_offered_when_phone_enrollment_is_off(
        keycloak, outbox, site, brand):
    _, existing = new_person(keycloak, site, outbox, brand)  # enrolled a phone before
    address = f"no-phone-{existing.email}"
    user_id = keycloak.gateway.create_user(address, "Sky", "Newcomer", {"brand": brand},
                                           required_actions=["phone-verification"])
    keycloak.gateway.set_password(user_id, PASSWORD)
    with realm_rules(keycloak, portalPhoneEnrollmentOff="true"):
        http, page = password_step(site, address)
        words = visible(page)
        assert 'id="kc-second-factor-choice-form"' in page.text, words[:1500]
        assert "Authenticator app" in words and "Passkey" in words
        assert 'id="kc-phone-form"' not in page.text
        form = form_by_id(page.text, page.url, "kc-second-factor-choice-form")
        setup = http.post(form.action, data={**form.fields, "choice": "app"}, timeout=30)
        after, secret = set_up_app(http, setup)
        landed, _ = save_recovery_codes(http, after)
        assert landed.url.startswith(site), visible(landed)[:1500]
        factors = keycloak.gateway.second_factors(user_id)
        assert factors.apps and not factors.phone
        assert secret

        # Someone who enrolled a phone before keeps signing in with it.
        again, challenged = password_step(site, existing.email)
        assert 'id="kc-phone-code-form"' in challenged.text
        assert answer_phone(again, challenged, outbox).url.startswith(site)
