"""Two Keycloak nodes and two bridge processes: a journey does not care which one serves it,
and losing a node in the middle of Monday-morning sign-in costs nobody their progress.

The tests run in file order on one cluster: the node-kill test leaves node A dead and the
last test restarts it.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime

import pytest

from tests.support.cluster.journeys import (
    authorization_code,
    email,
    latest_sms,
    logout_request,
    redirect_uri,
    registration_sign_in,
    request_phone_code,
    token_request,
    unregistered_org,
    verify_phone_code,
    wizard_to_password,
)
from tests.support.cluster.topology import Cluster
from tests.support.consoles import csrf_of
from tests.support.keycloak_login import (
    LoopbackSession,
    answer_phone_challenge,
    enroll_phone,
    finish_required_actions,
    new_phone_number,
    sign_in_to_bridge,
    submit_login,
)
from tests.support.org_keys import org_key
from tests.support.wizard import PASSWORD, WizardClient

pytestmark = pytest.mark.keycloak

NODE_A, NODE_B = 0, 1
BRIDGE_1, BRIDGE_2 = 0, 1
_taken_npis: set[str] = set()


@pytest.fixture(scope="module")
def plan_admin(cluster: Cluster) -> str:
    """A health-plan administrator with a phone second factor, enrolled at first sign-in."""
    address = email("plan-admin")
    gateway = cluster.gateway()
    user_id = gateway.create_user(address, "Pat", "Reviewer", {},
                                  required_actions=["phone-verification"])
    gateway.set_password(user_id, PASSWORD)
    gateway.assign_realm_role(user_id, "plan-admin")
    http = LoopbackSession()
    bridge = cluster.bridge.url
    page = submit_login(http, http.get(f"{bridge}/login", timeout=30), address, PASSWORD)
    assert enroll_phone(http, page, cluster.outbox, new_phone_number()).url.startswith(bridge)
    return address


def user_sessions(cluster: Cluster, node: int, address: str) -> set[str]:
    """The ids of the user's sessions as one node's admin API lists them."""
    admin = cluster.admin(node)
    return {str(s["id"]) for s in admin.get_sessions(admin.get_user_id(address))}


def test_cluster_has_two_members_found_through_the_database(cluster: Cluster) -> None:
    assert len(cluster.wait_for_members(NODE_A, 2)) == 2
    assert len(cluster.wait_for_members(NODE_B, 2)) == 2
    # jdbc-ping: each node wrote its address into the shared database.
    assert len(cluster.keycloak_sql("SELECT * FROM jgroups_ping")) == 2


def test_signed_in_on_a_refreshed_on_b_signed_out_on_b_ends_it_on_a(
        cluster: Cluster, plan_admin: str) -> None:
    cluster.keycloak.prefer(NODE_A)
    code, verifier = authorization_code(cluster, plan_admin)
    issued = token_request(cluster, NODE_A, grant_type="authorization_code", code=code,
                           redirect_uri=redirect_uri(cluster), code_verifier=verifier)
    assert issued.status_code == 200, issued.text
    session_id = issued.json()["session_state"]
    assert session_id in user_sessions(cluster, NODE_A, plan_admin)  # A knows the session

    refreshed = token_request(cluster, NODE_B, grant_type="refresh_token",
                              refresh_token=issued.json()["refresh_token"])
    assert refreshed.status_code == 200, refreshed.text
    assert refreshed.json()["session_state"] == session_id

    signed_out = logout_request(cluster, NODE_B, refreshed.json()["refresh_token"])
    assert signed_out.status_code == 204, signed_out.text
    assert session_id not in user_sessions(cluster, NODE_A, plan_admin)
    again = token_request(cluster, NODE_A, grant_type="refresh_token",
                          refresh_token=refreshed.json()["refresh_token"])
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def test_registration_moves_between_bridge_processes_and_approval_holds_on_both(
        cluster: Cluster, plan_admin: str) -> None:
    cluster.keycloak.prefer(NODE_A)
    cluster.bridge.round_robin = True  # every request to the other process: any step moves
    before = len(cluster.bridge.served_by)
    org = unregistered_org(cluster, _taken_npis)
    admin_email = email("site-admin")
    wizard = WizardClient(cluster.bridge.url, cluster.outbox)
    wizard_to_password(wizard, org, admin_email)
    page = registration_sign_in(wizard, admin_email)
    landed = finish_required_actions(wizard.http, page, cluster.bridge.url,
                                     outbox=cluster.outbox)  # phone set-up, then the terms
    assert landed.url.startswith(cluster.bridge.url), landed.url
    served = cluster.bridge.served_by[before:]
    assert {BRIDGE_1, BRIDGE_2} <= set(served) and len(served) > 10
    cluster.bridge.round_robin = False

    # The registrant waits on process 2; the plan administrator approves on process 1.
    cluster.bridge.prefer(BRIDGE_2)
    registrant, home = sign_in_to_bridge(cluster.bridge.url, admin_email, PASSWORD)
    assert "Manage users" not in home.text and "(pending)" in home.text
    cluster.bridge.prefer(BRIDGE_1)
    reviewer, _ = sign_in_to_bridge(cluster.bridge.url, plan_admin, PASSWORD)
    (org_id,) = cluster.bridge_sql("SELECT id FROM organizations WHERE key = :key",
                                   key=org_key(org))[0]
    detail = reviewer.get(f"{cluster.bridge.url}/admin/organizations/{org_id}", timeout=30)
    csrf = csrf_of(detail.text)
    decided = reviewer.post(f"{cluster.bridge.url}/admin/organizations/{org_id}/approve",
                            data={"csrf_token": csrf, "note": "Called the office"}, timeout=60)
    assert decided.status_code == 200 and "approved" in decided.text
    assert cluster.bridge.served_by[-1] == BRIDGE_1

    cluster.bridge.prefer(BRIDGE_2)
    home = registrant.get(f"{cluster.bridge.url}/", timeout=30)
    assert cluster.bridge.served_by[-1] == BRIDGE_2
    assert "Manage users" in home.text


def test_node_a_killed_mid_journeys_they_finish_on_b_without_half_accounts(
        cluster: Cluster, figures: dict[str, object]) -> None:
    cluster.keycloak.prefer(NODE_A)
    cluster.bridge.round_robin = True
    # Sign-ins waiting at the phone-code page, issued by node A.
    signing_in = []
    for _ in range(3):
        address = registered_member(cluster)
        http = LoopbackSession()
        login = http.get(f"{cluster.bridge.url}/login", timeout=30)
        after_password = submit_login(http, login, address, PASSWORD)
        assert 'id="kc-phone-code-form"' in after_password.text, after_password.text[:1000]
        signing_in.append((address, http, after_password))
    # Registrations whose phone code node A has just sent.
    registering = []
    for _ in range(2):
        org = unregistered_org(cluster, _taken_npis)
        address = email("registrant")
        wizard = WizardClient(cluster.bridge.url, cluster.outbox)
        wizard_to_password(wizard, org, address)
        number = new_phone_number()
        requested = request_phone_code(wizard.http, registration_sign_in(wizard, address),
                                       number)
        registering.append((address, wizard, number, requested))
    # And someone already signed in on A, whose session lives on in the database.
    signed_in = registered_member(cluster)
    code, verifier = authorization_code(cluster, signed_in)
    tokens = token_request(cluster, NODE_A, grant_type="authorization_code", code=code,
                           redirect_uri=redirect_uri(cluster), code_verifier=verifier).json()
    assert set(cluster.keycloak.served_by[-5:]) == {NODE_A}

    killed, killed_at = time.monotonic(), datetime.now()
    cluster.nodes[NODE_A].kill()
    served_before = len(cluster.keycloak.served_by)
    first_answer: list[float] = []
    completed: list[str] = []
    lock = threading.Lock()

    def finish_sign_in(address: str, http: LoopbackSession, page) -> None:  # type: ignore[no-untyped-def]
        landed = answer_phone_challenge(http, page)
        _done(address, landed.url.startswith(cluster.bridge.url) and address in landed.text)

    def finish_registration(address: str, wizard: WizardClient, number: str, page) -> None:  # type: ignore[no-untyped-def]
        enrolled = verify_phone_code(wizard.http, page, number, latest_sms(cluster, number))
        landed = finish_required_actions(wizard.http, enrolled, cluster.bridge.url)  # terms
        _done(address, landed.url.startswith(cluster.bridge.url))

    def _done(address: str, ok: bool) -> None:
        with lock:
            first_answer.append(time.monotonic() - killed)
            if ok:
                completed.append(address)

    threads = [threading.Thread(target=finish_sign_in, args=journey) for journey in signing_in]
    threads += [threading.Thread(target=finish_registration, args=journey)
                for journey in registering]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=240)
    cluster.bridge.round_robin = False

    figures["node B takeover (kill to first journey step answered), s"] = \
        round(min(first_answer), 1) if first_answer else None
    figures["node B takeover (kill to last journey finished), s"] = \
        round(max(first_answer), 1) if first_answer else None
    figures["journeys completed after the kill"] = f"{len(completed)} of {len(threads)}"
    # B noticed on its own (JGroups failure detection) and went on as a cluster of one.
    alone = [when for when, members in cluster.nodes[NODE_B].cluster_views()
             if when >= killed_at.replace(microsecond=0) and len(members) == 1]
    figures["node B's cluster view without A, s after the kill"] = \
        round((alone[0] - killed_at).total_seconds(), 1) if alone else None
    assert alone, cluster.nodes[NODE_B].cluster_views()
    assert set(cluster.keycloak.served_by[served_before:]) == {NODE_B}
    refreshed = token_request(cluster, NODE_B, grant_type="refresh_token",
                              refresh_token=tokens["refresh_token"])
    assert refreshed.status_code == 200, refreshed.text  # still signed in, on B
    assert len(completed) == len(threads), completed

    # Every registration finished on B became a membership; nobody is left with a Keycloak
    # login that the bridge knows nothing about.
    members = {row.email for row in cluster.bridge_sql("SELECT email FROM memberships")}
    assert {journey[0] for journey in registering} <= members
    half = half_accounts(cluster)
    figures["half-accounts found"] = len(half)
    assert half == []


def test_node_a_restarts_and_rejoins_the_cluster(cluster: Cluster,
                                                 figures: dict[str, object]) -> None:
    node_a = cluster.nodes[NODE_A]
    if node_a.running:
        pytest.skip("node A was not killed (the kill test did not run)")
    started = time.monotonic()
    node_a.start().wait_ready(timeout=300)
    view = cluster.wait_for_members(NODE_A, 2)
    figures["node A restart to rejoined, s"] = round(time.monotonic() - started, 1)
    assert len(view) == 2
    assert len(cluster.wait_for_members(NODE_B, 2)) == 2
    cluster.keycloak.prefer(NODE_A)
    address = registered_member(cluster)
    http, landed = sign_in_to_bridge(cluster.bridge.url, address, PASSWORD)
    assert landed.url.startswith(cluster.bridge.url) and address in landed.text
    assert cluster.keycloak.served_by[-1] == NODE_A


# Helpers ------------------------------------------------------------------------------------


def registered_member(cluster: Cluster) -> str:
    """A login with a phone second factor (made through the admin API and a first sign-in)."""
    address = email("member")
    gateway = cluster.gateway()
    user_id = gateway.create_user(address, "Sam", "Member", {},
                                  required_actions=["phone-verification"])
    gateway.set_password(user_id, PASSWORD)
    http = LoopbackSession()
    page = submit_login(http, http.get(f"{cluster.bridge.url}/login", timeout=30), address,
                        PASSWORD)
    enroll_phone(http, page, cluster.outbox, new_phone_number())
    MEMBERS_WITHOUT_REGISTRATION.add(user_id)
    return address


MEMBERS_WITHOUT_REGISTRATION: set[str] = set()


def half_accounts(cluster: Cluster) -> list[str]:
    """Keycloak logins of the realm that neither hold a membership nor belong to a
    registration still in progress (the logins the tests made on purpose aside)."""
    users = cluster.admin(NODE_B).get_users({})
    members = {row.user_id for row in cluster.bridge_sql("SELECT user_id FROM memberships")}
    drafts = {row.keycloak_user_id for row in cluster.bridge_sql(
        "SELECT keycloak_user_id FROM registrations WHERE completed_at IS NULL "
        "AND keycloak_user_id IS NOT NULL")}
    on_purpose = MEMBERS_WITHOUT_REGISTRATION | {
        user["id"] for user in users
        if user["username"].startswith(("plan-admin-", "service-account-"))}
    return sorted(user["username"] for user in users
                  if user["id"] not in members | drafts | on_purpose)
