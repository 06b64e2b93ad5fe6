"""Acting in the bridge's consoles over HTTP as a signed-in person: the plan administrator's
review (``approve``) and the Site Administrator's member actions (``site_act``)."""

from __future__ import annotations

import uuid

import requests
from flask import Flask

from idp_bridge.extensions import db
from idp_bridge.mail.models import OutboundEmail
from idp_bridge.organizations.models import Membership, Organization
from tests.support.keycloak_login import LoopbackSession, sign_in_to_bridge
from tests.support.waiting import wait_until
from tests.support.wizard import CSRF as CSRF_INPUT
from tests.support.wizard import PASSWORD


def email(prefix: str) -> str:
    """A fresh address, so tests never share a login."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}@clinic.test"


def signed_in(bridge: str, who: str) -> LoopbackSession:
    """A session signed in to the bridge as ``who`` (password, then the phone code)."""
    http, landed = sign_in_to_bridge(bridge, who, PASSWORD)
    assert landed.url.startswith(bridge), landed.url
    return http  # type: ignore[return-value]


def csrf_of(page_text: str) -> str:
    """The page's CSRF token, as its form draws it (the attributes in any order)."""
    found = CSRF_INPUT.search(page_text)
    assert found is not None, "no CSRF token on the page"
    return found.group(1)


def post_form(http: requests.Session, bridge: str, page_path: str, action_path: str,
              data: dict[str, str] | None = None) -> requests.Response:
    """Open the page (for its CSRF token), then post the form's action with ``data``."""
    page = http.get(bridge + page_path, timeout=30)
    return http.post(bridge + action_path, data={"csrf_token": csrf_of(page.text),
                                                 **(data or {})}, timeout=30)


def org_id(live_app: Flask, key: str) -> int:
    with live_app.app_context():
        return int(Organization.query.filter_by(key=key).one().id)


def membership_id(live_app: Flask, address: str, key: str) -> int:
    with live_app.app_context():
        org = Organization.query.filter_by(key=key).one()
        return int(Membership.query.filter_by(email=address, organization_id=org.id).one().id)


def approve(bridge: str, live_app: Flask, plan_admin: dict[str, str], key: str,
            verdict: str = "approve",
            note: str = "Called the office, details confirmed") -> requests.Response:
    """The plan administrator signs in and approves (or ``verdict="deny"``) the organization;
    back once the decision's email has gone out (the deliverer sends it, not the click)."""
    http = signed_in(bridge, plan_admin["email"])
    oid = org_id(live_app, key)
    answer = post_form(http, bridge, f"/admin/organizations/{oid}",
                       f"/admin/organizations/{oid}/{verdict}", {"note": note})
    wait_until(lambda: not undelivered_to_people_of(live_app, oid),
               what="the decision's email sent")
    return answer


def undelivered_to_people_of(live_app: Flask, oid: int) -> int:
    """Emails to the organization's people still waiting for the mail deliverer."""
    with live_app.app_context():
        people = db.select(Membership.email).where(Membership.organization_id == oid)
        waiting = OutboundEmail.query.filter(OutboundEmail.to.in_(people),
                                             OutboundEmail.status == "pending").count()
        db.session.remove()
        return int(waiting)


def site_act(http: requests.Session, bridge: str, key: str, mid: int, action: str,
             **data: str) -> requests.Response:
    """A Site Administrator's action on a member (approve, deny, grant-role, remove, ...)."""
    return post_form(http, bridge, f"/org/{key}/members", f"/org/{key}/members/{mid}/{action}",
                     data)
