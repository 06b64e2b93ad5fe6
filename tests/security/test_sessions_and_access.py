"""Issue 11, rows 1–8: taking access away holds at the next request, sessions are
server-side and revocable, redirects stay on site, every page carries security headers.

Each test is an attack as it was run against the bridge, on the real Keycloak.
"""

from __future__ import annotations

import csv
import hashlib
import io
from urllib.parse import quote

import pytest
import requests
from flask import Flask

from idp_bridge import audit
from idp_bridge.auth.oidc import client_for
from idp_bridge.auth.sessions import WebSession
from idp_bridge.brand import DEFAULT_BRAND
from idp_bridge.extensions import db
from tests.support.keycloak_login import (
    LoopbackSession,
    enroll_phone,
    new_phone_number,
    sign_in_to_bridge,
    submit_login,
)
from tests.support.people import PASSWORD, csrf_of, membership, new_login, signed_in

pytestmark = pytest.mark.keycloak


def _act(http: requests.Session, bridge: str, key: str, membership_id: int | None,
         action: str, **form: str) -> requests.Response:
    page = http.get(f"{bridge}/org/{key}/members", timeout=30)
    token = csrf_of(page.text) if 'name="csrf_token"' in page.text else "stolen-token"
    return http.post(f"{bridge}/org/{key}/members/{membership_id}/{action}",
                     data={"csrf_token": token, **form}, allow_redirects=False, timeout=30)


def _members_page(http: requests.Session, bridge: str, key: str) -> requests.Response:
    return http.get(f"{bridge}/org/{key}/members", allow_redirects=False, timeout=30)


# Row 1 ------------------------------------------------------------------------------------


def test_removed_site_admin_cannot_act_from_an_open_tab(make_org, bridge, live_app):
    org = make_org(admins=2, pending=2)
    remover, removed, confederate, bystander = org.people
    removed_tab = signed_in(bridge, removed)
    # The removed admin keeps a page (and its CSRF token) from before the removal.
    stale_page = _members_page(removed_tab, bridge, org.key)
    assert stale_page.status_code == 200
    stale_csrf = csrf_of(stale_page.text)

    removal = _act(signed_in(bridge, remover), bridge, org.key, removed.membership_id, "remove")
    assert removal.status_code == 302

    assert _members_page(removed_tab, bridge, org.key).status_code in (302, 403)
    for target, action in [(confederate, "approve"), (bystander, "deny")]:
        answer = removed_tab.post(
            f"{bridge}/org/{org.key}/members/{target.membership_id}/{action}",
            data={"csrf_token": stale_csrf}, allow_redirects=False, timeout=30)
        assert answer.status_code in (302, 400, 403)
        assert membership(live_app, target.membership_id).status == "pending"


def test_demoted_site_admin_loses_the_console_at_the_next_request(make_org, bridge, live_app):
    """Demotion does not end the Keycloak session, so only the live check can stop this."""
    org = make_org(admins=2, pending=1)
    keeper, demoted, confederate = org.people
    demoted_tab = signed_in(bridge, demoted)
    stale_csrf = csrf_of(_members_page(demoted_tab, bridge, org.key).text)

    revoke = _act(signed_in(bridge, keeper), bridge, org.key, demoted.membership_id,
                  "revoke-admin")
    assert revoke.status_code == 302
    assert not membership(live_app, demoted.membership_id).is_site_admin

    assert _members_page(demoted_tab, bridge, org.key).status_code == 403
    grant = demoted_tab.post(
        f"{bridge}/org/{org.key}/members/{keeper.membership_id}/revoke-admin",
        data={"csrf_token": stale_csrf}, allow_redirects=False, timeout=30)
    assert grant.status_code == 403
    assert membership(live_app, keeper.membership_id).is_site_admin
    approve = demoted_tab.post(
        f"{bridge}/org/{org.key}/members/{confederate.membership_id}/approve",
        data={"csrf_token": stale_csrf}, allow_redirects=False, timeout=30)
    assert approve.status_code == 403
    assert membership(live_app, confederate.membership_id).status == "pending"


def test_organization_dropdown_lists_only_what_is_approved_now(make_org, bridge, live_app):
    org = make_org(admins=2)
    keeper, leaving = org.people
    tab = signed_in(bridge, leaving)
    assert 'id="manage-users"' in tab.get(f"{bridge}/", timeout=30).text
    with live_app.app_context():
        from idp_bridge.organizations.models import Membership

        row = db.session.get(Membership, leaving.membership_id)
        assert row is not None
        row.status, row.is_site_admin = "removed", False
        db.session.commit()
    home = tab.get(f"{bridge}/", timeout=30).text
    assert 'id="manage-users"' not in home
    assert "(removed)" in home  # still listed, but not usable


