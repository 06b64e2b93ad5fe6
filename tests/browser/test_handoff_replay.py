"""Issue 19 row 2 in a real browser (Chromium): the registration hand-off credential is
carried to Keycloak in a posted form body, never in a URL, and every URL the browser went
through from Password Setup to the confirmation, replayed in a fresh browser, signs no one in
(not at the bridge, not at Keycloak)."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest
from playwright.sync_api import expect

from tests.browser import steps

pytestmark = [pytest.mark.keycloak, pytest.mark.browser]


@pytest.mark.parametrize("brand", ["dean"])
def test_a_url_captured_from_the_handoff_signs_no_one_in_elsewhere(
        journey, site, outbox, fresh_org, unique_email):
    page = journey.page
    seen: list[tuple[str, str, str | None, bool]] = []
    page.on("request", lambda r: seen.append(
        (r.method, r.url, r.post_data, r.is_navigation_request())))
    org = fresh_org()
    steps.sign_up_from_keycloak(journey, site)
    steps.account(journey, "organization", org["npi"], org["tin"])
    steps.questionnaire(journey)
    steps.organization(journey)
    steps.individual(journey, outbox, unique_email)
    start = len(seen)
    steps.password(journey)
    # The hand-off page's script posted the form: Keycloak's phone step, no password asked.
    expect(page.get_by_text("Multi Factor Authentication Enrollment")).to_be_visible()
    posted = [body for method, url, body, _ in seen[start:]
              if method == "POST" and url.endswith("/idp-bridge/registration-handoff/open")]
    assert len(posted) == 1 and posted[0]
    key = parse_qs(posted[0])["key"][0]
    steps.keycloak_tail(journey, unique_email, outbox)
    expect(page.locator("#confirmation")).to_be_visible()
    expect(page.locator("#logout")).to_be_visible()  # this browser is signed in

    assert not [url for _, url, _, _ in seen if key in url]
    navigated = list(dict.fromkeys(url for method, url, _, navigation in seen[start:]
                                   if method == "GET" and navigation))
    assert any("/login-actions/" in url for url in navigated), navigated
    assert any("/auth/callback" in url for url in navigated), navigated
    stranger = journey.new_person()
    for url in navigated:
        stranger.goto(url)
        expect(stranger.locator("#kc-phone-form")).to_have_count(0)
    stranger.goto(f"{site}/")
    expect(stranger.locator("#logout")).to_have_count(0)
    stranger.goto(f"{site}/login")
    expect(stranger.locator("#kc-form-login")).to_be_visible()  # Keycloak asks for a password
