"""One running bridge and one Keycloak serve Dean and WellFirst side by side.

The session's bridge answers Dean at its root and WellFirst under /b/wellfirst (the dev and
test address; in production each brand is its own host name, see tests/unit/test_brands.py).
Each brand signs in through its own Keycloak client, whose login theme is that brand's; a
provider who registers through WellFirst gets WellFirst's emails and WellFirst's sign-in.
"""

from __future__ import annotations

import itertools
import re
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask

from idp_bridge.approvals.decisions import approve_organization
from idp_bridge.audit.actor import Actor
from idp_bridge.brand import BRANDS
from idp_bridge.npi.models import NpiRecord
from idp_bridge.organizations.models import Membership, Organization
from idp_bridge.outbox import Outbox
from tests.support.keycloak_login import (
    LoopbackSession,
    finish_required_actions,
    sign_in_to_bridge,
    submit_login,
)
from tests.support.waiting import Passes
from tests.support.wizard import PASSWORD, WizardClient, person

pytestmark = pytest.mark.keycloak

WELLFIRST = BRANDS["wellfirst"]
DEAN = BRANDS["dean"]
_TINS = itertools.count()


def brand_base(bridge: str, key: str) -> str:
    return bridge if key == "dean" else f"{bridge}/b/{key}"


def unregistered_org(app: Flask) -> dict[str, str]:
    with app.app_context():
        for record in NpiRecord.query.filter_by(entity_type=2, active=True).order_by(
                NpiRecord.npi):
            if not Organization.query.filter(Organization.key.startswith(record.npi)).first():
                return {"npi": record.npi, "tin": f"42-{7700000 + next(_TINS):07d}"}
    raise RuntimeError("registry sample exhausted")


def test_one_bridge_serves_both_brands_pages(bridge: str) -> None:
    http = LoopbackSession()
    dean = http.get(f"{bridge}/register", timeout=30).text
    wellfirst = http.get(f"{bridge}/b/wellfirst/register", timeout=30).text
    assert DEAN.portal_name in dean and WELLFIRST.plan_name not in dean
    assert WELLFIRST.portal_name in wellfirst and DEAN.plan_name not in wellfirst
    assert WELLFIRST.primary_color in wellfirst


@pytest.mark.parametrize("key", sorted(BRANDS))
def test_each_brand_signs_in_through_its_own_client_and_login_theme(bridge: str,
                                                                   keycloak, key: str) -> None:
    brand, base = BRANDS[key], brand_base(bridge, key)
    other = next(b for b in BRANDS.values() if b.key != key)
    page = LoopbackSession().get(f"{base}/login", timeout=30)
    assert page.url.startswith(keycloak.base_url)
    query = parse_qs(urlsplit(page.url).query)
    assert query["client_id"] == [brand.client_id]
    assert query["redirect_uri"] == [f"{base}/auth/callback"]
    assert f"/login/{key}/css/brand.css" in page.text
    assert brand.plan_name in page.text and other.plan_name not in page.text
    # Sign up on the brand's Log In page leads to the same brand's registration.
    sign_up = re.search(r'<a id="sign-up" href="([^"]+)"', page.text)
    assert sign_up and sign_up.group(1) == f"{base}/register"


def test_a_provider_registered_through_wellfirst_stays_wellfirsts(
        bridge: str, keycloak, live_app: Flask, outbox: Outbox, deliverer: Passes) -> None:
    base = brand_base(bridge, "wellfirst")
    address = f"wf-{uuid.uuid4().hex[:10]}@clinic.test"
    org = unregistered_org(live_app)
    wizard = WizardClient(base, outbox)
    wizard.account("organization", org["npi"], org["tin"])
    assert wizard.page is not None and wizard.page.url.startswith(f"{base}/register/")
    wizard.answer_questionnaire()
    wizard.organization()
    wizard.individual(person(address))
    code_mail = outbox.messages(to=address, channel="email")[0]
    assert code_mail.subject == f"{WELLFIRST.portal_name} verification code"
    assert WELLFIRST.portal_name in code_mail.sender

    wizard.password(PASSWORD)
    landed = _continue_to_portal(wizard, base, address, keycloak.base_url)
    assert landed.url.startswith(base), landed.url

    received = outbox.latest(address, channel="email")
    assert WELLFIRST.portal_name in received.sender
    assert WELLFIRST.reviewing_admin in received.body and DEAN.plan_name not in received.body
    assert f"Thank you, and welcome to the {WELLFIRST.portal_name}!" in received.body
    user = keycloak.admin.get_users({"email": address, "exact": True})[0]
    assert user["attributes"]["brand"] == ["wellfirst"]
    with live_app.app_context():
        organization = Organization.query.filter(
            Organization.key.startswith(org["npi"])).one()
        assert organization.brand == "wellfirst"
        org_key = organization.key
        assert {m.brand for m in Membership.query.filter_by(email=address)} == {"wellfirst"}
        # A plan administrator's decision speaks the registrant's brand, from any host.
        seen = outbox.count(address, channel="email")
        approve_organization(organization, "", Actor(id="plan", email="plan@plan.test"))
    deliverer.wait_full_pass()  # a decision's email is the deliverer's to send
    approved = outbox.latest(address, channel="email", after=seen)
    assert approved.subject.startswith(WELLFIRST.portal_name)
    assert WELLFIRST.portal_name in approved.sender

    # Signing in again, the WellFirst way: its client, its page, back on its address.
    http, back = sign_in_to_bridge(base, address, PASSWORD)
    assert back.url.startswith(base), back.url
    assert WELLFIRST.portal_name in back.text
    members = f"{base}/org/{org_key}/members"
    assert http.get(members, allow_redirects=False, timeout=30).status_code == 200

    # Keycloak ends the session: its back-channel call through WellFirst's client (a logout
    # token for that audience) ends the bridge's WellFirst session at once.
    keycloak.admin.user_logout(user["id"])
    after = http.get(members, allow_redirects=False, timeout=30)
    assert after.status_code == 302
    assert after.headers["Location"].startswith("/b/wellfirst/login")


def _continue_to_portal(wizard: WizardClient, base: str, address: str, keycloak_url: str):  # type: ignore[no-untyped-def]
    """From Password Setup through Keycloak (through WellFirst's client) back to the bridge."""
    page = wizard.page
    assert page is not None
    if "continue-sign-in" in page.text:  # the wizard's own step, then Keycloak's Log In
        link = page.text.split('id="continue-sign-in" href="', 1)[1].split('"', 1)[0]
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(base))
        page = wizard.http.get(origin + link.replace("&amp;", "&"), timeout=30)
    if page.url.startswith(keycloak_url):
        assert parse_qs(urlsplit(page.url).query).get("client_id", [WELLFIRST.client_id]) == [
            WELLFIRST.client_id]
        if "kc-form-login" in page.text:
            assert "/login/wellfirst/" in page.text
            page = submit_login(wizard.http, page, address, PASSWORD)
    return finish_required_actions(wizard.http, page, base, outbox=wizard.outbox)
