"""The thinnest reasonable Flask registration wizard, for the registration benchmark's third
side (issue 26): the floor under the bridge's own CPU per registration, as
bench/minimal_rp.py is for a sign-in. Part of the minimal RP's app (``minimal_rp.create_app``
adds these routes).

It makes what the bridge's wizard makes of every other server, on the bridge's own paths and
with its form fields, so the benchmark's client drives both alike:

- the same 13 requests (``/register``, Account, Individual Enrollment's Send Code, Verify and
  Continue, Password Setup, the hand-off page, the callback, ``/finish``, ``/complete``);
- the same Keycloak calls: two searches by email (Verify, Continue), create the login with the
  bridge's attributes, set its password, the registration hand-off into Keycloak's phone
  enrollment and terms, the code exchange with its ID-token check, and reading the login back
  at the end;
- the same three emails over SMTP: the emailed code, the registrant's confirmation and the
  Site Administrator's "awaits review".

What it leaves out is what makes the bridge a system of record, and no real wizard could:
no database (the draft, the CSRF token and the code's hash live in Flask's signed-cookie
session), no registry or organization lookup (an NPI passes on its check digit, a TIN on its
nine digits), no membership, audit, outbox or rate limits, no retry after a failure, and pages
of a few lines. Its figure is a floor, not a design.

Given a ``store`` (bench/minimal_store.py: the minimal RP's MINIMAL_RP_DATABASE), the same
wizard keeps what a system of record must, in plain statements: its session and draft in a
row, the organization looked up, rate counters, mail through an outbox, the membership, the
terms and an audit chain. That is the *durable* minimal wizard, the benchmark's fourth side.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import smtplib
import threading
import time
from collections.abc import Mapping
from email.message import EmailMessage
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests
from flask import Flask, abort, current_app, redirect, render_template, request, session
from stdnum import luhn
from werkzeug.wrappers import Response

from bench import minimal_store
from bench.minimal_store import Database

SITE_ADMIN = "boss@clinic.test"  # the seeded organization's Site Administrator (bench)
EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]{1,190}\.[A-Za-z]{2,}")
PHONE = re.compile(r"\d{3}-\d{3}-\d{4}")

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{{ title }}</title></head><body><main><h1>{{ title }}</h1>
{% if message %}<p role="status">{{ message }}</p>{% endif %}
{% if fields is not none %}<form method="post">
<input type="hidden" name="csrf_token" value="{{ csrf }}">
{% for name, value in fields.items() %}<label>{{ name }}
<input name="{{ name }}" value="{{ value }}"></label>{% endfor %}
<button type="submit" name="action" value="continue">Continue</button></form>{% endif %}
</main></body></html>"""

