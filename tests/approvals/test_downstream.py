"""Another health-plan app trusts our tokens: idp_bridge.tokens + idp_bridge.keycloak.access."""

from __future__ import annotations

import base64
import json
import time

import pytest
import requests

from examples.downstream_app import create_app
from idp_bridge.extensions import db
from idp_bridge.keycloak.groups import grants_from_groups, paths_for
from idp_bridge.organizations.models import Organization
from idp_bridge.tokens import InvalidToken, TokenVerifier
from tests.support.consoles import approve, membership_id, signed_in, site_act
from tests.support.tokens import refresh, user_tokens
from tests.support.wizard import PASSWORD

pytestmark = pytest.mark.keycloak


@pytest.fixture
def downstream(keycloak):
    verifier = TokenVerifier(f"{keycloak.base_url}/realms/{keycloak.realm}", "provider-apps")
    return create_app(verifier).test_client()


def call(client, org_key: str, token: str) -> int:
    return client.get(f"/organizations/{org_key}/claims",
                      headers={"Authorization": f"Bearer {token}"}).status_code


def tokens_for(keycloak, bridge, who: str) -> dict[str, str]:
    return user_tokens(keycloak.base_url, keycloak.realm, bridge, keycloak.client_secret,
                       who, PASSWORD)


def test_downstream_app_trusts_approved_roles_only(bridge, live_app, keycloak, plan_admin,
                                                   new_registered_org, new_individual,
                                                   downstream):
    org = new_registered_org()
    approve(bridge, live_app, plan_admin, org["key"])
    person = new_individual(org, "Avery")
    pending = tokens_for(keycloak, bridge, person)
    assert call(downstream, org["key"], pending["access_token"]) == 403  # not approved yet

    admin = signed_in(bridge, org["admin"])
    mid = membership_id(live_app, person, org["key"])
    site_act(admin, bridge, org["key"], mid, "approve")
    no_role = tokens_for(keycloak, bridge, person)
    assert call(downstream, org["key"], no_role["access_token"]) == 403  # approved, no Claims
    site_act(admin, bridge, org["key"], mid, "grant-role", role="claims")
    granted = tokens_for(keycloak, bridge, person)
    assert call(downstream, org["key"], granted["access_token"]) == 200
    claims = TokenVerifier(f"{keycloak.base_url}/realms/{keycloak.realm}",
                           "provider-apps").verify(granted["access_token"])
    [described] = claims["organizations"]  # the plugin's purpose-built claim
    assert (described["key"], described["npis"], described["roles"],
            described["site_admin"]) == (org["key"], [org["npi"]], ["claims"], False)
    assert described["name"]
    # The TIN (a sole proprietor's may be their SSN) is only in a token asked for with the
    # organization-tins scope (tests/security/test_claims.py): not in this one, not in the
    # organization's key, its group paths or addresses.
    tin = org["tin"].replace("-", "")
    assert "tins" not in described and tin not in json.dumps(claims)
    assert org["npi"] in org["key"] and tin not in org["key"]
    assert not [path for path in claims["groups"] if tin in path]
    # Keycloak's own group claim and the plugin's claim follow the one layout the bridge
    # writes (idp_bridge/keycloak/groups.py): the contract between the Java mapper and Python.
    assert set(paths_for(org["key"], False, ["claims"])) <= set(claims["groups"])
    grant = grants_from_groups(claims["groups"])[org["key"]]
    assert (sorted(grant.roles), grant.site_admin) == (described["roles"],
                                                       described["site_admin"])
    assert call(downstream, "some-other-org", granted["access_token"]) == 403

    site_act(admin, bridge, org["key"], mid, "remove")
    # Removal ended the sessions: the refresh token no longer works ...
    assert refresh(keycloak.base_url, keycloak.realm, keycloak.client_secret,
                   granted["refresh_token"]).status_code == 400
    # ... and a new sign-in yields a token the app refuses.
    again = tokens_for(keycloak, bridge, person)
    assert call(downstream, org["key"], again["access_token"]) == 403


