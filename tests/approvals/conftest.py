"""Shared setup for approvals: organizations from the registry sample, signed-in people."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Iterator

import pytest
from flask import Flask

from idp_bridge.npi.models import NpiRecord
from idp_bridge.organizations.models import Organization
from idp_bridge.outbox import Outbox
from tests.conftest import KeycloakHandle
from tests.support.keycloak_login import (
    LoopbackSession,
    enroll_phone,
    new_phone_number,
    sign_in_to_bridge,
    submit_login,
)
from tests.support.wizard import PASSWORD, WizardClient, register_individual, register_organization

_tin_counter = itertools.count(1)


@pytest.fixture(scope="session")
def fresh_org(live_app: Flask) -> Callable[[], dict[str, str]]:
    """Each call: an active organization NPI from the sample nobody has registered yet."""
    with live_app.app_context():
        npis = [r.npi for r in NpiRecord.query.filter_by(entity_type=2, active=True)
                .order_by(NpiRecord.npi.desc()).limit(120)]
    pool = iter(npis)

    def take() -> dict[str, str]:
        with live_app.app_context():
            for npi in pool:
                if not Organization.query.filter(Organization.key.startswith(npi)).first():
                    return {"npi": npi, "tin": f"41-{5500000 + next(_tin_counter):07d}"}
        raise RuntimeError("registry sample exhausted")

    return take


def email(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}@clinic.test"


@pytest.fixture(scope="session")
def plan_admin(keycloak: KeycloakHandle, bridge: str, outbox: Outbox) -> dict[str, str]:
    """A health-plan administrator with a phone second factor, enrolled at first sign-in."""
    address = email("plan-admin")
    user_id = keycloak.gateway.create_user(address, "Pat", "Reviewer", {},
                                           required_actions=["phone-verification"])
    keycloak.gateway.set_password(user_id, PASSWORD)
    keycloak.gateway.assign_realm_role(user_id, "plan-admin")
    http = LoopbackSession()
    page = submit_login(http, http.get(f"{bridge}/login", timeout=30), address, PASSWORD)
    assert enroll_phone(http, page, outbox, new_phone_number()).url.startswith(bridge)
    return {"email": address, "id": user_id}


def signed_in(bridge: str, who: str) -> LoopbackSession:
    http, landed = sign_in_to_bridge(bridge, who, PASSWORD)
    assert landed.url.startswith(bridge), landed.url
    return http  # type: ignore[return-value]


def csrf_of(page_text: str) -> str:
    return page_text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def post_form(http: LoopbackSession, bridge: str, page_path: str, action_path: str,
              data: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    page = http.get(bridge + page_path, timeout=30)
    return http.post(bridge + action_path, data={"csrf_token": csrf_of(page.text),
                                                 **(data or {})}, timeout=30)


@pytest.fixture
def new_registered_org(bridge, outbox, fresh_org) -> Iterator[Callable[..., dict[str, str]]]:
    def register(admin_email: str | None = None) -> dict[str, str]:
        org = fresh_org()
        admin = admin_email or email("site-admin")
        register_organization(WizardClient(bridge, outbox), org, admin)
        return {**org, "admin": admin, "key": f"{org['npi']}-{org['tin'].replace('-', '')}"}

    yield register


@pytest.fixture
def new_individual(bridge, outbox) -> Callable[..., str]:
    def register(org: dict[str, str], first_name: str = "Casey") -> str:
        address = email(first_name.lower())
        register_individual(WizardClient(bridge, outbox), org, address, first_name=first_name)
        return address

    return register
