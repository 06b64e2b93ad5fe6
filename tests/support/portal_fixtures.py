"""Fixtures shared across test folders: organizations from the registry sample, a plan
administrator, registrations through the wizard. A pytest plugin, registered once in
tests/conftest.py (``pytest_plugins``), so no test imports another folder's conftest."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator

import pytest
from flask import Flask

from idp_bridge.npi.models import NpiRecord
from idp_bridge.organizations.models import Organization
from idp_bridge.outbox import Outbox
from tests.support.consoles import email
from tests.support.keycloak_login import (
    LoopbackSession,
    enroll_phone,
    new_phone_number,
    submit_login,
)
from tests.support.org_keys import org_key
from tests.support.stack import KeycloakHandle
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


@pytest.fixture(scope="session")
def plan_admin(keycloak: KeycloakHandle, bridge: str, outbox: Outbox) -> dict[str, str]:
    """A health-plan administrator with a phone second factor, enrolled at first sign-in."""
    return new_plan_admin(keycloak, bridge, outbox, "plan-admin")


@pytest.fixture
def make_plan_admin(keycloak: KeycloakHandle, bridge: str, outbox: Outbox,
                    ) -> Callable[[str], dict[str, str]]:
    """Each call: a plan administrator holding ``role`` (``plan-admin`` for every brand,
    ``plan-admin-<brand>`` for one brand's registrations only)."""
    return lambda role: new_plan_admin(keycloak, bridge, outbox, role)


def new_plan_admin(keycloak: KeycloakHandle, bridge: str, outbox: Outbox,
                   role: str) -> dict[str, str]:
    address = email(role)
    user_id = keycloak.gateway.create_user(address, "Pat", "Reviewer", {},
                                           required_actions=["phone-verification"])
    keycloak.gateway.set_password(user_id, PASSWORD)
    keycloak.gateway.assign_realm_role(user_id, role)
    http = LoopbackSession()
    page = submit_login(http, http.get(f"{bridge}/login", timeout=30), address, PASSWORD)
    assert enroll_phone(http, page, outbox, new_phone_number()).url.startswith(bridge)
    return {"email": address, "id": user_id}


@pytest.fixture
def new_registered_org(bridge: str, outbox: Outbox, fresh_org: Callable[[], dict[str, str]],
                       ) -> Iterator[Callable[..., dict[str, str]]]:
    """Each call registers an organization through the whole wizard (``register_organization``
    walks every screen) and returns its npi, tin, key and first administrator's email."""

    def register(admin_email: str | None = None) -> dict[str, str]:
        org = fresh_org()
        admin = admin_email or email("site-admin")
        register_organization(WizardClient(bridge, outbox), org, admin)
        return {**org, "admin": admin, "key": org_key(org)}

    yield register


@pytest.fixture
def new_individual(bridge: str, outbox: Outbox) -> Callable[..., str]:
    """Each call registers a person to an existing organization through the wizard."""

    def register(org: dict[str, str], first_name: str = "Casey") -> str:
        address = email(first_name.lower())
        register_individual(WizardClient(bridge, outbox), org, address, first_name=first_name)
        return address

    return register
