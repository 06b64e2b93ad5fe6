"""Drive the bridge's registration wizard over HTTP, carrying the CSRF token like a browser."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import requests

from idp_bridge.outbox import Outbox
from tests.support.forms import Form, forms
from tests.support.keycloak_login import LoopbackSession, finish_required_actions, submit_login

PASSWORD = "Provider1!"
# One password per rule of the realm's policy, with Keycloak's own message for it.
KEYCLOAK_REFUSALS = [  # the realm's policy, as Keycloak's admin API words each refusal
    ("Sh0rt!x", "Invalid password: minimum length 8."),
    ("NOLOWERCASE1!", "Invalid password: must contain at least 1 lower case characters."),
    ("nouppercase1!", "Invalid password: must contain at least 1 upper case characters."),
    ("NoDigitsHere!", "Invalid password: must contain at least 1 numerical digits."),
    ("NoSymbols123", "Invalid password: must contain at least 1 special characters."),
]
POLICY_VIOLATIONS = [  # the realm's policy refusals, worded as the guide lists the rules
    ("Sh0rt!x", "Your password does not meet this requirement: Must be at least 8 characters."),
    ("NOLOWERCASE1!", "Your password does not meet this requirement: Must contain at least one "
                      "Lower case letter."),
    ("nouppercase1!", "Your password does not meet this requirement: Must contain at least one "
                      "Upper case letter."),
    ("NoDigitsHere!", "Your password does not meet this requirement: Must contain at least one "
                      "Number (0-9)."),
    ("NoSymbols123", "Your password does not meet this requirement: Must contain at least one "
                     "Symbol (e.g. !@#$%()+_=)."),
]
# form.hidden_tag() writes id, name, type, value in that order; hand-written inputs differ.
CSRF = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')


@dataclass
class WizardClient:
    bridge_url: str
    outbox: Outbox
    http: requests.Session = field(default_factory=LoopbackSession)
    page: requests.Response | None = None

    def start(self) -> requests.Response:
        self.page = self.http.get(f"{self.bridge_url}/register", timeout=30)
        return self.page

    @property
    def step(self) -> str:
        assert self.page is not None
        if 'id="kc-phone-form"' in self.page.text:
            return "sign_in"  # handed off from Password Setup to Keycloak's Phone Verification
        return self.page.url.rstrip("/").rsplit("/", 1)[-1].split("?")[0]

    def csrf(self) -> str:
        assert self.page is not None
        match = CSRF.search(self.page.text)
        assert match, "no CSRF token on the page"
        return match.group(1)

    def post(self, step: str, data: dict[str, str]) -> requests.Response:
        self.page = post_handoff(self.http, self.http.post(
            f"{self.bridge_url}/register/{step}", data={"csrf_token": self.csrf(), **data},
            timeout=30))
        return self.page

    def get(self, step: str) -> requests.Response:
        self.page = post_handoff(self.http, self.http.get(
            f"{self.bridge_url}/register/{step}", timeout=30))
        return self.page

    def radio_values(self, name: str) -> list[str]:
        assert self.page is not None
        return re.findall(rf'name="{name}" value="([^"]+)"', self.page.text)

    def form_values(self) -> dict[str, str]:
        assert self.page is not None
        return forms(self.page.text, self.page.url)[0].fields

    # Steps -------------------------------------------------------------------------------

    def account(self, account_type: str, npi: str, tin: str) -> requests.Response:
        if self.page is None:
            self.start()
        return self.post("account", {"account_type": account_type, "npi": npi, "tin": tin})

    def answer_questionnaire(self) -> requests.Response:
        keys = ["address", "name", "taxonomy", "dba"]
        present = [k for k in keys if f'name="{k}"' in (self.page.text if self.page else "")]
        answers = {k: self.radio_values(k)[0] for k in present}
        return self.post("questionnaire", answers)

    def organization(self, **overrides: str) -> requests.Response:
        values = {k: v for k, v in self.form_values().items() if k != "csrf_token"}
        values.update({"business_phone": "608-555-0100", "email": "office@clinic.test"})
        values.update(overrides)
        return self.post("organization", values)

    @property
    def enrollment_step(self) -> str:
        """Individual Enrollment, or its second round after NO to the merge question."""
        return "new_email" if self.page is not None and self.step == "new_email" \
            else "individual"

    def send_code(self, person: dict[str, str]) -> requests.Response:
        return self.post(self.enrollment_step, {**person, "action": "send_code"})

    def verify_email(self, person: dict[str, str], code: str | None = None) -> requests.Response:
        if code is None:
            code = self.outbox.latest(person["email"], channel="email").code or ""
        return self.post(self.enrollment_step,
                         {**person, "email_code": code, "action": "verify_code"})

    def individual(self, person: dict[str, str], site_admin: bool = True) -> requests.Response:
        count = self.outbox.count(person["email"], channel="email")
        self.send_code(person)
        self.outbox.latest(person["email"], channel="email", after=count)
        self.verify_email(person)
        data = {**person, "action": "continue"}
        if site_admin:
            data["site_admin"] = "yes"
        return self.post(self.enrollment_step, data)

    def password(self, password: str, confirm: str | None = None) -> requests.Response:
        return self.post("password", {"password": password,
                                      "confirm_password": password if confirm is None
                                      else confirm})


def handoff_form(page: requests.Response) -> Form | None:
    """The registration hand-off page's form (posted to Keycloak by a script in a browser)."""
    return next((f for f in forms(page.text, page.url) if f.attrs.get("id") == "handoff-form"),
                None)


