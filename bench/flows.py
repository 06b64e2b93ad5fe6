"""The two sides, as a browser walks them over plain HTTP.

Keycloak alone: an application that talks to Keycloak directly, with the bridge's own client
(``idp-bridge``: same mappers, same redirect URI), authorization code + PKCE, and exchanges the
code itself. Through the bridge: the same person starts at the bridge's ``/login`` and is done
when the bridge's callback answers. Through the minimal relying party (bench/minimal_rp.py):
the same walk as through the bridge, starting at its ``/login``.

Redirects are followed by hand so the Keycloak-alone side never lands on the bridge.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import requests

from bench.stack import CLIENT_ID, REALM, Stack
from tests.support.forms import form_by_id, forms
from tests.support.keycloak_login import LoopbackSession, e164
from tests.support.wizard import PASSWORD  # the suite's policy-valid password

SCOPE = "openid email profile"


class TimedSession(LoopbackSession):
    """A browser-like session that notes how long each request took, by step."""

    def __init__(self, stack: Stack) -> None:
        super().__init__()
        self.stack = stack
        self.steps: dict[str, float] = defaultdict(float)

    def request(self, method: str | bytes, url: str | bytes, *args: Any,  # type: ignore[override]
                **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", 60)
        start = time.perf_counter()
        try:
            return super().request(method, url, *args, **kwargs)
        finally:
            self.steps[self.step_name(str(method), str(url))] += time.perf_counter() - start

    def step_name(self, method: str, url: str) -> str:
        path = urlsplit(url).path
        if url.startswith(self.stack.keycloak_url):
            return f"keycloak {method} {path.rsplit('/', 1)[-1]}"
        if self.stack.minimal_rp_url and url.startswith(self.stack.minimal_rp_url):
            return f"rp {method} {path}"
        return f"bridge {method} {path}"


def _walk(http: requests.Session, answer: requests.Response,
          stop: Callable[[str], bool]) -> tuple[requests.Response, str | None]:
    """Follow redirects until a page, or until the next hop is one ``stop`` wants kept."""
    for _ in range(15):
        if not answer.is_redirect:
            return answer, None
        target = urljoin(answer.url, answer.headers["Location"])
        if stop(target):
            return answer, target
        answer = http.get(target, allow_redirects=False)
    raise RuntimeError("too many redirects")


def _post_form(http: requests.Session, page: requests.Response, form_id: str,
               data: dict[str, str], stop: Callable[[str], bool]) \
        -> tuple[requests.Response, str | None]:
    form = form_by_id(page.text, page.url, form_id)
    answer = http.post(form.action, data={**form.fields, **data}, allow_redirects=False)
    return _walk(http, answer, stop)


def _new_code(stack: Stack, number: str, sent_before: int, timeout: float = 15) -> str:
    deadline = time.monotonic() + timeout
    while True:
        found = stack.outbox.messages(to=e164(number))
        if len(found) > sent_before:
            return found[-1].code or ""
        if time.monotonic() > deadline:
            raise RuntimeError(f"no phone code for {number}")
        time.sleep(0.005)


def pkce_authorize_url(stack: Stack) -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()) \
        .rstrip(b"=").decode()
    query = urlencode({"client_id": CLIENT_ID, "response_type": "code", "scope": SCOPE,
                       "redirect_uri": stack.callback_url, "state": secrets.token_urlsafe(16),
                       "nonce": secrets.token_urlsafe(16), "code_challenge": challenge,
                       "code_challenge_method": "S256"})
    return (f"{stack.keycloak_url}/realms/{REALM}/protocol/openid-connect/auth?{query}",
            verifier)


def exchange_code(stack: Stack, http: requests.Session, callback: str, verifier: str) -> None:
    code = parse_qs(urlsplit(callback).query)["code"][0]
    answer = http.post(
        f"{stack.keycloak_url}/realms/{REALM}/protocol/openid-connect/token",
        data={"grant_type": "authorization_code", "code": code,
              "redirect_uri": stack.callback_url, "client_id": CLIENT_ID,
              "client_secret": stack.env["IDP_CLIENT_SECRET"], "code_verifier": verifier})
    answer.raise_for_status()
    assert "id_token" in answer.json()


# Sign-in: password, then the phone code --------------------------------------------------


def _password_and_phone(stack: Stack, http: requests.Session, login_page: requests.Response,
                        user: dict[str, str], stop: Callable[[str], bool]) -> str:
    sent = len(stack.outbox.messages(to=e164(user["phone"])))
    page, done = _post_form(http, login_page, "kc-form-login",
                            {"username": user["email"], "password": PASSWORD}, stop)
    assert done is None and 'id="kc-phone-code-form"' in page.text, \
        f"after the password, not the phone code: {page.url} {feedback(page.text)}"
    code = _new_code(stack, user["phone"], sent)
    page, done = _post_form(http, page, "kc-phone-code-form",
                            {"code": code, "action": "verify"}, stop)
    assert done is not None, page.text[:500]
    return done


def sign_in_keycloak_alone(stack: Stack, user: dict[str, str]) -> dict[str, float]:
    http = TimedSession(stack)
    url, verifier = pkce_authorize_url(stack)
    login_page, _ = _walk(http, http.get(url, allow_redirects=False, timeout=60),
                          lambda u: False)
    callback = _password_and_phone(stack, http, login_page, user,
                                   lambda u: u.startswith(stack.callback_url))
    exchange_code(stack, http, callback, verifier)
    return http.steps


def sign_in_through_bridge(stack: Stack, user: dict[str, str]) -> dict[str, float]:
    http = TimedSession(stack)
    login_page, _ = _walk(http, http.get(f"{stack.bridge_url}/login", allow_redirects=False,
                                         timeout=60), lambda u: False)
    callback = _password_and_phone(stack, http, login_page, user,
                                   lambda u: u.startswith(stack.callback_url))
    answer = http.get(callback, allow_redirects=False, timeout=60)  # the bridge's work
    assert answer.status_code in (302, 303), answer.text[:500]
    return http.steps


def sign_in_through_minimal_rp(stack: Stack, user: dict[str, str], confirm: bool = False,
                               durable: bool = False) -> dict[str, float]:
    """As ``sign_in_through_bridge``, through the minimal relying party (``durable``: the one
    keeping its session in the database); ``confirm``: also open its home page and check it
    names the person (the warm-up does, once per person)."""
    rp = stack.durable_rp_url if durable else stack.minimal_rp_url
    assert rp is not None, "bench.stack.start_minimal_rp first"
    http = TimedSession(stack)
    login_page, _ = _walk(http, http.get(f"{rp}/login", allow_redirects=False, timeout=60),
                          lambda u: False)
    callback = _password_and_phone(stack, http, login_page, user,
                                   lambda u: u.startswith(f"{rp}/auth/callback"))
    answer = http.get(callback, allow_redirects=False, timeout=60)  # the RP's work
    assert answer.status_code in (302, 303), answer.text[:500]
    if confirm:
        home = http.get(f"{rp}/", timeout=60)
        assert home.text == f"Signed in as {user['email']}", home.text[:300]
        http.steps.pop("rp GET /", None)
    return http.steps


# First sign-in: phone enrollment and the terms ----------------------------------------------


def enroll_phone(stack: Stack, http: requests.Session, page: requests.Response,
                 number: str, stop: Callable[[str], bool]) -> tuple[requests.Response,
                                                                    str | None]:
    """Keycloak's phone-verification required action: Request Code, Verify Code, Continue."""
    sent = len(stack.outbox.messages(to=e164(number)))
    page, _ = _post_form(http, page, "kc-phone-form",
                         {"method": "sms", "phone": number, "action": "request"}, stop)
    code = _new_code(stack, number, sent)
    page, _ = _post_form(http, page, "kc-phone-form", {"method": "sms", "phone": number,
                                                       "code": code, "action": "verify"}, stop)
    assert "enrolled successfully" in page.text, page.text[:1500]
    return _post_form(http, page, "kc-phone-form", {"action": "continue"}, stop)


