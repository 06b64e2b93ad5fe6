"""The phone plugin through Keycloak's real pages: enrollment, sign-in challenge, code rules."""

from __future__ import annotations

import html
import re
import time
from urllib.parse import urljoin

import pytest

from tests.support.forms import form_by_id
from tests.support.keycloak_login import (
    LoopbackSession,
    e164,
    enroll_phone,
    new_phone_number,
    submit_login,
)
from tests.support.wizard import PASSWORD

pytestmark = pytest.mark.keycloak


def new_user(keycloak, unique_email, actions=("phone-verification",)) -> str:
    user_id = keycloak.gateway.create_user(unique_email, "Lee", "Phone", {},
                                           required_actions=list(actions))
    keycloak.gateway.set_password(user_id, PASSWORD)
    return user_id


def login(bridge, email):
    http = LoopbackSession()
    page = submit_login(http, http.get(f"{bridge}/login", timeout=30), email, PASSWORD)
    return http, page


def post(http, page, form_id, **data):
    form = form_by_id(page.text, page.url, form_id)
    return http.post(form.action, data=data, timeout=30)


def enrolled_user(keycloak, bridge, outbox, email, method="sms") -> str:
    new_user(keycloak, email)
    number = new_phone_number()
    http, page = login(bridge, email)
    landed = enroll_phone(http, page, outbox, number, method)
    assert landed.url.startswith(bridge)
    return number


def wrong(code: str) -> str:
    return "000000" if code != "000000" else "111111"


@pytest.mark.parametrize(("method", "word"), [("sms", "Text"), ("voice", "Voice")])
def test_new_user_enrolls_by_text_or_voice(keycloak, bridge, outbox, unique_email, method,
                                           word):
    user_id = new_user(keycloak, unique_email)
    http, page = login(bridge, unique_email)
    assert "Multi Factor Authentication Enrollment" in page.text
    assert "requires you to provide a cell phone number" in page.text

    number = new_phone_number()
    sent = post(http, page, "kc-phone-form", method=method, phone=number, action="request")
    last4 = number[-4:]
    assert f"A code was sent to ***-***-{last4}." in sent.text
    message = outbox.latest(e164(number), channel=method)
    assert message.code and message.code not in sent.text
    done = post(http, sent, "kc-phone-form", method=method, phone=number, code=message.code,
                action="verify")
    assert f"{word} enrolled successfully" in done.text
    landed = post(http, done, "kc-phone-form", action="continue")
    assert landed.url.startswith(bridge)

    user = keycloak.gateway.get_user(user_id)
    assert user.attribute("mfa_phone") == e164(number)
    assert user.attribute("mfa_phone_method") == method
    types = {c["type"] for c in keycloak.admin.get_credentials(user_id)}
    assert "phone-otp" in types
    events = keycloak.admin.get_events({"user": user_id, "type": "CUSTOM_REQUIRED_ACTION"})
    assert events, "a successful verification is a Keycloak event"


def test_bad_number_is_refused_with_what_was_typed_kept(keycloak, bridge, unique_email):
    new_user(keycloak, unique_email)
    http, page = login(bridge, unique_email)
    refused = post(http, page, "kc-phone-form", method="sms", phone="555-12", action="request")
    assert "Please enter a valid phone number" in refused.text
    assert 'value="555-12"' in refused.text


def test_later_sign_in_is_challenged_for_the_phone_code(keycloak, bridge, outbox, unique_email):
    number = enrolled_user(keycloak, bridge, outbox, unique_email, method="voice")
    before = outbox.count(e164(number))
    http, page = login(bridge, unique_email)
    assert f"We are calling ***-***-{number[-4:]}" in page.text
    code = outbox.latest(e164(number), channel="voice", after=before).code
    landed = post(http, page, "kc-phone-code-form", code=code, action="verify")
    assert landed.url.startswith(bridge) and "Welcome, Lee Phone" in landed.text


