"""A person's second factors through the real bridge and the real Keycloak, over plain HTTP as
a browser would: an authenticator app (codes computed with pyotp), recovery codes, "Try
Another Way" at sign-in."""

from __future__ import annotations

import html
import re
import time
from dataclasses import dataclass

import pyotp
import requests
from flask import Flask
from sqlalchemy import func, select

from idp_bridge.extensions import db
from idp_bridge.keycloak.extension import get_gateway
from idp_bridge.mail.deliverer import deliver_due
from idp_bridge.mail.models import OutboundEmail
from idp_bridge.notices import collect
from idp_bridge.outbox import Outbox
from tests.support.consoles import csrf_of, email
from tests.support.forms import form_by_id
from tests.support.keycloak_login import (
    LoopbackSession,
    e164,
    enroll_phone,
    new_phone_number,
    phone_code_for,
    submit_login,
)
from tests.support.stack import KeycloakHandle
from tests.support.waiting import wait_until
from tests.support.wizard import PASSWORD


@dataclass
class Person:
    email: str
    user_id: str
    phone: str  # E.164
    site: str  # the brand's address of the bridge they use


def visible(page: requests.Response) -> str:
    """The page's words, tags dropped, entities decoded, spaces collapsed."""
    body = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", page.text)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body)))


def new_person(keycloak: KeycloakHandle, site: str, outbox: Outbox, brand: str,
               prefix: str = "factors") -> tuple[LoopbackSession, Person]:
    """A login of ``brand`` who enrolled a phone at first sign-in (the guides' path) and is
    now signed in to the bridge at ``site``."""
    address = email(prefix)
    user_id = keycloak.gateway.create_user(address, "Robin", "Factor", {"brand": brand},
                                           required_actions=["phone-verification"])
    keycloak.gateway.set_password(user_id, PASSWORD)
    http = LoopbackSession()
    number = new_phone_number()
    page = submit_login(http, http.get(f"{site}/login", timeout=30), address, PASSWORD)
    landed = enroll_phone(http, page, outbox, number)
    assert landed.url.startswith(site), landed.url
    return http, Person(address, user_id, e164(number), site)


def csrf(page: requests.Response) -> str:
    return csrf_of(page.text)


def security_action(http: requests.Session, site: str, path: str) -> requests.Response:
    """Press a button of the Security section (a CSRF-protected POST) and follow it."""
    home = http.get(f"{site}/", timeout=30)
    return http.post(f"{site}{path}", data={"csrf_token": csrf(home)}, timeout=30)


def set_up_app(http: requests.Session, page: requests.Response) -> tuple[requests.Response, str]:
    """Keycloak's "Mobile Authenticator Setup": read the secret ("Unable to scan?"), type the
    app's current code. Returns the page after and the secret."""
    manual = re.search(r'href="([^"]*mode=manual[^"]*)"', page.text)
    if manual:
        page = http.get(requests.compat.urljoin(page.url, html.unescape(manual.group(1))),
                        timeout=30)
    found = re.search(r'id="kc-totp-secret-key"[^>]*>([A-Z2-7 ]+)<', page.text)
    assert found, visible(page)[:2000]
    secret = found.group(1).replace(" ", "")
    form = form_by_id(page.text, page.url, "kc-totp-settings-form")
    done = http.post(form.action, data={**form.fields, "totp": app_code(secret),
                                        "userLabel": "Work phone app"}, timeout=30)
    return done, secret


def save_recovery_codes(http: requests.Session,
                        page: requests.Response) -> tuple[requests.Response, list[str]]:
    """Keycloak's recovery-codes page: the codes shown, then "I have saved these codes"."""
    listed = re.search(r'id="kc-recovery-codes-list"[^>]*>(.*?)</ol>', page.text, re.S)
    assert listed, visible(page)[:2000]
    codes = [c.strip() for c in re.findall(r"<li>([^<]+)</li>", listed.group(1))]
    form = form_by_id(page.text, page.url, "kc-recovery-codes-settings-form")
    fields = {k: v for k, v in form.fields.items() if k != "cancel-aia"}
    return http.post(form.action, data=fields, timeout=30), codes


def password_step(site: str, who: str) -> tuple[LoopbackSession, requests.Response]:
    """A new browser signs in with the password: the page of the second step."""
    http = LoopbackSession()
    page = submit_login(http, http.get(f"{site}/login", timeout=30), who, PASSWORD)
    return http, page


def try_another_way(http: requests.Session, page: requests.Response,
                    option: str) -> requests.Response:
    """"Try Another Way", then the option whose words contain ``option``."""
    form = form_by_id(page.text, page.url, "kc-select-try-another-way-form")
    choices = http.post(form.action, data={**form.fields, "tryAnotherWay": "on"}, timeout=30)
    executions = re.findall(r'name="authenticationExecution" value="([^"]+)"', choices.text)
    chunks = re.split(r'name="authenticationExecution"', choices.text)[1:]
    picked = [e for e, chunk in zip(executions, chunks, strict=True)
              if option.lower() in visible_html(chunk.split("</li>")[0]).lower()]
    assert picked, f"no '{option}' among the choices: {visible(choices)[:1500]}"
    action = re.search(r'<form id="kc-select-credential-form"[^>]*action="([^"]+)"',
                       choices.text)
    assert action
    return http.post(requests.compat.urljoin(choices.url, html.unescape(action.group(1))),
                     data={"authenticationExecution": picked[0]}, timeout=30)