def post_handoff(http: requests.Session, page: requests.Response) -> requests.Response:
    """What a browser does on the hand-off page: post its form to Keycloak (the credential
    in the body); any other page as it is."""
    form = handoff_form(page)
    if form is None:
        return page
    return http.post(form.action, data=form.fields, timeout=30)


def person(email: str, **overrides: str) -> dict[str, str]:
    values = {"first_name": "Jordan", "last_name": "Baker", "phone": "608-555-0142",
              "email": email, "job_title": "Office Manager", "opt_in": "in"}
    values.update(overrides)
    return values


def handed_off(page: requests.Response) -> bool:
    """Password Setup accepted: the browser is on Keycloak's Phone Verification (the
    registration hand-off, posted), on the bridge's hand-off page (a client that does not
    post its form), or, when Keycloak would not hand off, on the sign-in page."""
    return 'id="kc-phone-form"' in page.text or page.url.split("?")[0].endswith(
        ("/register/sign_in", "/register/handoff"))


def to_phone_verification(wizard: WizardClient, email: str) -> requests.Response:
    """After Password Setup: Keycloak's Phone Verification, handed off straight away, or
    through Keycloak's Log In (password again) when Keycloak would not hand off."""
    page = wizard.page
    assert page is not None and handed_off(page), page.text[:2000] if page else ""
    if "continue-sign-in" in page.text:
        link = page.text.split('id="continue-sign-in" href="', 1)[1].split('"', 1)[0]
        kc_page = wizard.http.get(wizard.bridge_url + link.replace("&amp;", "&"), timeout=30)
        assert email in kc_page.text  # login_hint prefilled the username
        page = submit_login(wizard.http, kc_page, email, PASSWORD)
    assert 'id="kc-phone-form"' in page.text, page.text[:2000]
    return page


def sign_in_and_finish(wizard: WizardClient, email: str, method: str = "sms"):  # type: ignore[no-untyped-def]
    page = to_phone_verification(wizard, email)
    wizard.page = finish_required_actions(wizard.http, page, wizard.bridge_url,
                                          outbox=wizard.outbox, method=method)
    return wizard.page


def register_organization(wizard: WizardClient, org: dict[str, str], email: str,  # type: ignore[no-untyped-def]
                          method: str = "sms"):
    wizard.account("organization", org["npi"], org["tin"])
    assert wizard.step == "questionnaire", wizard.page.text[:2000]
    wizard.answer_questionnaire()
    assert wizard.step == "organization"
    wizard.organization()
    assert wizard.step == "individual"
    wizard.individual(person(email))
    assert wizard.step == "password", wizard.page.text[:3000]
    wizard.password(PASSWORD)
    assert wizard.step == "sign_in"
    return sign_in_and_finish(wizard, email, method)


def register_individual(wizard: WizardClient, org: dict[str, str], email: str,  # type: ignore[no-untyped-def]
                        method: str = "sms", **overrides: str):
    wizard.account("individual", org["npi"], org["tin"])
    assert wizard.step == "individual", wizard.page.text[:2000] if wizard.page else ""
    wizard.individual(person(email, **overrides), site_admin=False)
    assert wizard.step == "password"
    wizard.password(PASSWORD)
    return sign_in_and_finish(wizard, email, method)
