"""Issue 19, rows 1 and 5: only the right person writes what tokens claim, and TINs are in
no token unless an app asks for them.

Each test attacks the running bridge as a Site Administrator (or an app) would, and reads the
verdict where it matters: the next access token Keycloak issues.
"""

from __future__ import annotations

import html
import json

import pytest
from flask import Flask

from idp_bridge.audit.models import AuditEvent
from idp_bridge.extensions import db
from idp_bridge.messages import message
from idp_bridge.organizations.models import Organization, OrganizationIdentifier
from idp_bridge.tokens import TokenVerifier
from tests.support.consoles import post_form
from tests.support.consoles import signed_in as signed_in_as
from tests.support.people import PASSWORD, Org, signed_in
from tests.support.tokens import user_tokens

pytestmark = pytest.mark.keycloak


def access_claims(keycloak, bridge: str, who: str, scope: str = "openid") -> dict:
    tokens = user_tokens(keycloak.base_url, keycloak.realm, bridge, keycloak.client_secret,
                         who, PASSWORD, scope=scope)
    verifier = TokenVerifier(f"{keycloak.base_url}/realms/{keycloak.realm}", "provider-apps")
    return verifier.verify(tokens["access_token"])


def npis_claimed(claims: dict, org: Org) -> list[str]:
    return [n for o in claims.get("organizations", []) if o["key"] == org.key
            for n in o["npis"]]


def give_pair(live_app: Flask, org: Org, pair: dict[str, str]) -> None:
    with live_app.app_context():
        organization = Organization.query.filter_by(key=org.key).one()
        organization.identifiers.append(OrganizationIdentifier(
            npi=pair["npi"], tin=pair["tin"].replace("-", "")))
        db.session.commit()


def add_pair(http, bridge: str, org: Org, pair: dict[str, str]):  # type: ignore[no-untyped-def]
    path = f"/org/{org.key}/identifiers"
    return post_form(http, bridge, path, path, pair)


def review(plan_admin_http, bridge: str, live_app: Flask, npi: str, verdict: str):  # type: ignore[no-untyped-def]
    with live_app.app_context():
        pair_id = OrganizationIdentifier.query.filter_by(npi=npi, status="pending").one().id
    queue = plan_admin_http.get(f"{bridge}/admin/identifiers", timeout=30)
    assert queue.status_code == 200
    return post_form(plan_admin_http, bridge, "/admin/identifiers",
                     f"/admin/identifiers/{pair_id}/{verdict}")


# Row 1 ------------------------------------------------------------------------------------


def test_an_added_npi_is_claimed_only_after_a_plan_administrator_approves_it(
        make_org, bridge, live_app, keycloak, plan_admin, fresh_org):
    a, b = make_org(admins=1), make_org(admins=1)
    theirs, unrelated = fresh_org(), fresh_org()
    give_pair(live_app, b, theirs)
    member = a.people[0].email
    admin = signed_in(bridge, a.people[0])

    # B's NPI: refused, in words that do not name B (nor say that B holds it).
    taken = add_pair(admin, bridge, a, {"npi": theirs["npi"], "tin": "41-5598765"})
    page = html.unescape(taken.text)
    assert taken.status_code == 422 and message("pair.cannot_add") in page
    assert "another organization" not in page
    with live_app.app_context():
        b_name = Organization.query.filter_by(key=b.key).one().name
    assert b_name not in page
    assert theirs["npi"] not in npis_claimed(access_claims(keycloak, bridge, member), a)

    # An unrelated active organizational NPI: pending, and absent from the next token.
    asked = add_pair(admin, bridge, a, unrelated)
    assert asked.status_code == 200 and "sent to" in html.unescape(asked.text)
    assert unrelated["npi"] not in npis_claimed(access_claims(keycloak, bridge, member), a)

    # The plan administrator's queue shows who asked and what the registry says; approve.
    reviewer = signed_in_as(bridge, plan_admin["email"])
    queue = html.unescape(reviewer.get(f"{bridge}/admin/identifiers", timeout=30).text)
    assert a.people[0].email in queue and unrelated["npi"] in queue
    assert "active, organization" in queue
    done = review(reviewer, bridge, live_app, unrelated["npi"], "approve")
    assert done.status_code == 200 and f"NPI {unrelated['npi']} is now part of" in done.text
    assert unrelated["npi"] in npis_claimed(access_claims(keycloak, bridge, member), a)

    # Another request, denied: never in a token.
    denied_pair = fresh_org()
    add_pair(admin, bridge, a, denied_pair)
    review(reviewer, bridge, live_app, denied_pair["npi"], "deny")
    assert denied_pair["npi"] not in npis_claimed(access_claims(keycloak, bridge, member), a)
    with live_app.app_context():
        actions = [e.action for e in AuditEvent.query.filter_by(organization_key=a.key)
                   .order_by(AuditEvent.id)]
    assert actions == ["identifier.request", "identifier.approve", "identifier.request",
                       "identifier.deny"]


