"""The loads and sweeps on both databases (they take different bulk paths: executemany vs
COPY, and the deactivation report's UPDATE/INSERT): SQLite always, PostgreSQL when
TEST_DATABASE_URL names a server. Keycloak is the in-memory fake here (the real one:
test_exclusions_stack.py).

Named to sort after test_exclusions_stack.py: authlib's OAuth registry is process-wide and
keeps the first app's Keycloak clients, so in a session that runs both, the live bridge's app
must be created before these (which never sign in)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from idp_bridge.exclusions import screening, synthetic
from idp_bridge.exclusions.files import (
    DeactivationReportReader,
    LeieReader,
    NotAnExclusionFile,
    SamReader,
)
from idp_bridge.exclusions.models import EligibilityFlag, ExclusionRecord
from idp_bridge.exclusions.store import load_deactivations, load_exclusions
from idp_bridge.extensions import db
from idp_bridge.keycloak import init_app
from idp_bridge.mail.models import OutboundEmail
from idp_bridge.npi.bulk_file import Refusals
from idp_bridge.npi.synthetic import npi
from idp_bridge.organizations.models import Organization
from idp_bridge.organizations.queries import approved_memberships
from tests.support.databases import DATABASES, app_on
from tests.support.fake_keycloak import FakeKeycloak
from tests.support.organizations import add_person, new_organization

DAY = datetime(2026, 12, 6, 3, 0)


@pytest.fixture(params=DATABASES)
def both(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Flask, FakeKeycloak]]:
    with app_on(request.param, tmp_path, "exclusions_test") as app:
        fake = FakeKeycloak()
        init_app(app, fake)
        yield app, fake


def count(model: type, *where: object) -> int:
    return int(db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def test_leie_and_sam_extract_loads_on_both_databases(both, tmp_path: Path) -> None:
    leie = synthetic.write_leie(tmp_path / "UPDATED.csv", rows=2_000)
    sam = synthetic.write_sam(tmp_path / "SAM.ZIP", rows=3_000)
    assert load_exclusions("leie", LeieReader(leie, Refusals()), "LEIE").rows == 2_007
    assert load_exclusions("sam", SamReader(sam, Refusals()), "SAM").rows == 3_005
    again = load_exclusions("leie", LeieReader(leie, Refusals()), "LEIE")
    assert again.rows == 2_007 and count(ExclusionRecord) == 5_012
    with pytest.raises(NotAnExclusionFile):
        load_exclusions("sam", SamReader(leie, Refusals()), "SAM")
    assert count(ExclusionRecord, ExclusionRecord.source == "sam") == 3_005
    row = db.session.scalars(select(ExclusionRecord).where(
        ExclusionRecord.npi == synthetic.LEIE_WAIVED_NPI)).one()
    assert (row.waiver_on, row.waiver_state, row.record_active) == (date(2021, 7, 1), "WI",
                                                                    True)


def test_deactivation_report_and_sweep_on_both_databases(both, tmp_path: Path) -> None:
    app, fake = both
    app.config["EXCLUSIONS_SUSPEND_ON_FLAG"] = True
    number = npi(158_800_301)  # in the sample report, deactivated 11/03/2026
    organization = new_organization(fake)
    organization.identifiers[0].npi = number
    admin = add_person(fake, organization, site_admin=True, roles=["claims"])
    db.session.commit()
    report = synthetic.write_deactivation_report(tmp_path / "r.zip",
                                                 synthetic.sample_deactivations())
    assert load_deactivations(DeactivationReportReader(report, Refusals()), "D").rows == 4
    first = screening.sweep_deactivations(lambda: DAY)
    assert (first.raised, first.suspended) == (1, 1)
    assert approved_memberships(admin.user_id) == []
    assert fake.user_group_paths(admin.user_id) == []
    assert count(OutboundEmail, OutboundEmail.kind == "exclusions.deactivation") == 1
    load_deactivations(DeactivationReportReader(report, Refusals()), "D")  # imported again
    assert screening.sweep_deactivations(lambda: DAY).raised == 0
    assert count(OutboundEmail, OutboundEmail.kind == "exclusions.deactivation") == 1


def test_rescreen_on_both_databases_flags_once_and_clears(both, tmp_path: Path) -> None:
    app, fake = both
    listed = new_organization(fake)
    listed.identifiers[0].npi = synthetic.SAM_FIRM_NPI
    waived = new_organization(fake)
    waived.identifiers[0].npi = synthetic.LEIE_WAIVED_NPI  # waived in WI, the org's state
    db.session.commit()
    reviewer = fake.create_user("pat@plan.test", "Pat", "R", {}, required_actions=[])
    fake.assign_realm_role(reviewer, "plan-admin")
    load_exclusions("leie", LeieReader(synthetic.write_leie(tmp_path / "U.csv"), Refusals()),
                    "LEIE")
    sam = synthetic.write_sam(tmp_path / "SAM.ZIP")
    load_exclusions("sam", SamReader(sam, Refusals()), "SAM")
    first = screening.screen(lambda: DAY)
    assert (first.raised, first.mailed, first.organizations) == (1, 1, 2)
    assert screening.screen(lambda: DAY).raised == 0
    assert count(OutboundEmail, OutboundEmail.kind == "exclusions.screen") == 1
    # The exclusion terminates before the next screen.
    db.session.execute(db.update(ExclusionRecord).where(
        ExclusionRecord.npi == synthetic.SAM_FIRM_NPI).values(ended_on=date(2026, 12, 1)))
    db.session.commit()
    assert screening.screen(lambda: DAY).cleared == 1
    states = [f.state for f in db.session.scalars(select(EligibilityFlag).where(
        EligibilityFlag.organization_id == db.session.get(Organization, listed.id).id))]
    assert states == ["cleared"]
