"""Drive Keycloak's real login pages over plain HTTP, as a browser would (no bridge needed).

Logins start at the account console's authorization request (public client
``account-console``, PKCE), so the user lands back on ``/realms/<realm>/account/`` with a code.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import re
import secrets
import struct
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin

import requests

from tests.support.keycloak_login import LoopbackSession
from tests.support.waiting import wait_until

PASSWORD = "Portal-Pass1!"


@dataclass
class Form:
    id: str
    action: str
    fields: dict[str, str] = field(default_factory=dict)  # hidden inputs (and checked radios)
    buttons: list[dict[str, str]] = field(default_factory=list)


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._current: Form | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            self._current = Form(a.get("id", ""), a.get("action", ""))
            self.forms.append(self._current)
        elif self._current is not None and tag == "input":
            kind = a.get("type", "text")
            if kind == "hidden" or (kind == "radio" and "checked" in a):
                self._current.fields[a.get("name", "")] = a.get("value", "")
        elif self._current is not None and tag == "button":
            self._current.buttons.append(a)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None


def forms(page: requests.Response) -> list[Form]:
    parser = _FormParser()
    parser.feed(page.text)
    for form in parser.forms:
        form.action = urljoin(page.url, form.action)
    return parser.forms


def form(page: requests.Response, form_id: str) -> Form:
    for found in forms(page):
        if found.id == form_id:
            return found
    raise AssertionError(f"no form #{form_id} on {page.url}:\n{page.text[:3000]}")


def text(page: requests.Response) -> str:
    """The page's visible words, tags dropped and entities decoded, spaces collapsed."""
    body = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", page.text)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body)))


def alert(page: requests.Response) -> str:
    """The message Keycloak shows above the form (error, info or success), or ''."""
    found = re.search(r'class="[^"]*kc-feedback-text[^"]*">(.*?)</span>', page.text, re.S)
    return html.unescape(found.group(1)).strip() if found else ""