# Row 2 ------------------------------------------------------------------------------------


def _plan_admin(keycloak, bridge, outbox) -> tuple[LoopbackSession, str]:
    person = new_login(keycloak, "planadmin")
    keycloak.gateway.assign_realm_role(person.user_id, "plan-admin")
    http = LoopbackSession()
    page = submit_login(http, http.get(f"{bridge}/login", timeout=30), person.email, PASSWORD)
    if 'id="kc-phone-form"' in page.text:  # plan administrators enrol a second factor
        page = enroll_phone(http, page, outbox, new_phone_number())
    assert page.url.startswith(bridge), page.url
    return http, person.user_id


def test_plan_admin_who_loses_the_role_is_refused_at_once(keycloak, bridge, outbox, make_org):
    http, user_id = _plan_admin(keycloak, bridge, outbox)
    queue = http.get(f"{bridge}/admin/organizations", timeout=30)
    assert queue.status_code == 200
    csrf = csrf_of(queue.text)

    role = keycloak.admin.get_realm_role("plan-admin")
    keycloak.admin.delete_realm_roles_of_user(user_id, [role])

    assert http.get(f"{bridge}/admin/organizations", timeout=30).status_code == 403
    reconcile = http.post(f"{bridge}/admin/reconcile", data={"csrf_token": csrf},
                          allow_redirects=False, timeout=30)
    assert reconcile.status_code == 403


# Row 3 ------------------------------------------------------------------------------------


def test_replayed_cookie_after_sign_out_is_worthless(make_org, bridge):
    org = make_org(admins=1)
    http = signed_in(bridge, org.people[0])
    stolen = http.cookies.get("session")
    assert stolen and len(stolen) <= 64

    home = http.get(f"{bridge}/", timeout=30)
    out = http.post(f"{bridge}/logout", data={"csrf_token": csrf_of(home.text)}, timeout=30)
    assert bridge + "/" in [r.url.split("?")[0] for r in out.history]  # then Log In

    attacker = requests.Session()
    attacker.cookies.set("session", stolen)
    replay = attacker.get(f"{bridge}/org/{org.key}/members", allow_redirects=False, timeout=30)
    assert replay.status_code == 302
    assert "/login" in replay.headers["Location"]


def test_keycloak_ending_the_session_ends_the_bridge_session(make_org, bridge, keycloak):
    """Back-channel logout: an administrator signs the user out in Keycloak."""
    org = make_org(admins=1)
    http = signed_in(bridge, org.people[0])
    assert _members_page(http, bridge, org.key).status_code == 200

    keycloak.admin.user_logout(org.people[0].user_id)

    after = _members_page(http, bridge, org.key)
    assert after.status_code == 302 and "/login" in after.headers["Location"]


def test_forged_logout_tokens_are_refused(make_org, bridge, live_app):
    org = make_org(admins=1)
    http = signed_in(bridge, org.people[0])
    session_row = _session_row(live_app, http)
    id_token = session_row.data["id_token"]  # an ID token is not a logout token
    for token in [id_token, "not-a-jwt", "a.b.c", "", "x" * 20000]:
        answer = requests.post(f"{bridge}/auth/backchannel-logout",
                               data={"logout_token": token}, timeout=30)
        assert answer.status_code == 400
    assert _members_page(http, bridge, org.key).status_code == 200


def _session_row(live_app: Flask, http: requests.Session) -> WebSession:
    cookie = http.cookies.get("session") or ""
    with live_app.app_context():
        row = db.session.get(WebSession, hashlib.sha256(cookie.encode()).hexdigest())
        assert row is not None
        db.session.expunge(row)
        return row


# Row 4 ------------------------------------------------------------------------------------

OPEN_REDIRECTS = [
    "https://evil.example/", "//evil.example/", "/\\evil.example/", "/\t/evil.example/",
    "/%09/evil.example/", "/%2F/evil.example/", "\\\\evil.example/", "/%5Cevil.example",
    "/%252F%252Fevil.example", "/\r\n/evil.example", "http:/evil.example",
]


@pytest.mark.parametrize("target", OPEN_REDIRECTS)
def test_sign_in_never_redirects_off_site(make_org, bridge, target):
    person = make_org(admins=1).people[0]
    http = LoopbackSession()
    start = http.get(f"{bridge}/login?next={quote(target, safe='')}", allow_redirects=False,
                     timeout=30)
    assert start.status_code == 302
    login_page = http.get(start.headers["Location"], timeout=30)
    back = submit_login_no_follow(http, login_page, person.email)
    callback = http.get(back, allow_redirects=False, timeout=30)
    assert callback.status_code == 302
    assert callback.headers["Location"] == "/"


