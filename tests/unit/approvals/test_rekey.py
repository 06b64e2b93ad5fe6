"""Keys that spell out a TIN (earlier releases named organizations ``<npi>-<tin>``) are
replaced by ``flask reconcile``; the same through the real Keycloak and a real token:
tests/approvals/test_downstream.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy.exc import OperationalError

from idp_bridge.approvals.decisions import DecisionFailed
from idp_bridge.approvals.reconcile import reconcile
from idp_bridge.approvals.rekey import rekey
from idp_bridge.audit.models import AuditEvent
from idp_bridge.extensions import db
from idp_bridge.keycloak.groups import ORGS_GROUP, site_admins_path
from idp_bridge.organizations.keys import key_for
from idp_bridge.organizations.models import Organization
from tests.support.fake_keycloak import FakeKeycloak
from tests.support.organizations import add_person, new_organization


@pytest.fixture(autouse=True)
def _context(app_context: Flask) -> Iterator[None]:
    yield
    db.session.remove()


def as_earlier_releases_named_it(fake: FakeKeycloak, organization: Organization) -> str:
    pair = organization.identifiers[0]
    old_key = f"{pair.npi}-{pair.tin}"
    assert organization.keycloak_group_id
    fake.rename_group(organization.keycloak_group_id, old_key)
    organization.key = old_key
    db.session.commit()
    return old_key


def test_a_key_spelling_a_tin_is_replaced_and_members_keep_their_access(
        fake_keycloak: FakeKeycloak) -> None:
    organization = new_organization(fake_keycloak)
    admin = add_person(fake_keycloak, organization, site_admin=True)
    old_key = as_earlier_releases_named_it(fake_keycloak, organization)
    pair = organization.identifiers[0]
    assert site_admins_path(old_key) in fake_keycloak.user_group_paths(admin.user_id)

    changes = reconcile()

    new_key = key_for(pair.npi, pair.tin)
    assert changes[0] == (f"renamed organization {organization.id}'s key to {new_key}: it "
                          "spelled out a TIN")
    assert pair.tin not in new_key and pair.tin not in " ".join(changes)
    assert db.session.get(Organization, organization.id).key == new_key  # type: ignore[union-attr]
    assert fake_keycloak.user_group_paths(admin.user_id) == [
        f"/{ORGS_GROUP}/{new_key}", site_admins_path(new_key)]
    assert "organization.rekey" in [e.action for e in AuditEvent.query]
    assert reconcile() == []  # done once


def test_keycloak_refusing_the_rename_leaves_the_organization_as_it_was(
        fake_keycloak: FakeKeycloak) -> None:
    organization = new_organization(fake_keycloak)
    old_key = as_earlier_releases_named_it(fake_keycloak, organization)
    fake_keycloak.fail("rename_group", status=500)

    changes = reconcile()

    assert changes[0] == (f"organization {organization.id}'s key still spells out a TIN "
                          "(Keycloak or the database refused); the next run retries")
    db.session.expire_all()
    assert db.session.get(Organization, organization.id).key == old_key  # type: ignore[union-attr]
    assert fake_keycloak.group_by_path(f"/{ORGS_GROUP}/{old_key}") is not None
    assert reconcile()[0].startswith(f"renamed organization {organization.id}'s key")


def test_a_database_failure_after_the_rename_puts_the_group_name_back(
        fake_keycloak: FakeKeycloak, monkeypatch: pytest.MonkeyPatch) -> None:
    organization = new_organization(fake_keycloak)
    old_key = as_earlier_releases_named_it(fake_keycloak, organization)

    def refuse() -> None:
        raise OperationalError("COMMIT", {}, Exception("disk full"))

    with monkeypatch.context() as patched:
        patched.setattr(db.session, "commit", refuse)
        with pytest.raises(DecisionFailed):
            rekey(organization)

    db.session.expire_all()
    assert db.session.get(Organization, organization.id).key == old_key  # type: ignore[union-attr]
    group = fake_keycloak.group_by_path(f"/{ORGS_GROUP}/{old_key}")
    assert group is not None and group["id"] == organization.keycloak_group_id
