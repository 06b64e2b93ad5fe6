"""Put a registration draft at any step of the wizard, with a typed context, for fast unit
tests of one stage (no Keycloak: the in-memory fake gateway stands in).

    def test_something(wizard_at):
        page = wizard_at("password").get()          # a test client at Password Setup
        wizard_at("individual", account_type="individual", typed={"first_name": "Ann"})

The context holds what the earlier stages would have written for the shipped registry
sample's organization ``SAMPLE_ORG`` (and a registered organization for the Individual path).
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import pytest
from flask import Flask, current_app
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from idp_bridge.extensions import db
from idp_bridge.mail.models import OutboundEmail
from idp_bridge.npi import get_registry
from idp_bridge.npi.offline import import_sample
from idp_bridge.npi.questionnaire import build_questionnaire
from idp_bridge.organizations.models import Organization, OrganizationIdentifier
from idp_bridge.registration import context as contexts
from idp_bridge.registration.context import OrganizationDetails, Person, RegistrationContext
from idp_bridge.registration.email_code import CodeSecret
from idp_bridge.registration.engine import plan_for
from idp_bridge.registration.models import RegistrationDraft
from tests.support.fake_keycloak import FakeKeycloak
from tests.support.org_keys import org_key

SAMPLE_ORG = {"npi": "1588000012", "tin": "391588001"}  # PRAIRIE FAMILY MEDICINE SC
REGISTERED_ORG = {"npi": "1588000020", "tin": "391588002"}  # made "registered" by the fixture
PERSON = Person(first_name="Jordan", last_name="Baker", phone="+16085550142",
                email="jordan@clinic.test", job_title="Office Manager", opt_in="in")
ORGANIZATION = OrganizationDetails(
    organization_name="PRAIRIE FAMILY MEDICINE SC", address_line1="1 MAIN ST", city="MADISON",
    state="WI", zip="53703", business_phone="+16085550100", email="office@clinic.test")


def last_code(app: Flask, email: str) -> str:
    """The code in the latest email sent to ``email`` (the unit app's mail queue)."""
    with app.app_context():
        mail = db.session.scalars(db.select(OutboundEmail).where(OutboundEmail.to == email)
                                  .order_by(OutboundEmail.id.desc())).first()
        assert mail is not None, f"no email to {email}"
        found = re.search(r"\b(\d{6})\b", mail.body)
        assert found, mail.body
        return found.group(1)


def verified_code(email: str) -> dict[str, Any]:
    """What ``DraftEmailCode`` keeps in the draft once ``email`` was verified."""
    return asdict(CodeSecret(CodeSecret.from_dict(None).secret, email=email, used=True,
                             verified_email=email))


def context_for(step: str, account_type: str, organization_id: int | None) -> RegistrationContext:
    """What the stages before ``step`` would have written."""
    plan = plan_for(account_type)
    before = set(plan[:plan.index(step)])
    pair = SAMPLE_ORG if account_type == "organization" else REGISTERED_ORG
    ctx = RegistrationContext()
    if "account" in before:
        ctx = replace(ctx, npi=pair["npi"], tin=pair["tin"])
        if account_type == "individual":
            ctx.organization_id = organization_id
        else:
            registry = get_registry(current_app)
            record = registry.lookup(pair["npi"])
            assert record is not None
            ctx.questionnaire = build_questionnaire(record, registry,
                                                    random.Random(7)).to_dict()
            ctx.registry_name = record.name
    if "questionnaire" in before:
        ctx.prefill = {"organization_name": ORGANIZATION.organization_name}
    if "organization" in before:
        ctx.organization = ORGANIZATION
    if "individual" in before:
        ctx.individual = PERSON
        ctx.site_admin = account_type == "organization"
        ctx.email_code = verified_code(PERSON.email)
    return ctx


@dataclass
class WizardAt:
    """A test client whose registration stands at ``draft.step``."""

    client: FlaskClient
    draft_id: str
    step: str
    gateway: FakeKeycloak
    app: Flask
    last: TestResponse | None = field(default=None)

    def get(self, step: str | None = None) -> TestResponse:
        self.last = self.client.get(f"/register/{step or self.step}")
        return self.last

    def post(self, data: dict[str, str], step: str | None = None) -> TestResponse:
        self.last = self.client.post(f"/register/{step or self.step}", data=data)
        return self.last

    def draft(self) -> RegistrationDraft:
        with self.app.app_context():
            draft = db.session.get(RegistrationDraft, self.draft_id)
            assert draft is not None
            db.session.expunge(draft)
            return draft

    def context(self) -> RegistrationContext:
        return contexts.from_json(self.draft().context)


@pytest.fixture
def wizard_at(app: Flask, fake_keycloak: FakeKeycloak) -> Iterator[Any]:
    """``wizard_at(step, account_type="organization", **context_overrides)``; Keycloak is
    the unit layer's ``fake_keycloak``."""
    with app.app_context():
        import_sample()
        organization = Organization(
            key=org_key(REGISTERED_ORG),
            name="BADGER STATE PHYSICAL THERAPY LLC", address_line1="2 MAIN ST",
            city="MADISON", state="WI", zip="53703", business_phone="+16085550101",
            email="badger@clinic.test", status="active")
        organization.identifiers.append(OrganizationIdentifier(
            npi=REGISTERED_ORG["npi"], tin=REGISTERED_ORG["tin"], is_primary=True))
        db.session.add(organization)
        db.session.commit()
        organization_id = organization.id

    def at(step: str, account_type: str = "organization", keycloak_user_id: str | None = None,
           **overrides: Any) -> WizardAt:
        with app.app_context():
            ctx = replace(context_for(step, account_type, organization_id), **overrides)
            draft = RegistrationDraft(step=step, account_type=account_type if step != "account"
                                      else None, keycloak_user_id=keycloak_user_id)
            contexts.save(draft, ctx)
            db.session.add(draft)
            db.session.commit()
            draft_id = draft.id
        client = app.test_client()
        with client.session_transaction() as session:
            session["registration_id"] = draft_id
        return WizardAt(client, draft_id, step, fake_keycloak, app)

    yield at
