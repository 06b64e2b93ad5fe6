"""Forgot Password, end to end: the Log In page's "Need help signing in?" opens "Forgot
Password?", Keycloak emails a reset link in the user's brand (through the real SMTP sink), the
link sets a new password, and a sign-in with it (and the phone code) works; the old one no
longer does. Keycloak-sent emails pick the brand from the user's ``brand`` attribute (Dean when
absent), since both brands share one realm and its one email theme."""

from __future__ import annotations

import html
import re
from urllib.parse import urljoin

import pytest
import requests

from tests.keycloak_plugin.pages import (
    Browser,
    alert,
    browser,
    enrolled_user,
    text,
    verify,
    wait_for_code,
    wrong_code,
)
from tests.support.factors import notices_for

pytestmark = pytest.mark.keycloak

NEW_PASSWORD = "Fresh-Start2@"


def forgot_password(http: Browser, email: str) -> requests.Response:
    """Log In page -> Need help signing in? -> Forgot Password? -> the email address."""
    page = http.login_page()
    assert re.search(r'<summary id="need-help">\s*Need help signing in\?\s*</summary>', page.text)
    link = re.search(r'<a id="forgot-password" href="([^"]+)">Forgot Password\?</a>', page.text)
    assert link, "Forgot Password? is inside Need help signing in?"
    reset = http.get(urljoin(page.url, html.unescape(link.group(1))), timeout=30)
    return http.submit(reset, "kc-reset-password-form", username=email)


def reset_link(body: str) -> str:
    found = re.search(r"https?://\S+/login-actions/action-token\?\S+", body)
    assert found, body
    return found.group(0)


def open_reset_link(http: Browser, outbox, link: str, e164: str) -> requests.Response:
    """The emailed link asks for the phone code before a new password can be chosen (the
    realm's "portal reset credentials" flow): the email alone changes nothing."""
    seen = outbox.count(e164)
    challenge = http.get(link, timeout=30)
    assert 'id="kc-phone-code-form"' in challenge.text, text(challenge)[:800]
    assert "kc-passwd-update-form" not in challenge.text
    update = verify(http, challenge, wait_for_code(outbox, e164, seen))
    assert 'id="kc-passwd-update-form"' in update.text, text(update)[:800]
    return update


@pytest.mark.parametrize(("brand", "plan"), [(None, "Dean Health Plan"),
                                             ("wellfirst", "WellFirst Health")])
def test_a_forgotten_password_is_reset_by_email_and_signs_in(keycloak, outbox, mail_sink,
                                                             brand, plan, live_app):
    email, user_id, e164 = enrolled_user(keycloak, outbox)
    if brand:
        user = keycloak.admin.get_user(user_id)
        attributes = {**(user.get("attributes") or {}), "brand": [brand]}
        keycloak.admin.update_user(user_id, {**user, "attributes": attributes})
        assert keycloak.admin.get_user(user_id)["attributes"].get("brand") == [brand]
    seen = outbox.count(email, channel="email")

    sent = forgot_password(browser(keycloak), email)
    assert "You should receive an email shortly" in (alert(sent) or text(sent)), text(sent)[:800]
    message = outbox.latest(email, channel="email", after=seen)
    # Issue 21 row 2: the person's brand in the subject and the sender, as delivered.
    assert message.subject == f"Reset your {plan} Provider Portal password"
    assert message.sender.startswith(f'"{plan} Provider Portal"') or \
        message.sender.startswith(f"{plan} Provider Portal"), message.sender
    assert f"{plan} Provider Portal" in message.body
    other = "WellFirst Health" if plan == "Dean Health Plan" else "Dean Health Plan"
    assert other not in message.body
    assert email in message.body

    # The link, opened in another browser (a phone's mail app): the phone code, then the new
    # password.
    mail_browser = browser(keycloak)
    update = open_reset_link(mail_browser, outbox, reset_link(message.body), e164)
    # Issue 21 row 13: the rules are listed where the new password is set.
    for rule in ("Must be at least 8 characters", "Must contain at least one Upper case letter",
                 "Must contain at least one Symbol"):
        assert rule in text(update), text(update)[:1500]
    new = mail_browser.submit(update, "kc-passwd-update-form", **{
        "password-new": NEW_PASSWORD, "password-confirm": NEW_PASSWORD})
    assert "kc-passwd-update-form" not in new.text, alert(new) or text(new)[:800]
    # Issue 24: the reset is one security notice, in the person's brand.
    told = notices_for(outbox, live_app, email)
    changed = f"The password of your {plan} Provider Portal login was changed."
    assert told.count(changed) == 1, told

    # Sign in with the new password: the phone code is still asked for, and then it works.
    http = browser(keycloak)
    seen_codes = outbox.count(e164)
    challenge = http.sign_in(email, NEW_PASSWORD)
    assert 'id="kc-phone-code-form"' in challenge.text, text(challenge)[:800]
    assert http.landed(verify(http, challenge, wait_for_code(outbox, e164, seen_codes)))
    # The old password no longer works.
    refused = browser(keycloak).sign_in(email)
    assert 'id="kc-phone-code-form"' not in refused.text
    assert "Invalid" in alert(refused) or "invalid" in text(refused).lower()
    # A sign-in (or a refused one) is no notice.
    assert notices_for(outbox, live_app, email) == told


def test_a_reset_in_the_same_browser_signs_in_only_after_the_phone_code(keycloak, outbox):
    email, _, e164 = enrolled_user(keycloak, outbox)
    http = browser(keycloak)
    seen = outbox.count(email, channel="email")
    forgot_password(http, email)
    message = outbox.latest(email, channel="email", after=seen)
    codes = outbox.count(e164)
    challenge = http.get(reset_link(message.body), timeout=30)
    assert 'id="kc-phone-code-form"' in challenge.text and not http.landed(challenge)
    code = wait_for_code(outbox, e164, codes)
    wrong = verify(http, challenge, wrong_code(code))
    assert "kc-passwd-update-form" not in wrong.text and not http.landed(wrong)
    update = verify(http, wrong, code)
    done = http.submit(update, "kc-passwd-update-form", **{
        "password-new": NEW_PASSWORD, "password-confirm": NEW_PASSWORD})
    assert http.landed(done)


def test_the_reset_page_lists_the_guides_password_rules(keycloak, outbox):
    email, _, e164 = enrolled_user(keycloak, outbox)
    seen = outbox.count(email, channel="email")
    forgot_password(browser(keycloak), email)
    message = outbox.latest(email, channel="email", after=seen)
    http = browser(keycloak)
    update = open_reset_link(http, outbox, reset_link(message.body), e164)
    weak = http.submit(update, "kc-passwd-update-form", **{
        "password-new": "alllowercase", "password-confirm": "alllowercase"})
    words = text(weak)
    # Keycloak names the first rule broken, in the guide's words.
    assert re.search(r"Must contain at least one (Upper case letter|Number \(0-9\)|Symbol)",
                     words), words[:1500]
    assert "Invalid password: must contain" not in words  # Keycloak's own wording


