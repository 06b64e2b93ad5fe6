"""Issue 23 through the real Keycloak, the real consoles and the real database (SQLite, or
PostgreSQL with TEST_DATABASE_URL): what the plan, a Site Administrator and another
health-plan app notice when an approved organization's NPI is deactivated or excluded."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from idp_bridge.audit.models import AuditEvent
from idp_bridge.exclusions import screening, synthetic
from idp_bridge.exclusions.files import LeieReader
from idp_bridge.exclusions.models import EligibilityFlag, ExclusionRecord
from idp_bridge.exclusions.store import load_exclusions
from idp_bridge.extensions import db
from idp_bridge.mail.deliverer import deliver_due
from idp_bridge.mail.models import OutboundEmail
from idp_bridge.npi.bulk_file import Refusals
from idp_bridge.npi.models import NpiRecord
from idp_bridge.organizations.models import Organization
from idp_bridge.tokens import TokenVerifier
from tests.support.consoles import approve, org_id, post_form, signed_in
from tests.support.tokens import user_tokens
from tests.support.wizard import PASSWORD

pytestmark = pytest.mark.keycloak


def token_groups(keycloak, bridge, who: str) -> list[str]:
    tokens = user_tokens(keycloak.base_url, keycloak.realm, bridge, keycloak.client_secret,
                         who, PASSWORD)
    verifier = TokenVerifier(f"{keycloak.base_url}/realms/{keycloak.realm}", "provider-apps")
    return list(verifier.verify(tokens["access_token"]).get("groups", []))


def set_registry(live_app, number: str, active: bool, deactivated: date | None,
                 reactivated: date | None = None) -> None:
    with live_app.app_context():
        record = db.session.get(NpiRecord, number)
        record.active, record.deactivated_on, record.reactivated_on = (
            active, deactivated, reactivated)
        db.session.commit()


def flags(live_app, key: str) -> list[tuple[str, str, bool]]:
    with live_app.app_context():
        organization = Organization.query.filter_by(key=key).one()
        return [(f.source, f.state, f.holds_access) for f in
                EligibilityFlag.query.filter_by(organization_id=organization.id)]


def sweep(live_app) -> screening.SweepResult:
    with live_app.app_context():
        result = screening.sweep_deactivations()
        deliver_due(limit=200)
        return result


@pytest.fixture
def suspend_setting(live_app) -> Iterator[None]:
    live_app.config["EXCLUSIONS_SUSPEND_ON_FLAG"] = True
    yield
    live_app.config["EXCLUSIONS_SUSPEND_ON_FLAG"] = False


@pytest.fixture
def leie_list(live_app, tmp_path: Path) -> Iterator:
    """Loads an LEIE with extra rows; empties it afterwards (the database is the session's)."""

    def load(*extra: dict[str, str]) -> None:
        path = synthetic.write_leie(tmp_path / "UPDATED.csv", extra=extra)
        with live_app.app_context():
            load_exclusions("leie", LeieReader(path, Refusals()), "LEIE")

    yield load
    with live_app.app_context():
        db.session.execute(db.delete(ExclusionRecord))
        db.session.commit()


def leie_row(npi: str, name: str = "LISTED CLINIC LLC") -> dict[str, str]:
    return {"BUSNAME": name, "NPI": npi, "STATE": "WI", "EXCLTYPE": "1128b7",
            "EXCLDATE": "20240105", "GENERAL": "BUSINESS"}


def test_deactivation_after_approval_flags_mails_once_and_reactivation_clears(
        bridge, live_app, keycloak, outbox, plan_admin, new_registered_org):
    org = new_registered_org()
    approve(bridge, live_app, plan_admin, org["key"])
    try:
        set_registry(live_app, org["npi"], False, date(2026, 11, 20))
        seen = outbox.count(org["admin"])
        result = sweep(live_app)
        assert result.raised == 1 and result.suspended == 0
        assert flags(live_app, org["key"]) == [("nppes", "open", False)]
        # The sweep's own pass or the live bridge's deliverer (whichever claims it first)
        # sends it: waited for, not assumed sent when the sweep returns.
        mail = outbox.latest(org["admin"], after=seen)
        assert "deactivated" in mail.subject and org["npi"] in mail.body
        assert "11/20/2026" in mail.body and "npiregistry.cms.hhs.gov" in mail.body
        # By default nothing is removed: the next token still grants the organization.
        assert any(org["key"] in g for g in token_groups(keycloak, bridge, org["admin"]))

        # The plan administrator's queue: the date and the NPI Registry link.
        http = signed_in(bridge, plan_admin["email"])
        queue = http.get(f"{bridge}/admin/registry-changes", timeout=30).text
        assert org["npi"] in queue and "11/20/2026" in queue
        assert f"https://npiregistry.cms.hhs.gov/provider-view/{org['npi']}" in queue

        mails = outbox.count(org["admin"])
        assert sweep(live_app).raised == 0  # the same file again: nothing twice
        assert outbox.count(org["admin"]) == mails

        set_registry(live_app, org["npi"], True, date(2026, 11, 20), date(2026, 11, 30))
        assert sweep(live_app).cleared == 1
        assert flags(live_app, org["key"]) == [("nppes", "cleared", False)]
        with live_app.app_context():
            events = AuditEvent.query.filter_by(organization_key=org["key"]) \
                .order_by(AuditEvent.id)
            assert [e.action for e in events if e.action.startswith("exclusions.")] == [
                "exclusions.flag.raise", "exclusions.flag.clear"]
    finally:
        set_registry(live_app, org["npi"], True, None)


def test_deactivation_with_the_setting_suspends_the_organization_and_the_next_token(
        bridge, live_app, keycloak, outbox, plan_admin, new_registered_org, suspend_setting):
    org = new_registered_org()
    approve(bridge, live_app, plan_admin, org["key"])
    admin_http = signed_in(bridge, org["admin"])
    assert admin_http.get(f"{bridge}/org/{org['key']}/members", timeout=30).status_code == 200
    try:
        set_registry(live_app, org["npi"], False, date(2026, 11, 21))
        result = sweep(live_app)
        assert (result.raised, result.suspended) == (1, 1)
        assert flags(live_app, org["key"]) == [("nppes", "open", True)]
        # Refused live at the next click of the open session, and gone from the next token.
        assert admin_http.get(f"{bridge}/org/{org['key']}/members",
                              timeout=30).status_code == 403
        assert not [g for g in token_groups(keycloak, bridge, org["admin"]) if org["key"] in g]

        # A plan administrator keeps access (with a note): restored, audited.
        http = signed_in(bridge, plan_admin["email"])
        with live_app.app_context():
            flag_id = EligibilityFlag.query.join(Organization).filter(
                Organization.key == org["key"]).one().id
        kept = post_form(http, bridge, "/admin/registry-changes",
                         f"/admin/registry-changes/{flag_id}/keep",
                         {"note": "New NPI pending; called the office"})
        assert kept.status_code == 200 and "access kept" in kept.text
        assert any(org["key"] in g for g in token_groups(keycloak, bridge, org["admin"]))
        assert admin_http.get(f"{bridge}/org/{org['key']}/members",
                              timeout=30).status_code == 200
        # ... then suspends it after all; the reactivation restores it.
        post_form(http, bridge, "/admin/registry-changes",
                  f"/admin/registry-changes/{flag_id}/suspend", {"note": "Confirmed"})
        assert not [g for g in token_groups(keycloak, bridge, org["admin"]) if org["key"] in g]
        set_registry(live_app, org["npi"], True, date(2026, 11, 21), date(2026, 12, 1))
        assert sweep(live_app).restored == 1
        assert any(org["key"] in g for g in token_groups(keycloak, bridge, org["admin"]))
    finally:
        set_registry(live_app, org["npi"], True, None)


def test_leie_match_at_registration_requires_the_override_note(
        bridge, live_app, plan_admin, new_registered_org, leie_list):
    org = new_registered_org()
    leie_list(leie_row(org["npi"]))
    http = signed_in(bridge, plan_admin["email"])
    oid = org_id(live_app, org["key"])
    review = http.get(f"{bridge}/admin/organizations/{oid}", timeout=30).text
    assert "OIG LEIE" in review and "1128b7" in review and "01/05/2024" in review
    refused = post_form(http, bridge, f"/admin/organizations/{oid}",
                        f"/admin/organizations/{oid}/approve", {"note": "Called"})
    assert refused.status_code == 409 and "write an override note" in refused.text
    with live_app.app_context():
        assert db.session.get(Organization, oid).status == "pending"
    done = post_form(http, bridge, f"/admin/organizations/{oid}",
                     f"/admin/organizations/{oid}/approve",
                     {"note": "Called", "override_note": "Sold to a new owner in 2025"})
    assert done.status_code == 200
    with live_app.app_context():
        assert db.session.get(Organization, oid).status == "active"
        [event] = AuditEvent.query.filter_by(organization_key=org["key"],
                                             action="exclusions.override").all()
        assert event.actor_email == plan_admin["email"]
        assert event.details["note"] == "Sold to a new owner in 2025"
    assert flags(live_app, org["key"]) == [("leie", "kept", False)]


def test_rescreen_monthly_flags_an_approved_organization_and_mails_once(
        bridge, live_app, plan_admin, new_registered_org, leie_list):
    org = new_registered_org()
    approve(bridge, live_app, plan_admin, org["key"])
    leie_list(leie_row(org["npi"]))
    with live_app.app_context():
        before = OutboundEmail.query.filter_by(kind="exclusions.screen",
                                               to=plan_admin["email"]).count()
        first = screening.screen()
        assert first.raised == 1 and first.mailed >= 1
        second = screening.screen()
        assert (second.raised, second.mailed) == (0, 0)
        sent = OutboundEmail.query.filter_by(kind="exclusions.screen",
                                             to=plan_admin["email"]).all()
        assert len(sent) == before + 1 and org["npi"] in sent[-1].body
    assert flags(live_app, org["key"]) == [("leie", "open", False)]
    leie_list()  # next month's list no longer names it
    with live_app.app_context():
        assert screening.screen().cleared == 1
    assert flags(live_app, org["key"]) == [("leie", "cleared", False)]