HANDOFF = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Continue</title></head><body><form method="post" action="{{ action }}"
id="handoff-form">{% for name, value in fields.items() %}
<input type="hidden" name="{{ name }}" value="{{ value }}">{% endfor %}
<button type="submit">Continue</button></form></body></html>"""

PERSON = ("first_name", "last_name", "phone", "job_title", "email", "opt_in")
STEPS: dict[str, tuple[str, ...] | None] = {  # each page's form fields, named as the bridge's
    "account": ("account_type", "npi", "tin"),
    "individual": (*PERSON, "email_code"),
    "password": ("password", "confirm_password"),
    "complete": None,
}


class KeycloakAdmin:
    """The admin API with the client's service account: one token per worker, renewed a
    little before it expires; one keep-alive HTTP session."""

    def __init__(self, issuer: str, client_id: str, client_secret: str) -> None:
        self.issuer = issuer.rstrip("/")
        base, _, realm = self.issuer.partition("/realms/")
        self.admin = f"{base}/admin/realms/{realm}"
        self.credentials = {"grant_type": "client_credentials", "client_id": client_id,
                            "client_secret": client_secret}
        self.http = requests.Session()
        self._token: tuple[str, float] | None = None
        self._lock = threading.Lock()

    def _bearer(self) -> dict[str, str]:
        with self._lock:
            if self._token is None or self._token[1] < time.monotonic():
                answer = self.http.post(f"{self.issuer}/protocol/openid-connect/token",
                                        data=self.credentials, timeout=10)
                answer.raise_for_status()
                body = answer.json()
                self._token = (body["access_token"],
                               time.monotonic() + body["expires_in"] - 30)
            return {"Authorization": f"Bearer {self._token[0]}"}

    def call(self, method: str, path: str, body: Any = None, url: str | None = None,
             **params: str) -> requests.Response:
        answer = self.http.request(method, url or f"{self.admin}{path}", json=body,
                                   params=params or None, headers=self._bearer(), timeout=10)
        answer.raise_for_status()
        return answer


def _npi_ok(npi: str) -> bool:
    """Ten digits whose last is the Luhn check digit over the 80840 prefix (python-stdnum's
    Luhn, as the bridge checks it; nothing of the bridge's is imported here)."""
    return re.fullmatch(r"\d{10}", npi) is not None and luhn.is_valid("80840" + npi)


def send_mail(env: Mapping[str, str], messages: list[tuple[str, str, str]]) -> None:
    with smtplib.SMTP(env["MINIMAL_RP_SMTP_HOST"], int(env["MINIMAL_RP_SMTP_PORT"]),
                      timeout=10) as smtp:
        for to, subject, body in messages:
            mail = EmailMessage()
            mail["From"], mail["To"], mail["Subject"] = "portal@plan.test", to, subject
            mail.set_content(body)
            smtp.send_message(mail)


def _code_hash(code: str) -> str:
    """Keyed with the app's secret: the cookie is signed, not encrypted, so its holder reads
    what is in it."""
    key = f"{current_app.config['SECRET_KEY']}:{session['csrf']}".encode()
    return hmac.new(key, code.encode(), hashlib.sha256).hexdigest()


def add_wizard(app: Flask, keycloak: Any, env: Mapping[str, str], callback_url: str,
               store: Database | None = None) -> None:
    """The wizard's routes on the minimal RP's ``app`` (which checked ``env`` holds the
    settings); ``keycloak`` its authlib client; ``store``: the durable wizard's database."""
    admin = KeycloakAdmin(env["MINIMAL_RP_ISSUER"], env["MINIMAL_RP_CLIENT_ID"],
                          env["MINIMAL_RP_CLIENT_SECRET"])
    # Compiled once, as Flask keeps a template file (render_template_string compiles its
    # source again at every call).
    page_template, handoff_template = (app.jinja_env.from_string(source)
                                       for source in (PAGE, HANDOFF))

    def page(step: str, message: str = "", status: int = 200) -> tuple[str, int]:
        names = STEPS[step]
        typed = session.get("person", {}) if step == "individual" else {}
        fields = None if names is None else {
            n: request.form.get(n, typed.get(n, "")) for n in names
            if n not in ("password", "confirm_password", "email_code")}
        return render_template(page_template, title=step.title(), message=message,
                               fields=fields, csrf=session["csrf"]), status

    def at(step: str) -> bool:
        return session.get("step") == step

    @app.before_request
    def check_csrf() -> None:
        if request.method == "POST" and request.path.startswith("/register/") and not (
                hmac.compare_digest(request.form.get("csrf_token", ""),
                                    session.get("csrf", "-"))):
            abort(400)

    @app.get("/register")
    def start() -> Response:
        session.update(step="account", csrf=secrets.token_urlsafe(32))
        session.pop("person", None)
        return redirect("/register/account")

    @app.get("/register/<step>")
    def show(step: str) -> Any:
        if step not in STEPS or not at(step):
            return redirect("/register")
        return page(step)

    @app.post("/register/account")
    def account() -> Any:
        form = request.form
        if not at("account"):
            return redirect("/register")
        if form.get("account_type") != "individual" or not _npi_ok(form.get("npi", "")) \
                or not re.fullmatch(r"\d{2}-?\d{7}", form.get("tin", "")):
            return page("account", "Check the NPI and TIN.", 422)
        if store is not None:
            tin = form["tin"].replace("-", "")
            found = minimal_store.organization(store, form["npi"], tin)
            if found is None:
                minimal_store.counted(store, [f"pair:{request.remote_addr}",
                                              f"pair-npi:{form['npi']}"],
                                      minimal_store.PAIR_MISSES_PER_HOUR)
                return page("account", "Check the NPI and TIN.", 422)
            session["organization_id"] = found
        session.update(step="individual", npi=form["npi"])
        return redirect("/register/individual")

    @app.post("/register/individual")
    def individual() -> Any:
        form = request.form
        if not at("individual"):
            return redirect("/register")
        person = {n: form.get(n, "")[:100] for n in PERSON}
        if not (person["first_name"] and person["last_name"] and PHONE.fullmatch(
                person["phone"]) and EMAIL.fullmatch(person["email"])):
            return page("individual", "Check the fields.", 422)
        session["person"] = person
        action = form.get("action")
        if action == "send_code":
            code = f"{secrets.randbelow(10**6):06d}"
            session.update(code=_code_hash(code), verified="", wrong_tries=0)
            mail = [(person["email"], "Your code", f"Your code is {code}.")]
            if store is None:
                send_mail(env, mail)
            elif minimal_store.counted(store, [f"code:{request.remote_addr}",
                                               f"code:{person['email']}"],
                                       minimal_store.CODE_SENDS_PER_HOUR):
                minimal_store.queue(store, mail)
            else:
                return page("individual", "Too many codes; try again later.", 429)
            return page("individual", "We sent a code.")
        if action == "verify_code":
            if not hmac.compare_digest(_code_hash(form.get("email_code", "")),
                                       session.get("code", "")):
                # Counted in the locked row; the signed cookie could be replayed instead.
                session["wrong_tries"] = session.get("wrong_tries", 0) + 1
                if session["wrong_tries"] >= 5:
                    session["code"] = ""
                return page("individual", "That code is not right.", 422)
            if admin.call("GET", "/users", email=person["email"], exact="true").json():
                return page("individual", "An account already has this email.", 422)
            session.update(verified=person["email"], code="")
            return page("individual", "Email validated.")
        if session.get("verified") != person["email"]:
            return page("individual", "Verify your email first.", 422)
        if admin.call("GET", "/users", email=person["email"], exact="true").json():
            return page("individual", "An account already has this email.", 422)
        session["step"] = "password"
        return redirect("/register/password")

    @app.post("/register/password")
    def password() -> Any:
        form, person = request.form, session.get("person", {})
        if not at("password"):
            return redirect("/register")
        if not form.get("password") or form.get("password") != form.get("confirm_password"):
            return page("password", "The passwords differ.", 422)
        created = admin.call("POST", "/users", {
            "username": person["email"], "email": person["email"], "emailVerified": True,
            "firstName": person["first_name"], "lastName": person["last_name"],
            "enabled": True, "attributes": {
                "work_phone": [person["phone"]], "job_title": [person["job_title"]],
                "communications_opt_in": [person["opt_in"]], "brand": ["dean"],
                "registration_pending": ["true"]}})
        user_id = created.headers["Location"].rsplit("/", 1)[-1]
        admin.call("PUT", f"/users/{user_id}/reset-password",
                   {"type": "password", "value": form["password"], "temporary": False})
        session.update(step="sign_in", user_id=user_id)
        return redirect("/register/handoff")

    @app.get("/register/handoff")
    def handoff() -> Any:
        if not at("sign_in"):
            return redirect("/register")
        started = keycloak.create_authorization_url(callback_url)
        keycloak.save_authorize_data(redirect_uri=callback_url, **started)
        query = dict(parse_qsl(urlsplit(started["url"]).query))
        carried = {k: query[k] for k in (
            "state", "nonce", "scope", "code_challenge", "code_challenge_method") if k in query}
        answer = admin.call("POST", "", url=admin.issuer + "/idp-bridge/registration-handoff",
                            body={"user_id": session["user_id"], "redirect_uri": callback_url,
                                  "client_id": env["MINIMAL_RP_CLIENT_ID"], **carried}).json()
        return render_template(handoff_template, action=answer["action"],
                               fields=answer["fields"])

    @app.get("/register/finish")
    def finish() -> Any:
        if not at("sign_in") or session.get("user", {}).get("sub") != session.get("user_id"):
            return redirect("/register")
        login = admin.call("GET", f"/users/{session['user_id']}").json()
        person = session["person"]
        mail = [(login["email"], "Registration received", "We received it."),
                (SITE_ADMIN, "A registration awaits your review",
                 f"{person['first_name']} {person['last_name']} asks to join "
                 f"(NPI {session['npi']}).")]
        if store is None:
            send_mail(env, mail)
        else:
            if not minimal_store.record_membership(store, session["organization_id"],
                                                   login["id"], person):
                return page("complete", "This registration could not be recorded.", 409)
            minimal_store.audit(store, current_app.config["SECRET_KEY"],
                                "registration.complete", login["id"],
                                {"organization": session["organization_id"],
                                 "email": person["email"]})
            minimal_store.queue(store, mail)
        session["step"] = "complete"
        return redirect("/register/complete")


def callback_target() -> str:
    """Where the callback sends a browser: back into the wizard during a registration."""
    return "/register/finish" if session.get("step") == "sign_in" else "/"

