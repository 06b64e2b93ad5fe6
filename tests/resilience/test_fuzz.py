"""Property-based fuzz of every field of every wizard and console form: whatever is typed,
no answer is a 5xx, and a refused screen shows back what was typed."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import escape

from idp_bridge.organizations.models import Membership, Organization
from tests.support.consoles import csrf_of, email, post_form, signed_in
from tests.support.people import existing_login
from tests.support.wizard import WizardClient, person

pytestmark = pytest.mark.keycloak
SAMPLES = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                   suppress_health_check=list(HealthCheck))
# The console example posts six requests, three of them decisions: fewer examples.
CONSOLE_SAMPLES = settings(SAMPLES, max_examples=30)
TRICKY = ["", " ", "1234567893", "12-3456789", "608-555-0100", "a@b.co", "WI", "53715",
          "<script>alert(1)</script>", "' OR 1=1 --", "Zoë Ñúñez", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "x" * 300,
          "%00", "{{7*7}}", "\u202eevil", "0" * 10, "-1", "in", "out", "yes", "no"]
typed_text = st.one_of(st.sampled_from(TRICKY),
                       st.text(st.characters(exclude_categories=("Cs",)), max_size=120))
requests_made = {"count": 0, "5xx": 0}


def _page(response: requests.Response) -> requests.Response:
    requests_made["count"] += 1
    requests_made["5xx"] += response.status_code >= 500
    assert response.status_code < 500, (response.status_code, response.text[:500])
    return response


def _kept(response: requests.Response, step: str, data: dict[str, str],
          fields: tuple[str, ...]) -> None:
    """On a refused screen, each text field shows exactly what was typed."""
    if not response.url.rstrip("/").endswith(f"/register/{step}"):
        return  # accepted: the wizard moved on
    if response.status_code == 400:  # a NUL character somewhere: refused outright
        assert "isn't allowed" in response.text
        return
    for name in fields:
        value = data.get(name, "")
        if "\r" in value or "\x00" in value:
            continue  # HTTP form encoding itself rewrites these
        assert f'value="{escape(value)}"' in response.text, (name, value)


def _never_shown(page: str, secret: str) -> bool:
    """A password typed is shown back nowhere: in no field's value, nor in the page's words.
    A short one is found in any page's markup by chance ('vali' in novalidate), so the words
    are searched for secrets of eight characters or more (the policy's minimum: an echo
    would show those as surely as short ones)."""
    if len(secret) < 4 or secret in TRICKY:
        return True
    if f'value="{escape(secret)}"' in page:
        return False
    words = html.unescape(re.sub(r"<[^>]*>", " ", page))
    return len(secret) < 8 or secret not in words


class Positioned:
    """A wizard kept at one step; rebuilt when a fuzzed submission is accepted."""

    def __init__(self, build: Callable[[], WizardClient], step: str) -> None:
        self.build, self.step = build, step
        self.wizard = build()

    def post(self, data: dict[str, str]) -> requests.Response:
        if self.wizard.step != self.step:
            self.wizard = self.build()
        response = _page(self.wizard.post(self.step, data))
        if response.status_code == 400:
            self.wizard.get(self.step)  # back on the form, as a browser's Back would be
        elif not response.url.rstrip("/").endswith(f"/register/{self.step}"):
            self.wizard = self.build()
        else:
            self.wizard.page = response
        return response


@pytest.fixture
def at_step(bridge, outbox, fresh_org, keycloak):  # type: ignore[no-untyped-def]
    def make(step: str) -> Positioned:
        def build() -> WizardClient:
            wizard = WizardClient(bridge, outbox)
            if step == "account":
                wizard.start()
                return wizard
            org = fresh_org()
            wizard.account("organization", org["npi"], org["tin"])
            if step != "questionnaire":
                wizard.answer_questionnaire()
            if step in ("individual", "merge", "password"):
                wizard.organization()
            if step == "merge":
                address = email("fuzz-merge")
                existing_login(keycloak, address)
                wizard.individual(person(address))
            elif step == "password":
                wizard.individual(person(email("fuzz-password")))
            assert wizard.step == step, wizard.step
            return wizard

        return Positioned(build, step)

    return make


def test_fuzz_account(at_step):
    wizard = at_step("account")

    @SAMPLES
    @given(account_type=st.one_of(st.sampled_from(["individual", "organization"]), typed_text),
           npi=typed_text, tin=typed_text)
    def run(account_type: str, npi: str, tin: str) -> None:
        data = {"account_type": account_type, "npi": npi, "tin": tin}
        _kept(wizard.post(data), "account", data, ("npi", "tin"))

    run()


def test_fuzz_questionnaire(at_step):
    wizard = at_step("questionnaire")

    @SAMPLES
    @given(answers=st.fixed_dictionaries({k: typed_text for k in
                                          ("address", "name", "taxonomy", "dba")}))
    def run(answers: dict[str, str]) -> None:
        wizard.post(answers)

    run()


ORG_FIELDS = ("organization_name", "doing_business_as", "address_line1", "address_line2",
              "city", "state", "zip", "business_phone", "email")


def test_fuzz_organization(at_step):
    wizard = at_step("organization")

    @SAMPLES
    @given(data=st.fixed_dictionaries({k: typed_text for k in ORG_FIELDS + ("npi", "tin")}))
    def run(data: dict[str, str]) -> None:
        _kept(wizard.post(data), "organization", data,
              tuple(f for f in ORG_FIELDS if f != "state"))

    run()


PERSON_FIELDS = ("first_name", "last_name", "phone", "email", "job_title")


def test_fuzz_individual(at_step):
    wizard = at_step("individual")

    @SAMPLES
    @given(data=st.fixed_dictionaries({
        **{k: typed_text for k in PERSON_FIELDS + ("opt_in", "email_code", "site_admin")},
        "action": st.one_of(st.sampled_from(["continue", "send_code", "verify_code"]),
                            typed_text)}))
    def run(data: dict[str, str]) -> None:
        _kept(wizard.post(data), "individual", data, PERSON_FIELDS)

    run()


def test_fuzz_merge_and_password(at_step):
    merge, password = at_step("merge"), at_step("password")

    @SAMPLES
    @given(answer=typed_text, secret=typed_text, confirm=typed_text)
    def run(answer: str, secret: str, confirm: str) -> None:
        merge.post({"merge": answer})
        page = password.post({"password": secret, "confirm_password": confirm})
        assert _never_shown(page.text, secret), secret

    run()


def test_fuzz_console_forms(bridge, live_app, plan_admin, new_registered_org):
    org = new_registered_org()
    pending = new_registered_org()
    admin = signed_in(bridge, plan_admin["email"])
    with live_app.app_context():
        oid = Organization.query.filter_by(key=org["key"]).one().id
        pid = Organization.query.filter_by(key=pending["key"]).one().id
    post_form(admin, bridge, f"/admin/organizations/{oid}",
              f"/admin/organizations/{oid}/approve", {"note": "ok"})
    site = signed_in(bridge, org["admin"])
    with live_app.app_context():
        mid = Membership.query.filter_by(email=org["admin"]).one().id
    key = org["key"]
    site_token = csrf_of(site.get(f"{bridge}/org/{key}/members", timeout=30).text)
    admin_token = csrf_of(admin.get(f"{bridge}/admin/organizations", timeout=30).text)

    def post(http: requests.Session, path: str, token: str,
             data: dict[str, Any]) -> requests.Response:
        return _page(http.post(f"{bridge}{path}", data={"csrf_token": token, **data},
                               timeout=60))

    @CONSOLE_SAMPLES
    @given(npi=typed_text, tin=typed_text, role=typed_text, note=typed_text, q=typed_text,
           status=typed_text, day=typed_text, action=st.sampled_from(
               ["grant-role", "revoke-role", "approve", "deny", "remove", "bogus"]))
    def run(npi: str, tin: str, role: str, note: str, q: str, status: str, day: str,
            action: str) -> None:
        added = post(site, f"/org/{key}/identifiers", site_token, {"npi": npi, "tin": tin})
        if added.status_code == 422:  # refused with messages (400: a NUL character)
            for name, value in (("npi", npi), ("tin", tin)):
                if "\r" not in value and "\x00" not in value:
                    assert f'value="{escape(value)}"' in added.text, (name, value)
        post(site, f"/org/{key}/members/{mid}/{action}", site_token, {"role": role})
        post(admin, f"/admin/organizations/{pid}/deny", admin_token, {"note": note})
        _page(admin.get(f"{bridge}/admin/organizations", params={"q": q, "status": status},
                        timeout=60))
        _page(admin.get(f"{bridge}/admin/audit", params={"org": q, "from": day, "to": day},
                        timeout=60))
        _page(site.get(f"{bridge}/org/{key}/members", params={"q": q, "status": status},
                       timeout=60))

    run()
    print(f"\nFIGURES fuzz: requests={requests_made['count']}, 5xx={requests_made['5xx']}")

