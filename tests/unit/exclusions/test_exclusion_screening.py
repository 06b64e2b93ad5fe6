"""Flags on approved organizations, fast: the bridge's tables and the fake Keycloak. What a
person would notice: the flag in the queue, the email (once), the audit line, the groups a
member is in (so what their next token grants) and whether the portal lets them in.

The same through the real Keycloak and consoles: tests/exclusions.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from flask import Flask

from idp_bridge.approvals import decisions
from idp_bridge.approvals.decisions import DecisionFailed
from idp_bridge.audit.actor import Actor
from idp_bridge.audit.models import AuditEvent
from idp_bridge.exclusions import screening, synthetic
from idp_bridge.exclusions.files import LeieReader, NotAnExclusionFile, SamReader
from idp_bridge.exclusions.models import EligibilityFlag, ExclusionRecord
from idp_bridge.exclusions.store import load_exclusions
from idp_bridge.extensions import db
from idp_bridge.mail.models import OutboundEmail
from idp_bridge.npi.bulk_file import Refusals
from idp_bridge.npi.models import NpiRecord
from idp_bridge.npi.synthetic import npi
from idp_bridge.organizations.models import Organization
from idp_bridge.organizations.queries import approved_memberships, organization_choices
from tests.support.fake_keycloak import FakeKeycloak
from tests.support.organizations import add_person, new_organization

REVIEWER = Actor(id="reviewer-1", email="reviewer@plan.test", ip="127.0.0.1",
                 user_agent="test")
DAY1 = datetime(2026, 12, 1, 2, 0)
DAY2 = datetime(2026, 12, 2, 2, 0)


@pytest.fixture(autouse=True)
def _context(app_context: Flask) -> Iterator[None]:
    yield
    db.session.remove()


def clock(at: datetime):  # noqa: ANN201
    return lambda: at


def org_with_npi(fake: FakeKeycloak, number: str, status: str = "active",
                 brand: str = "dean") -> Organization:
    organization = new_organization(fake, status=status)
    organization.identifiers[0].npi = number
    db.session.commit()
    approved = "approved" if status == "active" else "pending"
    admin = add_person(fake, organization, status=approved, site_admin=True,
                       roles=["claims"] if status == "active" else [], first_name="Ada")
    admin.brand = brand
    add_person(fake, organization, status=approved,
               roles=["remittance"] if status == "active" else [], first_name="Bo")
    db.session.commit()
    return organization


def registry(number: str, active: bool, deactivated: date | None,
             reactivated: date | None = None) -> None:
    record = db.session.get(NpiRecord, number) or NpiRecord(
        npi=number, entity_type=2, name="X", location_line1="", location_line2="",
        location_city="", location_state="", location_postal_code="", mailing_line1="",
        mailing_line2="", mailing_city="", mailing_state="", mailing_postal_code="",
        taxonomy_codes="", primary_taxonomy="")
    record.active, record.deactivated_on, record.reactivated_on = active, deactivated, reactivated
    db.session.add(record)
    db.session.commit()


def mails(kind: str) -> list[OutboundEmail]:
    return list(OutboundEmail.query.filter_by(kind=kind).order_by(OutboundEmail.id))


def flags_of(organization: Organization) -> list[tuple[str, str, bool]]:
    db.session.expire_all()
    return [(f.source, f.state, f.holds_access) for f in
            EligibilityFlag.query.filter_by(organization_id=organization.id)]


def actions(prefix: str) -> list[str]:
    return [e.action for e in AuditEvent.query.order_by(AuditEvent.id)
            if e.action.startswith(prefix)]


def member_groups(fake: FakeKeycloak, organization: Organization) -> list[list[str]]:
    db.session.expire_all()
    return [fake.user_group_paths(m.user_id) for m in
            db.session.get(Organization, organization.id).memberships]


# NPPES deactivations -----------------------------------------------------------------------


def test_deactivation_after_approval_flags_mails_each_site_admin_once_in_brand(
        fake_keycloak: FakeKeycloak) -> None:
    number = npi(700_000_001)
    organization = org_with_npi(fake_keycloak, number, brand="wellfirst")
    pending = org_with_npi(fake_keycloak, npi(700_000_002), status="pending")
    registry(number, True, None)
    registry(npi(700_000_002), False, date(2026, 11, 20))
    assert screening.sweep_deactivations(clock(DAY1)).raised == 0

    registry(number, False, date(2026, 11, 20))
    result = screening.sweep_deactivations(clock(DAY1))
    assert (result.raised, result.suspended) == (1, 0)
    assert flags_of(organization) == [("nppes", "open", False)]
    assert flags_of(pending) == []  # not approved: registration refuses deactivated NPIs
    [mail] = mails("exclusions.deactivation")
    admin = next(m for m in organization.memberships if m.is_site_admin)
    assert (mail.to, mail.brand) == (admin.email, "wellfirst")
    assert "WellFirst" in mail.subject and number in mail.body and "11/20/2026" in mail.body
    assert f"https://npiregistry.cms.hhs.gov/provider-view/{number}" in mail.body
    assert actions("exclusions.") == ["exclusions.flag.raise"]
    # Nothing is removed by default: the members keep their groups and the portal.
    assert all(groups for groups in member_groups(fake_keycloak, organization))

    again = screening.sweep_deactivations(clock(DAY2))  # the same file imported again
    assert (again.raised, again.cleared) == (0, 0)
    assert len(mails("exclusions.deactivation")) == 1
    assert actions("exclusions.") == ["exclusions.flag.raise"]


def test_deactivation_with_the_setting_suspends_and_reactivation_restores(
        app: Flask, fake_keycloak: FakeKeycloak) -> None:
    app.config["EXCLUSIONS_SUSPEND_ON_FLAG"] = True
    number = npi(700_000_011)
    organization = org_with_npi(fake_keycloak, number)
    before = member_groups(fake_keycloak, organization)
    people = [m.user_id for m in organization.memberships]
    registry(number, False, date(2026, 11, 20))

    result = screening.sweep_deactivations(clock(DAY1))
    assert (result.raised, result.suspended) == (1, 1)
    assert flags_of(organization) == [("nppes", "open", True)]
    assert member_groups(fake_keycloak, organization) == [[], []]  # the next token: no org
    assert all(approved_memberships(p) == [] for p in people)  # refused live
    assert [c.status for c in organization_choices(people[0])] == ["suspended"]

    registry(number, True, date(2026, 11, 20), reactivated=date(2026, 11, 28))
    cleared = screening.sweep_deactivations(clock(DAY2))
    assert (cleared.cleared, cleared.restored) == (1, 1)
    assert flags_of(organization) == [("nppes", "cleared", False)]
    assert member_groups(fake_keycloak, organization) == before
    assert [len(approved_memberships(p)) for p in people] == [1, 1]
    assert actions("exclusions.") == ["exclusions.flag.raise", "exclusions.access.suspend",
                                      "exclusions.flag.clear", "exclusions.access.restore"]


def test_deactivation_suspension_undone_when_keycloak_fails_part_way(
        app: Flask, fake_keycloak: FakeKeycloak) -> None:
    app.config["EXCLUSIONS_SUSPEND_ON_FLAG"] = True
    number = npi(700_000_021)
    organization = org_with_npi(fake_keycloak, number)
    before = member_groups(fake_keycloak, organization)
    registry(number, False, date(2026, 11, 20))
    fake_keycloak.fail("remove_from_group", nth=3, status=500)

    result = screening.sweep_deactivations(clock(DAY1))
    assert result.failed == [organization.key] and result.raised == 0
    assert flags_of(organization) == [] and mails("exclusions.deactivation") == []
    assert member_groups(fake_keycloak, organization) == before  # nothing half-applied
    retried = screening.sweep_deactivations(clock(DAY2))  # the next run retries
    assert (retried.raised, retried.suspended) == (1, 1)


def test_deactivation_flag_plan_admin_keeps_access_with_a_note(
        app: Flask, fake_keycloak: FakeKeycloak) -> None:
    app.config["EXCLUSIONS_SUSPEND_ON_FLAG"] = True
    number = npi(700_000_031)
    organization = org_with_npi(fake_keycloak, number)
    before = member_groups(fake_keycloak, organization)
    registry(number, False, date(2026, 11, 20))
    screening.sweep_deactivations(clock(DAY1))
    flag = EligibilityFlag.query.filter_by(organization_id=organization.id).one()

    with pytest.raises(DecisionFailed, match="a note is required"):
        screening.decide(flag.id, "keep", " ", REVIEWER)
    screening.decide(flag.id, "keep", "Replaced by a new NPI; called the office", REVIEWER)
    assert flags_of(organization) == [("nppes", "kept", False)]
    assert member_groups(fake_keycloak, organization) == before
    kept = [e for e in AuditEvent.query if e.action == "exclusions.flag.keep"]
    assert [(e.actor_email, e.details["note"]) for e in kept] == [
        ("reviewer@plan.test", "Replaced by a new NPI; called the office")]
    with pytest.raises(DecisionFailed, match="cannot be keep"):
        screening.decide(flag.id, "keep", "again", REVIEWER)  # a second click, replayed
    screening.decide(flag.id, "suspend", "Confirmed deactivated", REVIEWER)
    assert flags_of(organization) == [("nppes", "suspended", True)]
    assert member_groups(fake_keycloak, organization) == [[], []]
    assert screening.sweep_deactivations(clock(DAY2)).raised == 0  # still one flag


# LEIE / SAM screening ----------------------------------------------------------------------


def load_leie(tmp_path: Path, *extra: dict[str, str]) -> None:
    path = synthetic.write_leie(tmp_path / "UPDATED.csv", extra=extra)
    load_exclusions("leie", LeieReader(path, Refusals()), "LEIE")


def test_rescreen_flags_an_approved_organization_and_mails_plan_admins_once(
        tmp_path: Path, fake_keycloak: FakeKeycloak) -> None:
    reviewer = fake_keycloak.create_user("pat@plan.test", "Pat", "Reviewer", {},
                                         required_actions=[])
    fake_keycloak.assign_realm_role(reviewer, "plan-admin")
    listed = org_with_npi(fake_keycloak, synthetic.LEIE_BUSINESS_NPI)
    waived = org_with_npi(fake_keycloak, synthetic.LEIE_WAIVED_NPI)  # waived in WI
    reinstated = org_with_npi(fake_keycloak, synthetic.LEIE_REINSTATED_NPI)
    load_leie(tmp_path)

    result = screening.screen(clock(DAY1))
    assert (result.raised, result.mailed, result.organizations) == (1, 1, 3)
    assert flags_of(listed) == [("leie", "open", False)]
    assert flags_of(waived) == flags_of(reinstated) == []
    [mail] = mails("exclusions.screen")
    assert mail.to == "pat@plan.test" and listed.name in mail.body and "1128b7" in mail.body

    again = screening.screen(clock(DAY2))
    assert (again.raised, again.mailed, again.cleared) == (0, 0, 0)
    assert len(mails("exclusions.screen")) == 1

    # Next month's file: reinstated.
    load_leie(tmp_path, {
        "BUSNAME": "ST. MARY'S HOME CARE, INC.", "NPI": synthetic.LEIE_BUSINESS_NPI,
        "STATE": "WI", "EXCLTYPE": "1128b7", "EXCLDATE": "20230420", "REINDATE": "20261130"})
    db.session.execute(db.delete(ExclusionRecord).where(
        ExclusionRecord.npi == synthetic.LEIE_BUSINESS_NPI, ExclusionRecord.ended_on.is_(None)))
    db.session.commit()
    cleared = screening.screen(clock(DAY2))
    assert (cleared.cleared, cleared.mailed) == (1, 0)
    assert flags_of(listed) == [("leie", "cleared", False)]
    assert "exclusions.flag.clear" in actions("exclusions.")


def test_rescreen_sam_extract_match_suspends_with_the_setting(
        app: Flask, tmp_path: Path, fake_keycloak: FakeKeycloak) -> None:
    app.config["EXCLUSIONS_SUSPEND_ON_FLAG"] = True
    listed = org_with_npi(fake_keycloak, synthetic.SAM_FIRM_NPI)
    inactive = org_with_npi(fake_keycloak, synthetic.SAM_INACTIVE_NPI)
    path = synthetic.write_sam(tmp_path / "SAM.ZIP")
    load_exclusions("sam", SamReader(path, Refusals()), "SAM")
    result = screening.screen(clock(DAY1))
    assert (result.raised, result.suspended) == (1, 1)
    assert flags_of(listed) == [("sam", "open", True)] and flags_of(inactive) == []
    assert member_groups(fake_keycloak, listed) == [[], []]


# At registration review --------------------------------------------------------------------


def test_exclusion_match_at_registration_requires_an_override_note(
        tmp_path: Path, fake_keycloak: FakeKeycloak) -> None:
    load_leie(tmp_path)
    organization = new_organization(fake_keycloak, status="pending")
    organization.identifiers[0].npi = synthetic.LEIE_BUSINESS_NPI
    add_person(fake_keycloak, organization, status="pending", site_admin=True)
    db.session.commit()

    with pytest.raises(DecisionFailed, match="override note"):
        decisions.approve_organization(organization, "called", REVIEWER)
    db.session.expire_all()
    assert db.session.get(Organization, organization.id).status == "pending"
    assert EligibilityFlag.query.count() == 0

    organization = db.session.get(Organization, organization.id)
    decisions.approve_organization(organization, "called", REVIEWER,
                                   override_note="OIG confirmed the owner sold the agency")
    db.session.expire_all()
    assert db.session.get(Organization, organization.id).status == "active"
    [override] = [e for e in AuditEvent.query if e.action == "exclusions.override"]
    assert override.actor_email == "reviewer@plan.test"
    assert override.details["note"] == "OIG confirmed the owner sold the agency"
    assert "LEIE 1128b7 2023-04-20" in override.details["matches"][0]
    assert flags_of(organization) == [("leie", "kept", False)]
    assert screening.screen(clock(DAY1)).raised == 0  # already decided: not raised again


def test_exclusion_possible_match_by_name_never_blocks_approval(
        tmp_path: Path, fake_keycloak: FakeKeycloak) -> None:
    load_leie(tmp_path)
    organization = new_organization(fake_keycloak, status="pending")
    organization.name, organization.state = "O'Brien Family Medicine SC", "WI"
    add_person(fake_keycloak, organization, status="pending", site_admin=True)
    db.session.commit()
    from idp_bridge.exclusions.review import organization_matches

    [possible] = organization_matches(organization, DAY1.date())
    assert (possible.exact, possible.listing.name) == (False, "O'BRIEN FAMILY MEDICINE, S.C.")
    decisions.approve_organization(organization, "called", REVIEWER)
    db.session.expire_all()
    assert db.session.get(Organization, organization.id).status == "active"


# Loading ---------------------------------------------------------------------------------


def test_leie_import_replaces_the_list_and_a_wrong_file_changes_nothing(
        tmp_path: Path, fake_keycloak: FakeKeycloak) -> None:
    load_leie(tmp_path)
    load_leie(tmp_path)  # the same month again: replaced, not doubled
    assert ExclusionRecord.query.filter_by(source="leie").count() == 7
    sam = synthetic.write_sam(tmp_path / "SAM.ZIP")
    with pytest.raises(NotAnExclusionFile):
        load_exclusions("leie", LeieReader(sam, Refusals()), "LEIE")
    assert ExclusionRecord.query.filter_by(source="leie").count() == 7


def test_deactivation_report_updates_the_registry_and_keeps_later_reactivations(
        app: Flask, tmp_path: Path, fake_keycloak: FakeKeycloak) -> None:
    reactivated = npi(158_800_301)
    registry(reactivated, True, date(2026, 1, 1), reactivated=date(2026, 12, 1))
    registry(synthetic.DEACTIVATED_NUMBER_CELL_NPI, True, None)
    path = synthetic.write_deactivation_report(tmp_path / "report.zip",
                                               synthetic.sample_deactivations())
    runner = app.test_cli_runner()
    out = runner.invoke(args=["exclusions", "import-deactivations", str(path)])
    assert out.exit_code == 0, out.output
    assert "Loaded 4 deactivated NPIs" in out.output
    db.session.expire_all()
    # 11/03/2026 is before the reactivation the registry knows: it stays active.
    assert db.session.get(NpiRecord, reactivated).active is True
    known = db.session.get(NpiRecord, synthetic.DEACTIVATED_NUMBER_CELL_NPI)
    assert (known.active, known.deactivated_on) == (False, date(2026, 11, 17))
    blank = db.session.get(NpiRecord, npi(158_800_302))  # unknown before: NPPES's blank record
    assert (blank.active, blank.entity_type, blank.deactivated_on) == (
        False, 0, date(2026, 11, 28))


def test_exclusion_cli_imports_print_rows_and_refuse_wrong_layouts(
        app: Flask, tmp_path: Path, fake_keycloak: FakeKeycloak) -> None:
    runner = app.test_cli_runner()
    leie = synthetic.write_leie(tmp_path / "UPDATED.csv")
    sam = synthetic.write_sam(tmp_path / "SAM_Exclusions_Public_Extract_V2_26335.ZIP")
    out = runner.invoke(args=["exclusions", "import-leie", str(leie)])
    assert out.exit_code == 0 and "Loaded 7 LEIE rows from UPDATED.csv" in out.output
    assert "1 with an NPI whose check digit is wrong" in out.output
    out = runner.invoke(args=["exclusions", "import-sam", str(sam)])
    assert out.exit_code == 0 and "Loaded 5 SAM rows" in out.output
    out = runner.invoke(args=["exclusions", "import-sam", str(leie)])
    assert out.exit_code == 1 and "Nothing was imported" in out.output
    assert ExclusionRecord.query.filter_by(source="sam").count() == 5
    with leie.open("ab") as handle:
        handle.write(b"broken,line\r\n")
    out = runner.invoke(args=["exclusions", "import-leie", str(leie)])
    assert out.exit_code == 1 and "Refused 1 line" in out.output and "line 9" in out.output
    out = runner.invoke(args=["exclusions", "screen"])
    assert out.exit_code == 0 and "Screened 0 approved organizations" in out.output
