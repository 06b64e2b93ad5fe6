"""Sign in through Keycloak's real login page with plain HTTP, as a browser would."""

from __future__ import annotations

import re
import secrets
from http.cookiejar import Cookie, DefaultCookiePolicy
from typing import Any

import requests

from idp_bridge.outbox import Outbox
from tests.support.forms import form_by_id, forms

_LOOPBACK = {"127.0.0.1", "localhost"}


class LoopbackCookiePolicy(DefaultCookiePolicy):
    """Keycloak marks its cookies Secure. Browsers still send them to http://127.0.0.1 (loopback
    is a secure context); the stdlib's policy would not. This policy does, for loopback only."""

    def return_ok_secure(self, cookie: Cookie, request: Any) -> bool:
        if request.host.split(":")[0] in _LOOPBACK:
            return True
        return bool(super().return_ok_secure(cookie, request))


class LoopbackSession(requests.Session):
    """A cookie-keeping HTTP client that behaves like a browser on loopback: its jar uses
    ``LoopbackCookiePolicy``. Only this session's requests are affected (no global patch)."""

    def __init__(self) -> None:
        super().__init__()
        self.cookies.set_policy(LoopbackCookiePolicy())

    def prepare_request(self, request: requests.Request) -> requests.PreparedRequest:
        prepared = super().prepare_request(request)
        # requests merges the cookies to send into a fresh jar with the default policy; the
        # Cookie header is worked out again with ours. Redirects copy this jar, policy and all.
        jar = prepared._cookies  # type: ignore[attr-defined]  # the merged jar lives here only
        jar.set_policy(self.cookies.get_policy())
        prepared.headers.pop("Cookie", None)
        prepared.prepare_cookies(jar)
        return prepared


# Set by the session's ``outbox`` fixture: where Keycloak's dev phone sender files codes.
DEFAULT_OUTBOX: list[Outbox] = []


def phone_code_for(page_text: str, outbox: Outbox) -> str:
    """The code Keycloak just sent to the masked number on the sign-in page."""
    masked = re.search(r"\*\*\*-\*\*\*-(\d{4})", page_text)
    assert masked, "no masked phone number on the page"
    for message in reversed(outbox.messages()):
        if message.channel in ("sms", "voice") and message.to.endswith(masked.group(1)):
            return message.code or ""
    raise AssertionError(f"no code sent to ***-***-{masked.group(1)}")


def answer_phone_challenge(http: requests.Session, page: requests.Response,
                           allow_redirects: bool = True) -> requests.Response:
    if 'id="kc-phone-code-form"' not in page.text:
        return page
    form = form_by_id(page.text, page.url, "kc-phone-code-form")
    code = phone_code_for(page.text, DEFAULT_OUTBOX[0])
    return http.post(form.action, data={"code": code, "action": "verify"},
                     allow_redirects=allow_redirects, timeout=30)


def submit_login(http: requests.Session, page: requests.Response, username: str,
                 password: str) -> requests.Response:
    """Fill and post Keycloak's username/password form found on ``page``."""
    form = form_by_id(page.text, page.url, "kc-form-login")
    data = {**form.fields, "username": username, "password": password}
    return http.post(form.action, data=data, allow_redirects=True, timeout=30)


def accept_terms_if_asked(http: requests.Session, page: requests.Response) -> requests.Response:
    for form in forms(page.text, page.url):
        if any(b.get("name") == "accept" for b in form.buttons):
            return http.post(form.action, data={**form.fields, "accept": ""}, timeout=30)
    return page


def sign_in_to_bridge(bridge_url: str, username: str, password: str,
                      http: requests.Session | None = None) -> tuple[requests.Session,
                                                                     requests.Response]:
    """Start at the bridge's /login, post Keycloak's form, land back on the bridge."""
    http = http or LoopbackSession()
    login_page = http.get(f"{bridge_url}/login", timeout=30)
    assert "kc-form-login" in login_page.text, login_page.text[:500]
    landed = answer_phone_challenge(http, submit_login(http, login_page, username, password))
    return http, landed


def new_phone_number() -> str:
    """A fresh valid US number, so per-number hourly caps never join two tests."""
    return f"608-{secrets.randbelow(800) + 200}-{secrets.randbelow(9000) + 1000}"


def e164(us_number: str) -> str:
    return "+1" + "".join(ch for ch in us_number if ch.isdigit())


def enroll_phone(http: requests.Session, page: requests.Response, outbox: Outbox,
                 number: str, method: str = "sms") -> requests.Response:
    """Keycloak's phone-verification required action: Request Code, Verify Code, Continue."""
    form = form_by_id(page.text, page.url, "kc-phone-form")
    sent = outbox.count(e164(number), channel=method)
    requested = http.post(form.action, data={"method": method, "phone": number,
                                             "action": "request"}, timeout=30)
    code = outbox.latest(e164(number), channel=method, after=sent).code
    form = form_by_id(requested.text, requested.url, "kc-phone-form")
    verified = http.post(form.action, data={"method": method, "phone": number, "code": code,
                                            "action": "verify"}, timeout=30)
    assert "enrolled successfully" in verified.text, verified.text[:3000]
    form = form_by_id(verified.text, verified.url, "kc-phone-form")
    return http.post(form.action, data={"action": "continue"}, timeout=30)


def finish_required_actions(http: requests.Session, page: requests.Response, bridge_url: str,
                            outbox: Outbox | None = None, phone: str | None = None,
                            method: str = "sms") -> requests.Response:
    """Answer Keycloak's required-action pages (phone setup, terms) until it sends the user
    back to the bridge."""
    for _ in range(10):
        if page.url.startswith(bridge_url):
            return page
        if 'id="kc-phone-form"' in page.text:
            assert outbox is not None, "phone verification needs the outbox"
            page = enroll_phone(http, page, outbox, phone or new_phone_number(), method)
            continue
        accepted = accept_terms_if_asked(http, page)
        if accepted is page:
            raise AssertionError(f"stuck on a Keycloak page: {page.url}\n{page.text[:800]}")
        page = accepted
    raise AssertionError("too many Keycloak pages")
