"""The plan administrator's three queues read in a real browser, on both brands: NPI and TIN
requests (``/admin/identifiers``), Registry changes (``/admin/registry-changes``) and Overdue
access reviews (``/admin/access-reviews``). The plan administrator signs in through the real
Keycloak (password, then the phone code), reaches each screen by its link, reads the row of
an item put in its queue (the words shown, the buttons' text), decides it, reads the message
after, and every screen passes axe (0 serious/critical) at desktop and at 390 px with nothing
cut off (``journey.step``)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from playwright.sync_api import Browser, Page, expect

from idp_bridge.clock import utcnow
from idp_bridge.exclusions import screening
from idp_bridge.exclusions.models import EligibilityFlag
from idp_bridge.extensions import db
from idp_bridge.lifecycle.models import AccessReview
from idp_bridge.messages import message
from idp_bridge.npi.models import NpiRecord
from idp_bridge.organizations.models import OrganizationIdentifier
from tests.browser import steps
from tests.support.axe import assert_screen_ok
from tests.support.browser import DESKTOP
from tests.support.consoles import post_form, signed_in
from tests.support.organizations import add_person, new_organization
from tests.support.wizard import PASSWORD

pytestmark = [pytest.mark.keycloak, pytest.mark.browser]

DEACTIVATED_ON = date(2026, 11, 20)
DAYS_OVERDUE = 45


@pytest.fixture
def clinic(live_app, keycloak, brand, fresh_org) -> Iterator[dict]:
    """An approved organization of the brand with its Site Administrator (no phone: Keycloak
    asks for none), whose primary NPI is one of the registry's, so NPPES can deactivate it;
    the registry is put back afterwards."""
    npi = fresh_org()["npi"]
    with live_app.app_context():
        organization = new_organization(keycloak.gateway)
        organization.brand = brand
        organization.identifiers[0].npi = npi
        admin = add_person(keycloak.gateway, organization, site_admin=True, first_name="Ada")
        admin.brand = brand
        keycloak.gateway.set_password(admin.user_id, PASSWORD)
        db.session.commit()
        found = {"key": organization.key, "name": organization.name, "id": organization.id,
                 "admin": admin.email, "npi": npi}
        db.session.remove()
    yield found
    with live_app.app_context():
        record = db.session.get(NpiRecord, npi)
        record.active, record.deactivated_on = True, None
        db.session.commit()


def cells(row) -> list[str]:  # type: ignore[no-untyped-def]
    return [" ".join(text.split()) for text in row.locator("td").all_inner_texts()]


def buttons(row) -> list[str]:  # type: ignore[no-untyped-def]
    return [text.strip() for text in row.get_by_role("button").all_inner_texts()]


def open_from_organizations(page: Page, site: str, link: str) -> None:
    """The screens are reached from "Review organizations", as a plan administrator does."""
    page.goto(f"{site}/admin/organizations")
    page.locator(link).click()
    page.wait_for_load_state("load")


def test_plan_admin_queues_are_read_and_decided_in_a_browser(
        journey, site, brand, live_app, keycloak, outbox, fresh_org, plan_admin, clinic,
        browser: Browser):
    pair = fresh_org()  # the NPI and TIN the Site Administrator asks to add
    key, name = clinic["key"], clinic["name"]

    # Something in each queue: a request from the Site Administrator's console, a
    # deactivation found by the registry sweep, a review past its due date.
    asked = post_form(signed_in(site, clinic["admin"]), site, f"/org/{key}/identifiers",
                      f"/org/{key}/identifiers", pair)
    assert asked.status_code == 200, asked.text[:500]
    with live_app.app_context():
        pair_id = OrganizationIdentifier.query.filter_by(npi=pair["npi"]).one().id
        registry_name = db.session.get(NpiRecord, pair["npi"]).name
        record = db.session.get(NpiRecord, clinic["npi"])
        record.active, record.deactivated_on = False, DEACTIVATED_ON
        db.session.commit()
        screening.sweep_deactivations()
        flag_id = EligibilityFlag.query.filter_by(organization_id=clinic["id"]).one().id
        db.session.merge(AccessReview(organization_id=clinic["id"],
                                      due_at=utcnow() - timedelta(days=DAYS_OVERDUE)))
        db.session.commit()
        db.session.remove()

    page = journey.page
    steps.sign_in(journey, site, plan_admin["email"])

    # NPI and TIN requests --------------------------------------------------------------
    open_from_organizations(page, site, "#identifier-requests a")
    expect(page.get_by_role("heading", level=1)).to_have_text("NPI and TIN requests")
    row = page.locator(f"#request-{pair_id}")
    organization, requested, numbers, registry = cells(row)[:4]
    assert organization.startswith(name) and "Madison, WI" in organization, organization
    assert requested.startswith(f"by {clinic['admin']} "), requested
    assert numbers == f"{pair['npi']} / {pair['tin']}", numbers
    assert registry.startswith(registry_name) and "active, organization" in registry, registry
    assert buttons(row) == ["APPROVE", "DENY"]  # as shown: the buttons are in capitals
    journey.step("identifier-requests")
    row.get_by_role("button", name="Approve").click()
    expect(page.locator(".flash.success")).to_have_text(
        message("pair.approved", npi=pair["npi"], organization=name))
    expect(row).to_have_count(0)
    journey.step("identifier-request-approved")

    # Registry changes ------------------------------------------------------------------
    open_from_organizations(page, site, "#registry-changes")
    expect(page.get_by_role("heading", level=1)).to_have_text("Registry changes")
    row = page.locator(f"#flag-{flag_id}")
    assert cells(row)[:6] == [name, "NPPES", clinic["npi"], DEACTIVATED_ON.strftime("%m/%d/%Y"),
                              "NPI deactivated", "Open"], cells(row)
    assert buttons(row) == ["KEEP ACCESS", "SUSPEND ACCESS"]
    journey.step("registry-changes")
    row.get_by_label("Note").fill("Called the office: reactivation requested")
    row.get_by_role("button", name="Keep access").click()
    expect(page.locator(".flash.success")).to_have_text(
        message("exclusions.decided.keep", organization=name))
    state = cells(row)[5]
    assert state == (f"Access kept {plan_admin['email']}: Called the office: reactivation "
                     "requested"), state
    assert buttons(row) == ["SUSPEND ACCESS"]
    journey.step("registry-change-kept")

    # Overdue access reviews ------------------------------------------------------------
    open_from_organizations(page, site, "#overdue-reviews-link")
    expect(page.get_by_role("heading", level=1)).to_have_text("Overdue access reviews")
    row = page.locator("#overdue-reviews tbody tr",
                       has=page.locator(f'a[href$="/admin/organizations/{clinic["id"]}"]'))
    due = (utcnow() - timedelta(days=DAYS_OVERDUE)).strftime("%Y-%m-%d")
    assert cells(row) == [name, due, str(DAYS_OVERDUE), "not yet"], cells(row)
    journey.step("overdue-access-reviews")

    # The review is the Site Administrator's to complete; then it leaves the queue.
    complete_review(browser, site, clinic["admin"])
    page.reload()
    expect(row).to_have_count(0)
    journey.step("overdue-access-reviews-after")


def complete_review(browser: Browser, site: str, admin: str) -> None:
    """The Site Administrator signs in, is taken to the review, keeps themself, completes."""
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        page.goto(f"{site}/login")
        page.locator("#username").fill(admin)
        page.locator("#password").fill(PASSWORD)
        page.locator("#kc-login").click()
        expect(page.locator("#access-review")).to_be_visible()
        page.get_by_label("Keep").check()
        page.get_by_role("button", name="Complete review").click()
        expect(page.locator(".flash.success")).to_have_text(message("access_review.done"))
        assert_screen_ok(page, "access review completed")
    finally:
        context.close()