def test_a_replayed_or_cross_site_approval_decides_nothing(
        make_org, bridge, live_app, keycloak, plan_admin, fresh_org):
    a = make_org(admins=1)
    pair = fresh_org()
    admin = signed_in(bridge, a.people[0])
    add_pair(admin, bridge, a, pair)
    with live_app.app_context():
        pair_id = OrganizationIdentifier.query.filter_by(npi=pair["npi"]).one().id
    # The Site Administrator cannot approve their own request.
    own = post_form(admin, bridge, f"/org/{a.key}/identifiers",
                    f"/admin/identifiers/{pair_id}/approve")
    assert own.status_code == 403
    reviewer = signed_in_as(bridge, plan_admin["email"])
    no_csrf = reviewer.post(f"{bridge}/admin/identifiers/{pair_id}/approve", timeout=30)
    assert no_csrf.status_code == 400
    review(reviewer, bridge, live_app, pair["npi"], "deny")
    replay = post_form(reviewer, bridge, "/admin/identifiers",
                       f"/admin/identifiers/{pair_id}/approve")
    assert message("pair.reviewed_already") in html.unescape(replay.text)
    assert pair["npi"] not in npis_claimed(access_claims(keycloak, bridge, a.people[0].email),
                                           a)
    assert json.dumps(access_claims(keycloak, bridge, a.people[0].email)).count(
        pair["npi"]) == 0


# Row 5 ------------------------------------------------------------------------------------


def test_tins_are_in_no_default_token_and_only_in_one_asked_for_with_the_scope(
        make_org, bridge, live_app, keycloak):
    from idp_bridge.organizations import group_shape

    org = make_org(admins=1)
    with live_app.app_context():
        organization = Organization.query.filter_by(key=org.key).one()
        tin = organization.identifiers[0].tin
        keycloak.gateway.update_group_attributes(organization.keycloak_group_id,
                                                 group_shape.attributes(organization))
    who = org.people[0].email
    tokens = user_tokens(keycloak.base_url, keycloak.realm, bridge, keycloak.client_secret,
                         who, PASSWORD)
    verifier = TokenVerifier(f"{keycloak.base_url}/realms/{keycloak.realm}", "provider-apps")
    default = verifier.verify(tokens["access_token"])
    [entry] = [o for o in default["organizations"] if o["key"] == org.key]
    assert "tins" not in entry
    assert tin not in json.dumps(default)
    # Nor in the ID token the same request returned (its payload, undecoded by any verifier).
    id_payload = tokens["id_token"].split(".")[1]
    import base64
    decoded = base64.urlsafe_b64decode(id_payload + "=" * (-len(id_payload) % 4)).decode()
    assert tin not in decoded

    asked = access_claims(keycloak, bridge, who, scope="openid organization-tins")
    [entry] = [o for o in asked["organizations"] if o["key"] == org.key]
    assert entry["tins"] == [tin] and "organization-tins" in asked["scope"].split()
