"""The members and organizations pages show one page at a time: pending first, searchable,
filtered by status, and never every row. (The same pages against the real Keycloak are in
test_approvals; here the database is seeded directly so the paging rules are quick to check.)"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from flask import g, session
from sqlalchemy import event

from idp_bridge.approvals import plan_admin, site_admin
from idp_bridge.brand import BRANDS
from idp_bridge.extensions import db
from idp_bridge.organizations.models import Membership, Organization, OrganizationIdentifier

KEY = "1588000012-391588001"
ADMIN_SUB = "admin-sub"
T0 = datetime(2026, 1, 1)


def _organization(name: str, key: str, status: str, npi: str, at: datetime) -> Organization:
    org = Organization(key=key, name=name, address_line1="1 Main St", city="Madison",
                       state="WI", zip="53703", business_phone="608-555-0100",
                       email="office@clinic.test", status=status, created_at=at,
                       keycloak_group_id="g-" + key)
    org.identifiers.append(OrganizationIdentifier(npi=npi, tin=key[-9:], is_primary=True))
    return org


@pytest.fixture
def seeded(app):
    """One organization with 60 people waiting and 60 members (one of them the admin)."""
    with app.app_context():
        org = _organization("Lakeside Clinic", KEY, "active", "1588000012", T0)
        db.session.add(org)
        db.session.flush()
        db.session.add(Membership(organization_id=org.id, user_id=ADMIN_SUB, email="boss@x.test",
                                  first_name="Alex", last_name="Admin", status="approved",
                                  is_site_admin=True, roles=[], requested_at=T0))
        for i in range(60):
            db.session.add(Membership(organization_id=org.id, user_id=f"p{i}",
                                      email=f"waiting{i:02d}@clinic.test", first_name="Wade",
                                      last_name=f"Waiting{i:02d}", status="pending",
                                      requested_at=T0 + timedelta(minutes=i)))
        for i in range(59):
            db.session.add(Membership(organization_id=org.id, user_id=f"m{i}",
                                      email=f"member{i:02d}@clinic.test", first_name="Mia",
                                      last_name=f"Member{i:02d}", status="approved", roles=[],
                                      requested_at=T0))
        db.session.add(Membership(organization_id=org.id, user_id="gone", email="gone@x.test",
                                  first_name="Gus", last_name="Gone", status="removed"))
        db.session.commit()
    return app


class Pages:
    """Renders a page's view as signed in. Who may see it is checked live against Keycloak
    by the decorators (covered in test_approvals); here only the listing is under test."""

    def __init__(self, app) -> None:  # type: ignore[no-untyped-def]
        self.app = app

    def get(self, path: str, view=site_admin.members, **kwargs) -> str:  # type: ignore[no-untyped-def]
        with self.app.test_request_context(path):
            if view is site_admin.members:
                kwargs.setdefault("org_key", KEY)
            else:  # the plan's central team: every brand (auth/admin_brands.py)
                session["user"] = {"sub": "central-team"}
                g.plan_admin_brands_now = ("central-team", frozenset(BRANDS))
            answer = view.__wrapped__(**kwargs)
            return answer if isinstance(answer, str) else answer.get_data(as_text=True)


@pytest.fixture
def site_admin_pages(seeded) -> Pages:
    return Pages(seeded)


def _rows(page: str, table: str) -> list[str]:
    body = page.split(f'<table id="{table}"', 1)  # the table may carry more attributes
    if len(body) == 1:
        return []
    return re.findall(r"<tr[ >](?:(?!</tr>).)*?([a-z]+\d\d@clinic\.test|boss@x\.test)",
                      body[1].split(">", 1)[1].split("</table>", 1)[0], flags=re.S)


def test_first_page_shows_fifty_people_waiting_oldest_first_and_no_member(site_admin_pages):
    page = site_admin_pages.get(f"/org/{KEY}/members")
    waiting = _rows(page, "pending")
    assert waiting == [f"waiting{i:02d}@clinic.test" for i in range(50)]
    assert _rows(page, "approved") == []
    assert "Page 1 of 3" in page and "Waiting for your approval (60)" in page


def test_second_page_finishes_the_queue_then_lists_members_by_name(site_admin_pages):
    page = site_admin_pages.get(f"/org/{KEY}/members?page=2")
    assert _rows(page, "pending") == [f"waiting{i:02d}@clinic.test" for i in range(50, 60)]
    members = _rows(page, "approved")
    assert members[:2] == ["boss@x.test", "member00@clinic.test"] and len(members) == 40
    assert "gone@x.test" not in page  # removed people are not listed


def test_search_by_name_or_email_and_filter_by_status(site_admin_pages):
    by_email = site_admin_pages.get(f"/org/{KEY}/members?q=member07")
    assert _rows(by_email, "approved") == ["member07@clinic.test"]
    assert "No one waiting matches your search." in by_email
    by_name = site_admin_pages.get(f"/org/{KEY}/members?q=wade+waiting05")
    assert _rows(by_name, "pending") == ["waiting05@clinic.test"]
    only_members = site_admin_pages.get(f"/org/{KEY}/members?status=approved")
    assert 'id="pending"' not in only_members and len(_rows(only_members, "approved")) == 50
    wildcard = site_admin_pages.get(f"/org/{KEY}/members?q=%25")
    assert _rows(wildcard, "approved") == []  # "%" is a character, not a wildcard


def test_a_page_costs_a_fixed_number_of_queries(site_admin_pages, seeded):
    statements: list[str] = []

    def count(conn, cursor, statement, *rest) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    with seeded.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert "Page 2 of 3" in site_admin_pages.get(f"/org/{KEY}/members?page=2")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    # the organization, the counts, one page of each status (pending, approved, suspended),
    # the page's last sign-ins, the open invitations (idp_bridge.lifecycle, invitations):
    # not one query per person
    assert len(statements) <= 7, "\n".join(s[:120] for s in statements)


def test_an_action_returns_to_the_same_search_and_page(seeded):
    with seeded.app_context():
        mid = Membership.query.filter_by(email="member07@clinic.test").one().id
    path = f"/org/{KEY}/members/{mid}/approve?q=member07&page=2"
    with seeded.test_request_context(path, method="POST"):
        # already a member: refused before Keycloak is asked, back to the same view
        answer = site_admin.act.__wrapped__(org_key=KEY, membership_id=mid, action="approve")
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith(f"/org/{KEY}/members?q=member07&page=2")


def test_bad_page_numbers_show_the_first_page(site_admin_pages):
    assert "Page 1 of 3" in site_admin_pages.get(f"/org/{KEY}/members?page=abc")


def test_review_queue_pages_and_finds_by_npi_with_pending_first(app):
    with app.app_context():
        for i in range(55):
            db.session.add(_organization(f"Clinic {i:02d}", f"k{i}", "pending",
                                         f"15880{i:05d}", T0 + timedelta(hours=i)))
        db.session.add(_organization("Old Active Clinic", "old", "active", "1999999999", T0))
        db.session.commit()
    queue = Pages(app)
    first = queue.get("/admin/organizations", plan_admin.organizations)
    assert first.count("Clinic ") == 50 and "Clinic 00" in first and "Old Active" not in first
    assert "Page 1 of 2" in first
    everyone = queue.get("/admin/organizations?status=&page=2", plan_admin.organizations)
    assert "Clinic 54" in everyone and "Old Active Clinic" in everyone  # pending first
    assert 'status=&amp;page=1' in everyone or 'href="/admin/organizations?status="' in everyone
    found = queue.get("/admin/organizations?q=1588000042", plan_admin.organizations)
    assert "Clinic 42" in found and "Clinic 41" not in found