def submit_login_no_follow(http: requests.Session, page: requests.Response, email: str) -> str:
    from tests.support.forms import form_by_id

    form = form_by_id(page.text, page.url, "kc-form-login")
    answer = http.post(form.action, data={**form.fields, "username": email,
                                          "password": PASSWORD},
                       allow_redirects=False, timeout=30)
    assert answer.status_code == 302
    return answer.headers["Location"]


def test_an_id_token_from_another_issuer_is_refused_not_a_crash(make_org, bridge, live_app):
    """The bridge trusts one issuer per brand. A token whose ``iss`` is another (a
    misconfigured proxy, a token minted for a look-alike host) ends the sign-in with the
    sign-in problem page, and no session: before, the check raised past the callback (500)."""
    person = make_org(admins=1).people[0]
    with live_app.app_context():
        metadata = client_for(DEFAULT_BRAND).load_server_metadata()
    trusted = metadata["issuer"]
    metadata["issuer"] = "https://look-alike.example/realms/provider-portal"
    try:
        http = LoopbackSession()
        login_page = http.get(f"{bridge}/login", timeout=30)
        back = submit_login_no_follow(http, login_page, person.email)
        callback = http.get(back, allow_redirects=False, timeout=30)
    finally:
        metadata["issuer"] = trusted
    assert callback.status_code == 400
    assert "We couldn't sign you in" in callback.text
    assert http.get(f"{bridge}/", allow_redirects=False, timeout=30).text.count(person.email) == 0


def test_a_replayed_callback_signs_nobody_in(make_org, bridge):
    """A callback URL (code and state) seen in a log, a history or over a shoulder, replayed
    on this browser after the sign-in, or on another browser: refused both ways, and the
    person's own session is untouched (the state was taken at first use; the code is
    single-use at Keycloak and bound to this browser's PKCE verifier)."""
    person = make_org(admins=1).people[0]
    http = LoopbackSession()
    login_page = http.get(f"{bridge}/login", timeout=30)
    back = submit_login_no_follow(http, login_page, person.email)
    assert http.get(back, allow_redirects=False, timeout=30).status_code == 302
    assert person.email in http.get(f"{bridge}/", timeout=30).text

    again = http.get(back, allow_redirects=False, timeout=30)
    assert again.status_code == 400 and "We couldn't sign you in" in again.text
    elsewhere = LoopbackSession()
    stolen = elsewhere.get(back, allow_redirects=False, timeout=30)
    assert stolen.status_code == 400 and "We couldn't sign you in" in stolen.text
    assert person.email not in elsewhere.get(f"{bridge}/", timeout=30).text
    assert person.email in http.get(f"{bridge}/", timeout=30).text


def test_a_local_next_still_works(make_org, bridge):
    org = make_org(admins=1)
    http = LoopbackSession()
    first = http.get(f"{bridge}/org/{org.key}/members", timeout=30)  # -> /login?next=...
    landed = submit_login(http, first, org.people[0].email, PASSWORD)
    assert landed.url == f"{bridge}/org/{org.key}/members"


# Row 5 ------------------------------------------------------------------------------------


def test_every_page_sends_security_headers(make_org, bridge):
    org = make_org(admins=1)
    http = signed_in(bridge, org.people[0])
    pages = {"/": http, f"/org/{org.key}/members": http, "/register/account": LoopbackSession(),
             "/no-such-page": http, "/login": LoopbackSession()}
    for path, client in pages.items():
        answer = client.get(bridge + path, allow_redirects=False, timeout=30)
        policy = answer.headers.get("Content-Security-Policy", "")
        assert "frame-ancestors 'none'" in policy, path
        script_src = policy.split("script-src", 1)[1].split(";", 1)[0]
        assert "unsafe-inline" not in script_src, path
        assert answer.headers.get("X-Content-Type-Options") == "nosniff", path
        assert answer.headers.get("X-Frame-Options") == "DENY", path
        assert answer.headers.get("Referrer-Policy"), path
    signed_in_page = http.get(f"{bridge}/org/{org.key}/members", timeout=30)
    assert "no-store" in signed_in_page.headers["Cache-Control"]
    assert "<script>" not in signed_in_page.text and "onchange=" not in signed_in_page.text


# Row 6 ------------------------------------------------------------------------------------


def test_cookie_stays_small_however_often_login_is_opened(make_org, bridge, live_app):
    person = make_org(admins=1).people[0]
    http = LoopbackSession()
    for _ in range(50):
        http.get(f"{bridge}/login", allow_redirects=False, timeout=30)
    cookie = http.cookies.get("session") or ""
    assert 32 <= len(cookie) <= 64
    pending = [k for k in _session_row(live_app, http).data if k.startswith("_state_")]
    assert len(pending) <= 2

    _, landed = sign_in_to_bridge(bridge, person.email, PASSWORD, http=http)
    assert landed.url == bridge + "/"