def finish_first_sign_in(stack: Stack, http: requests.Session, page: requests.Response,
                         number: str, stop: Callable[[str], bool]) -> str:
    """Answer the required actions (phone, terms) until Keycloak redirects to the client."""
    for _ in range(6):
        if 'id="kc-phone-form"' in page.text:
            page, done = enroll_phone(stack, http, page, number, stop)
        else:
            accept = next((f for f in forms(page.text, page.url)
                           if any(b.get("name") == "accept" for b in f.buttons)), None)
            assert accept is not None, f"stuck on {page.url}: {page.text[:800]}"
            answer = http.post(accept.action, data={**accept.fields, "accept": ""},
                               allow_redirects=False)
            page, done = _walk(http, answer, stop)
        if done is not None:
            return done
    raise RuntimeError("too many required actions")


def first_sign_in_keycloak_alone(stack: Stack, http: requests.Session, email: str,
                                 number: str) -> None:
    url, verifier = pkce_authorize_url(stack)
    stop = lambda u: u.startswith(stack.callback_url)  # noqa: E731
    login_page, _ = _walk(http, http.get(url, allow_redirects=False), stop)
    page, done = _post_form(http, login_page, "kc-form-login",
                            {"username": email, "password": PASSWORD}, stop)
    callback = done or finish_first_sign_in(stack, http, page, number, stop)
    exchange_code(stack, http, callback, verifier)


def feedback(page_text: str) -> str:
    """Keycloak's message on a page (error or info), for a failure report."""
    found = re.findall(r'class="[^"]*(?:alert|feedback|error)[^"]*"[^>]*>\s*([^<]{3,200})',
                       page_text)
    return " | ".join(f.strip() for f in found)[:400] or page_text[:300]


def masked_digits(page_text: str) -> str | None:
    found = re.search(r"\*\*\*-\*\*\*-(\d{4})", page_text)
    return found.group(1) if found else None