class Browser(LoopbackSession):
    """One person's browser: cookies (sent to loopback even when Secure, as browsers do), a
    login started at the account console."""

    def __init__(self, base_url: str, realm: str) -> None:
        super().__init__()
        self.base_url = base_url
        self.realm = realm
        self.account_url = f"{base_url}/realms/{realm}/account/"

    def login_page(self) -> requests.Response:
        verifier = secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(
            hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        page = self.get(f"{self.base_url}/realms/{self.realm}/protocol/openid-connect/auth",
                        params={"client_id": "account-console", "redirect_uri": self.account_url,
                                "response_type": "code", "scope": "openid",
                                "state": secrets.token_hex(8), "nonce": secrets.token_hex(8),
                                "code_challenge": challenge, "code_challenge_method": "S256"},
                        timeout=30)
        assert page.status_code == 200, page.text[:500]
        return page

    def sign_in(self, email: str, password: str = PASSWORD) -> requests.Response:
        page = self.login_page()
        login = form(page, "kc-form-login")
        return self.post(login.action, data={**login.fields, "username": email,
                                             "password": password}, timeout=30)

    def submit(self, page: requests.Response, form_id: str, **data: str) -> requests.Response:
        found = form(page, form_id)
        return self.post(found.action, data={**found.fields, **data}, timeout=30)

    def landed(self, page: requests.Response) -> bool:
        """Back at the account console with an authorization code: signed in."""
        return page.url.startswith(self.account_url) and "code=" in page.url


def new_number() -> tuple[str, str]:
    """A fresh US number as a person types it, and its E.164 form (608 area, 2xx-9xx
    exchange), so hourly per-number caps never join two tests."""
    exchange = secrets.randbelow(800) + 200
    line = secrets.randbelow(10000)
    return f"608-{exchange}-{line:04d}", f"+1608{exchange}{line:04d}"


def wait_for_code(outbox: Any, to: str, seen: int, channel: str | None = None,
                  timeout: float = 30.0) -> str:
    """The code of the first message to ``to`` after the ``seen`` ones already there."""
    found = wait_until(lambda: outbox.messages(to=to, channel=channel)[seen:], timeout,
                       what=f"a new message to {to}")
    code = found[0].code
    assert code, found[0].body
    return str(code)


def count(outbox: Any, to: str) -> int:
    return len(outbox.messages(to=to))


def assert_nothing_sent(outbox: Any, to: str, seen: int) -> None:
    """No text or call went to ``to`` since ``seen`` were there. The plugin sends inside the
    request that asks for a code (the dev sender's file is in place before Keycloak answers:
    the enrollment test reads it at once), so the answer already received is the barrier;
    there is nothing later to wait for."""
    assert count(outbox, to) == seen, outbox.messages(to=to)[seen:]


def wrong_code(*codes: str) -> str:
    for i in range(10):
        candidate = str(i) * 6
        if candidate not in codes:
            return candidate
    raise AssertionError("unreachable")


def totp(secret: str, at: float | None = None) -> str:
    """RFC 6238 (HMAC-SHA1, 30 s, 6 digits): Keycloak's default OTP policy."""
    compact = secret.replace(" ", "").upper()
    key = base64.b32decode(compact + "=" * (-len(compact) % 8))
    counter = int((time.time() if at is None else at) // 30)
    digest = hmac.new(key, struct.pack(">Q", counter), "sha1").digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF
    return f"{number % 1_000_000:06d}"


@contextmanager
def realm_attributes(admin: Any, realm: str, **values: str) -> Iterator[None]:
    """Set realm attributes (the plugin reads its limits from them on every request) and
    put each back afterwards. Keycloak keeps attributes an update leaves out, so one the realm
    did not have is written back blank, which the plugin reads as "the deployment's value"
    (tests/support/realm_rules.py does the same for the portal's rules)."""
    before = dict(admin.get_realm(realm).get("attributes") or {})
    admin.update_realm(realm, {"attributes": {**before, **values}})
    try:
        yield
    finally:
        restored = {name: before.get(name, "") for name in values}
        admin.update_realm(realm, {"attributes": {**before, **restored}})


@contextmanager
def login_theme(admin: Any, realm: str, theme: str) -> Iterator[None]:
    before = admin.get_realm(realm).get("loginTheme")
    admin.update_realm(realm, {"loginTheme": theme})
    try:
        yield
    finally:
        admin.update_realm(realm, {"loginTheme": before})


# People and their steps (shared by the plugin's test modules) ------------------------------


def new_user(keycloak: Any, actions: list[str] | None = None) -> tuple[str, str]:
    email = f"phone-{uuid.uuid4().hex[:10]}@clinic.test"
    user_id = keycloak.admin.create_user({"username": email, "email": email, "enabled": True,
                                          "emailVerified": True, "firstName": "Lee",
                                          "lastName": "Phone"})
    keycloak.admin.set_user_password(user_id, PASSWORD, temporary=False)
    if actions is not None:  # instead of the realm's default actions
        keycloak.admin.update_user(user_id, {"requiredActions": actions})
    return email, user_id


def browser(keycloak: Any) -> Browser:
    return Browser(keycloak.base_url, keycloak.realm)


def request_code(http: Browser, page: requests.Response, method: str,
                 typed: str) -> requests.Response:
    return http.submit(page, "kc-phone-form", method=method, phone=typed, action="request")


def enroll(http: Browser, page: requests.Response, outbox: Any, method: str = "sms",
           number: tuple[str, str] | None = None) -> tuple[requests.Response, str]:
    """Request Code, read it from the outbox, Verify Code, Continue: the page after."""
    typed, e164 = number or new_number()
    seen = count(outbox, e164)
    sent = request_code(http, page, method, typed)
    code = wait_for_code(outbox, e164, seen, channel=method)
    done = http.submit(sent, "kc-phone-form", method=method, phone=typed, code=code,
                       action="verify")
    assert "enrolled successfully" in alert(done), alert(done) or text(done)[:2000]
    return http.submit(done, "kc-phone-form", action="continue"), e164


def accept_terms(http: Browser, page: requests.Response) -> requests.Response:
    return http.submit(page, "kc-terms-form", accept="")


def enrolled_user(keycloak: Any, outbox: Any, method: str = "sms") -> tuple[str, str, str]:
    """A user who enrolled a phone and accepted the terms at first sign-in."""
    email, user_id = new_user(keycloak)
    http = browser(keycloak)
    after, e164 = enroll(http, http.sign_in(email), outbox, method)
    assert http.landed(accept_terms(http, after))
    return email, user_id, e164


def challenged(keycloak: Any, outbox: Any, email: str,
               e164: str) -> tuple[Browser, requests.Response, str]:
    """A new sign-in up to the phone-code page; the code it sent."""
    http = browser(keycloak)
    seen = count(outbox, e164)
    page = http.sign_in(email)
    assert 'id="kc-phone-code-form"' in page.text, text(page)[:2000]
    return http, page, wait_for_code(outbox, e164, seen)


def verify(http: Browser, page: requests.Response, code: str) -> requests.Response:
    return http.submit(page, "kc-phone-code-form", code=code, action="verify")