def visible_html(fragment: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", fragment)))


# Keycloak's app codes (RFC 6238): a new one every 30 s, each accepted once.
APP_STEP = 30
# What a code has left of its 30 s when it is typed: one request, even on a loaded machine.
APP_MARGIN = 10
_last_window: dict[str, int] = {}  # per secret, the window of the last code typed


def app_code(secret: str) -> str:
    """The code the app shows, as a person types it: in a window Keycloak has not seen a code
    of (each code works once) and with APP_MARGIN seconds left, so Keycloak checks it in the
    window it was made for (or, on a very slow request, the next, which still accepts the one
    before). Waits for the next window when needed (up to 40 s), never on the realm's
    look-around window."""
    def fresh_window() -> int:
        now = time.time()
        window = int(now // APP_STEP)
        left = (window + 1) * APP_STEP - now
        return window if window > _last_window.get(secret, -1) and left >= APP_MARGIN else 0

    window = wait_until(fresh_window, 2 * APP_STEP, every=0.2, what="a fresh app-code window")
    _last_window[secret] = window
    return pyotp.TOTP(secret).at(window * APP_STEP)


def wrong_app_code(secret: str) -> str:
    """Six digits that are no code of the app's windows around now."""
    totp, now = pyotp.TOTP(secret), time.time()
    near = {totp.at(now + step * APP_STEP) for step in (-1, 0, 1, 2)}
    return next(c for c in ("000000", "111111", "222222", "333333", "444444") if c not in near)


def answer_app(http: requests.Session, page: requests.Response, code: str) -> requests.Response:
    form = form_by_id(page.text, page.url, "kc-otp-login-form")
    return http.post(form.action, data={**form.fields, "otp": code}, timeout=30)


def recovery_code_asked(page: requests.Response) -> int:
    """Which code Keycloak asks for ("Recovery code #3"): they are used in order."""
    found = re.search(r"#\s*(\d+)", visible(page))
    assert found and 'id="kc-recovery-code-login-form"' in page.text, visible(page)[:1500]
    return int(found.group(1))


def answer_recovery_code(http: requests.Session, page: requests.Response,
                         code: str) -> requests.Response:
    form = form_by_id(page.text, page.url, "kc-recovery-code-login-form")
    return http.post(form.action, data={**form.fields, "recoveryCodeInput": code}, timeout=30)


def answer_phone(http: requests.Session, page: requests.Response,
                 outbox: Outbox) -> requests.Response:
    form = form_by_id(page.text, page.url, "kc-phone-code-form")
    return http.post(form.action, data={"code": phone_code_for(page.text, outbox),
                                        "action": "verify"}, timeout=30)


def enroll_new_phone(http: requests.Session, page: requests.Response,
                     outbox: Outbox) -> requests.Response:
    """The guides' phone enrollment with a new number. The phone page this sign-in showed
    first (before "Try Another Way") sent a code moments ago, so the sign-in's resend wait
    may still run: wait as long as the page says, as a person would."""
    form = form_by_id(page.text, page.url, "kc-phone-form")
    number = new_phone_number()
    for _ in range(5):
        sent = outbox.count(e164(number), channel="sms")
        asked = http.post(form.action, data={"method": "sms", "phone": number,
                                             "action": "request"}, timeout=30)
        wait = re.search(r"[Ww]ait (\d+) seconds?", visible(asked))
        if not wait:
            break
        time.sleep(int(wait.group(1)) + 1)  # the page says how long; nothing else signals its end
        form = form_by_id(asked.text, asked.url, "kc-phone-form")
    try:
        code = outbox.latest(e164(number), channel="sms", after=sent).code
    except LookupError as missing:
        raise AssertionError(f"no code sent: {visible(asked)[:1500]}") from missing
    form = form_by_id(asked.text, asked.url, "kc-phone-form")
    verified = http.post(form.action, data={"method": "sms", "phone": number, "code": code,
                                            "action": "verify"}, timeout=30)
    assert "enrolled successfully" in verified.text, visible(verified)[:2000]
    form = form_by_id(verified.text, verified.url, "kc-phone-form")
    return http.post(form.action, data={"action": "continue"}, timeout=30)


def failure_recorded(keycloak: KeycloakHandle, user_id: str) -> None:
    """Until Keycloak has recorded the wrong answer just given. Its brute-force protector
    allows one attempt per person at a time and holds the person until a background job has
    written the failure: a right answer typed back to back (no person is that quick) would
    be refused as "Invalid username or password." (user_temporarily_disabled)."""
    def counted() -> bool:
        status = keycloak.admin.get_bruteforce_detection_status(user_id)
        return (status.get("numFailures", 0) + status.get("numSecondaryAuthFailures", 0)) > 0

    wait_until(counted, 30, every=0.1, what="Keycloak recording the failure")


def _nothing_waiting_for(address: str) -> bool:
    waiting = db.session.scalar(select(func.count()).select_from(OutboundEmail).where(
        OutboundEmail.to == address, OutboundEmail.status == "pending"))
    db.session.rollback()  # the next look reads the deliverer's commits
    return waiting == 0


def notices_for(outbox: Outbox, live_app: Flask, address: str) -> list[str]:
    """Collect Keycloak's new events as the scheduler's step does, deliver the mail, and
    return the first line of each security notice this person has received."""
    with live_app.app_context():
        collect(get_gateway())
        deliver_due(limit=10_000)
        # The stack's own deliverer thread may have taken a notice first (deliver_due skips
        # what it holds): done once none of this person's mail is still waiting.
        wait_until(lambda: _nothing_waiting_for(address), 60, every=0.1,
                   what=f"mail to {address} delivered")
    return [m.body.replace("\r\n", "\n").split("\n\n")[1]
            for m in outbox.messages(to=address, channel="email")
            if (m.subject or "").endswith("a change to how you sign in")]
