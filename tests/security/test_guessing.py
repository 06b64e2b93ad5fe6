"""Issue 19 row 6 through the running bridge (on PostgreSQL when TEST_DATABASE_URL names it):
40 TIN guesses at a registered organization's NPI on one registration draft; at most the
draft's limit is evaluated, the rest (the right TIN included) are refused with a clear
message. (The stack raises the per-address and per-NPI budgets, since every registrant of
the suite is one client: those are tested in tests/unit/registration/test_pair_guesses.py.)"""

from __future__ import annotations

import html
import uuid

import pytest

from idp_bridge.extensions import db
from idp_bridge.messages import message
from idp_bridge.organizations.models import Organization, OrganizationIdentifier
from tests.support.wizard import WizardClient

pytestmark = pytest.mark.keycloak

REFUSED = "Too many NPI and TIN combinations that did not match were tried in this registration"


def test_forty_tin_guesses_on_one_draft_evaluate_five(bridge, outbox, live_app, fresh_org):
    target = fresh_org()
    tin = target["tin"].replace("-", "")
    with live_app.app_context():
        org = Organization(key=f"guess-{uuid.uuid4().hex[:8]}", name="Guessed Clinic",
                           address_line1="1 Main", city="Madison", state="WI", zip="53715",
                           business_phone="+16085550100", email="office@clinic.test",
                           status="active")
        org.identifiers.append(OrganizationIdentifier(npi=target["npi"], tin=tin,
                                                      is_primary=True))
        db.session.add(org)
        db.session.commit()

    wizard = WizardClient(bridge, outbox)
    answers = []
    for index in range(40):
        page = html.unescape(wizard.account("individual", target["npi"],
                                            f"41-{6600000 + index:07d}").text)
        answers.append("evaluated" if message("org.not_registered") in page
                       else "refused" if REFUSED in page else page)
    assert answers == ["evaluated"] * 5 + ["refused"] * 35
    right = html.unescape(wizard.account("individual", target["npi"], target["tin"]).text)
    assert REFUSED in right and wizard.step == "account"