def test_refresh_does_not_send_another_code(keycloak, bridge, outbox, unique_email):
    number = enrolled_user(keycloak, bridge, outbox, unique_email)
    http, page = login(bridge, unique_email)
    count = outbox.count(e164(number))
    again = http.get(page.url, timeout=30)  # the browser's reload
    if "Page has expired" in again.text:  # Keycloak's answer to a reload; continue the login
        link = re.search(r'id="loginContinueLink" href="([^"]+)"', again.text)
        assert link
        again = http.get(urljoin(again.url, html.unescape(link.group(1))), timeout=30)
    assert "kc-phone-code-form" in again.text
    time.sleep(0.5)
    assert outbox.count(e164(number)) == count


def test_wrong_old_and_sixth_codes_are_each_refused(keycloak, bridge, outbox, unique_email):
    number = enrolled_user(keycloak, bridge, outbox, unique_email)
    before = outbox.count(e164(number))
    http, page = login(bridge, unique_email)
    first = outbox.latest(e164(number), after=before).code

    page = post(http, page, "kc-phone-code-form", code=wrong(first), action="verify")
    assert "The security code is incorrect. 4 tries left." in page.text
    assert "Invalid username or password" not in page.text

    early = post(http, page, "kc-phone-code-form", action="resend")
    assert "Please wait" in early.text  # resend cooldown
    time.sleep(2.1)
    page = post(http, early, "kc-phone-code-form", action="resend")
    assert "Only the newest code can be used." in page.text
    newest = outbox.latest(e164(number), after=before + 1).code
    if newest != first:
        old = post(http, page, "kc-phone-code-form", code=first, action="verify")
        assert "The security code is incorrect. 3 tries left." in old.text
        page = old
    while "1 try left" not in page.text:
        page = post(http, page, "kc-phone-code-form", code=wrong(newest), action="verify")
    locked = post(http, page, "kc-phone-code-form", code=wrong(newest), action="verify")
    assert "Too many incorrect codes were entered." in locked.text
    sixth = post(http, locked, "kc-phone-code-form", code=newest, action="verify")
    assert "Too many incorrect codes were entered." in sixth.text  # even the right code
    assert not sixth.url.startswith(bridge)


def test_expired_code_is_refused(keycloak, bridge, outbox, unique_email):
    number = enrolled_user(keycloak, bridge, outbox, unique_email)
    before = outbox.count(e164(number))
    http, page = login(bridge, unique_email)
    code = outbox.latest(e164(number), after=before).code
    time.sleep(21)  # the test server's code lifetime is 20 s (10 minutes in production)
    expired = post(http, page, "kc-phone-code-form", code=code, action="verify")
    assert "This security code has expired. Please request a new code." in expired.text


@pytest.mark.parametrize(("theme", "plan"), [("dean", "Dean Health Plan"),
                                             ("wellfirst", "WellFirst Health")])
def test_each_brand_renders_its_name_sign_up_and_terms(keycloak, bridge, unique_email, theme,
                                                      plan):
    keycloak.admin.update_realm(keycloak.realm, {"loginTheme": theme})
    try:
        new_user(keycloak, unique_email, actions=("TERMS_AND_CONDITIONS",))
        http = LoopbackSession()
        page = http.get(f"{bridge}/login", timeout=30)
        assert f"{plan} Provider Portal" in page.text
        assert f'id="sign-up" href="{bridge}/register"' in page.text
        assert "Need help signing in?" in page.text and "reset-credentials" in page.text
        assert "Google Chrome is recommended for optimum performance." in page.text
        terms = submit_login(http, page, unique_email, PASSWORD)
        assert "Single Sign-On and Provider Portal Terms and Conditions" in terms.text
        assert "Accept Terms &amp; Conditions" in terms.text
        assert f"{plan} Provider Portal" in terms.text
    finally:
        keycloak.admin.update_realm(keycloak.realm, {"loginTheme": "dean"})