# Row 7 ------------------------------------------------------------------------------------


def test_sign_out_needs_a_post_with_the_pages_csrf_token(make_org, bridge):
    org = make_org(admins=1)
    http = signed_in(bridge, org.people[0])

    http.get(f"{bridge}/logout", timeout=30)  # what an <img src> on another site does
    assert _members_page(http, bridge, org.key).status_code == 200
    forged = http.post(f"{bridge}/logout", data={}, allow_redirects=False, timeout=30)
    assert forged.status_code == 400
    assert _members_page(http, bridge, org.key).status_code == 200

    home = http.get(f"{bridge}/", timeout=30)
    http.post(f"{bridge}/logout", data={"csrf_token": csrf_of(home.text)}, timeout=30)
    assert _members_page(http, bridge, org.key).status_code == 302
    again = http.get(f"{bridge}/login", timeout=30)  # Keycloak's session ended too
    assert "kc-form-login" in again.text


# Row 8 ------------------------------------------------------------------------------------


def test_audit_csv_cannot_carry_a_spreadsheet_formula(keycloak, bridge, outbox, live_app):
    payloads = ["=2+5-x@example.test", "+SUM(A1)", "-1+1", "@cmd", "\tTAB", "\rCR"]
    with live_app.test_request_context():
        for value in payloads:
            audit.record("security.test", subject_email=value, note=value)
        db.session.commit()
    http, _ = _plan_admin(keycloak, bridge, outbox)
    export = http.get(f"{bridge}/admin/audit?format=csv", timeout=30)
    assert export.status_code == 200
    rows = list(csv.reader(io.StringIO(export.text)))
    cells = [cell for row in rows for cell in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    for value in payloads:
        assert "'" + value in cells  # kept, readable, neutralised


def test_passkey_lookup_answers_only_for_the_admins_own_members(make_org, bridge):
    mine, theirs = make_org(admins=2), make_org(admins=1)
    http = signed_in(bridge, mine.people[0])
    ids = ",".join(str(p.membership_id) for p in mine.people + theirs.people)
    answer = http.get(f"{bridge}/org/{mine.key}/members/passkeys?ids={ids},x,{'9' * 40}",
                      timeout=30)
    assert answer.status_code == 200
    assert set(answer.json()) == {str(p.membership_id) for p in mine.people}
    assert answer.json() == {str(p.membership_id): False for p in mine.people}
    foreign = http.get(f"{bridge}/org/{theirs.key}/members/passkeys?ids={ids}",
                       allow_redirects=False, timeout=30)
    assert foreign.status_code == 403
    signed_out = requests.get(f"{bridge}/org/{mine.key}/members/passkeys?ids={ids}",
                              allow_redirects=False, timeout=30)
    assert signed_out.status_code == 401  # a script's request never starts a sign-in


def test_a_second_person_on_the_same_browser_inherits_nothing(make_org, bridge, live_app):
    first, second = make_org(admins=1), make_org(admins=1)
    http = signed_in(bridge, first.people[0])
    home = http.get(f"{bridge}/", timeout=30)
    http.post(f"{bridge}/switch", data={"csrf_token": csrf_of(home.text), "org": first.key},
              timeout=30)
    assert _session_row(live_app, http).data["current_org"] == first.key

    for cookie in [c for c in http.cookies if c.name != "session"]:
        # Keycloak's sign-in ends; the bridge's session stays
        http.cookies.clear(cookie.domain, cookie.path, cookie.name)
    _, landed = sign_in_to_bridge(bridge, second.people[0].email, PASSWORD, http=http)
    assert landed.url == bridge + "/"
    row = _session_row(live_app, http)
    assert row.data["user"]["sub"] == second.people[0].user_id
    assert "current_org" not in row.data


# Issue 19 row 11 --------------------------------------------------------------------------


def test_a_session_is_not_signed_in_under_the_other_brand(make_org, bridge):
    """A Dean session id sent as WellFirst's cookie (both brands share a host in dev:
    /b/wellfirst) signs nobody in there; under Dean it still does."""
    org = make_org(admins=1)
    http = signed_in(bridge, org.people[0])
    dean_id = http.cookies.get("session")
    assert dean_id and _members_page(http, bridge, org.key).status_code == 200

    attacker = requests.Session()
    attacker.cookies.set("session-wellfirst", dean_id)
    other = attacker.get(f"{bridge}/b/wellfirst/org/{org.key}/members",
                         allow_redirects=False, timeout=30)
    assert other.status_code == 302 and "/login" in other.headers["Location"]
    home = attacker.get(f"{bridge}/b/wellfirst/", timeout=30)
    assert org.people[0].email not in home.text
    assert _members_page(http, bridge, org.key).status_code == 200  # Dean's is untouched