def test_downstream_app_refuses_foreign_expired_and_tampered_tokens(keycloak, downstream,
                                                                    plan_admin, bridge):
    other_realm = requests.post(
        f"{keycloak.base_url}/realms/master/protocol/openid-connect/token",
        data={"grant_type": "password", "client_id": "admin-cli", "username": "admin",
              "password": "dev-only-admin-password"}, timeout=30).json()["access_token"]
    assert call(downstream, "any", other_realm) == 401

    token = tokens_for(keycloak, bridge, plan_admin["email"])["access_token"]
    issuer = f"{keycloak.base_url}/realms/{keycloak.realm}"
    later = TokenVerifier(issuer, "provider-apps", clock=lambda: time.time() + 3600)
    assert call(create_app(later).test_client(), "any", token) == 401  # expired by then

    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["groups"] = ["/provider-orgs/any", "/provider-orgs/any/roles/claims"]
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    assert call(downstream, "any", f"{header}.{forged}.{signature}") == 401
    assert call(downstream, "any", "not-a-token") == 401


def test_keycloak_id_and_refresh_tokens_are_refused_as_access_tokens(keycloak, bridge,
                                                                     plan_admin):
    tokens = tokens_for(keycloak, bridge, plan_admin["email"])
    issuer = f"{keycloak.base_url}/realms/{keycloak.realm}"
    # An app whose audience is the ID token's own (the bridge's client id) ...
    same_audience = TokenVerifier(issuer, "idp-bridge")
    id_claims = same_audience.verify_id_token(tokens["id_token"])  # genuine, and for it
    assert (id_claims["typ"], id_claims["aud"]) == ("ID", "idp-bridge")
    # ... still refuses it as a bearer token: Keycloak marks access tokens typ=Bearer.
    with pytest.raises(InvalidToken, match="token type"):
        same_audience.verify(tokens["id_token"])
    assert call(create_app(same_audience).test_client(), "any", tokens["id_token"]) == 401
    # Refresh tokens are signed with the realm's HMAC key: no published key verifies them.
    with pytest.raises(InvalidToken, match="algorithm"):
        same_audience.verify(tokens["refresh_token"])
    # The access token from the same sign-in is the one that works, and only as one.
    apps = TokenVerifier(issuer, "provider-apps")
    assert apps.verify(tokens["access_token"])["typ"] == "Bearer"
    with pytest.raises(InvalidToken, match="token type"):
        TokenVerifier(issuer, "provider-apps").verify_id_token(tokens["access_token"])


def test_reconcile_takes_the_tin_out_of_an_earlier_releases_key(bridge, live_app, keycloak,
                                                                plan_admin,
                                                                new_registered_org):
    org = new_registered_org()
    approve(bridge, live_app, plan_admin, org["key"])
    tin = org["tin"].replace("-", "")
    old_key = f"{org['npi']}-{tin}"  # how earlier releases named an organization
    with live_app.app_context():
        organization = Organization.query.filter_by(key=org["key"]).one()
        group_id = organization.keycloak_group_id
        keycloak.gateway.rename_group(group_id, old_key)
        organization.key = old_key
        db.session.commit()
        oid = organization.id
    admin = signed_in(bridge, org["admin"])
    assert admin.get(f"{bridge}/org/{old_key}/members", timeout=30).status_code == 200
    before = TokenVerifier(f"{keycloak.base_url}/realms/{keycloak.realm}", "provider-apps")
    claims = before.verify(tokens_for(keycloak, bridge, org["admin"])["access_token"])
    assert f"/provider-orgs/{old_key}/site-admins" in claims["groups"]

    result = live_app.test_cli_runner().invoke(args=["reconcile"])

    assert result.exit_code == 0, result.output
    assert f"renamed organization {oid}'s key to {org['key']}" in result.output
    assert tin not in result.output
    with live_app.app_context():
        assert db.session.get(Organization, oid).key == org["key"]
    group = keycloak.gateway.group_by_path(f"/provider-orgs/{org['key']}")
    assert group is not None and group["id"] == group_id  # the same group: members kept
    claims = before.verify(tokens_for(keycloak, bridge, org["admin"])["access_token"])
    assert f"/provider-orgs/{org['key']}/site-admins" in claims["groups"]
    assert not [path for path in claims["groups"] if tin in path]
    assert admin.get(f"{bridge}/org/{org['key']}/members", timeout=30).status_code == 200
    assert admin.get(f"{bridge}/org/{old_key}/members", timeout=30).status_code in (403, 404)
    again = live_app.test_cli_runner().invoke(args=["reconcile"])
    assert "renamed organization" not in again.output
