"""The example downstream app answers 401 for any bad token, 403 without access, never 500.

(tests/approvals/test_downstream.py runs the same app against tokens from the real Keycloak.)
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from examples.downstream_app import create_app
from idp_bridge.keycloak.access import Access
from idp_bridge.tokens import TokenVerifier
from tests.support.tokens import access_claims, b64, sign, signed

ascii_text = st.text(st.characters(min_codepoint=33, max_codepoint=126), max_size=40)


@pytest.fixture(scope="module")
def app_client(jwks):
    return create_app(TokenVerifier(jwks.issuer, "provider-apps")).test_client()


def call(client, token: str, org: str = "org-1"):
    return client.get(f"/organizations/{org}/claims",
                      headers={"Authorization": f"Bearer {token}"})


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(header=st.none() | st.lists(st.integers(), max_size=2) | ascii_text
       | st.dictionaries(st.sampled_from(["alg", "kid", "crit"]),
                         st.none() | ascii_text | st.sampled_from(["RS256", "k1"])),
       payload=ascii_text, signature=ascii_text)
def test_malformed_tokens_get_401_not_500(app_client, header, payload, signature):
    token = f"{b64(json.dumps(header).encode())}.{payload}.{signature}"
    answer = call(app_client, token)
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"].startswith("Bearer ")


@pytest.mark.parametrize("authorization", [None, "", "Bearer", "Bearer ", "Basic dXNlcjpwdw==",
                                           "Bearer null", "Bearer W10.W10.W10", "Bearer a.b"])
def test_missing_or_garbage_authorization_gets_401(app_client, authorization):
    headers = {} if authorization is None else {"Authorization": authorization}
    assert app_client.get("/organizations/org-1/claims", headers=headers).status_code == 401


def test_an_id_token_for_the_same_audience_gets_401(app_client, jwks, signing_key):
    token = sign(signing_key, access_claims(jwks.issuer, typ="ID", aud="provider-apps"))
    assert call(app_client, token).status_code == 401


def test_access_follows_the_groups_in_a_valid_token(app_client, jwks, signing_key):
    token = sign(signing_key, access_claims(jwks.issuer))
    assert call(app_client, token).status_code == 200
    assert call(app_client, token, org="org-2").status_code == 403
    no_role = sign(signing_key, access_claims(jwks.issuer, groups=["/provider-orgs/org-1"]))
    assert call(app_client, no_role).status_code == 403


@pytest.mark.parametrize("groups", ["/provider-orgs/org-1", [1, None, ["x"]], {"a": 1}, 7])
def test_signed_claims_of_an_odd_shape_grant_nothing_and_do_not_crash(app_client, jwks,
                                                                     signing_key, groups):
    token = signed(signing_key, {"alg": "RS256", "kid": "k1"},
                   access_claims(jwks.issuer, groups=groups, realm_roles="plan-admin"))
    assert call(app_client, token).status_code == 403
    access = Access.from_claims(access_claims(jwks.issuer, groups=groups,
                                              realm_roles="plan-admin"))
    assert not access.organizations and not access.is_plan_admin
