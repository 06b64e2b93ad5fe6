"""Races under ``gunicorn -w 4`` with gunicorn.conf.py's eight threads each (four processes
sharing the database, as four containers of the image do, and threads within each):
50 registrations at once, the last two Site Administrators demoting or removing each other,
40 wrong codes and 20 Send Code at once, the same NPI/TIN pair and the same email finishing
together. The invariants are the database's, so they hold across processes."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pyotp
import pytest
import requests
from sqlalchemy import func, select

from idp_bridge.config import REPO_ROOT
from idp_bridge.devstack.keycloak_server import free_port
from idp_bridge.extensions import db
from idp_bridge.mail.models import OutboundEmail
from idp_bridge.organizations.models import Membership, Organization
from idp_bridge.registration.email_code import MAX_SENDS_PER_DRAFT, MAX_WRONG_TRIES
from idp_bridge.registration.models import RegistrationDraft
from tests.support.consoles import csrf_of, email, post_form, signed_in
from tests.support.keycloak_login import LoopbackSession
from tests.support.org_keys import org_key
from tests.support.people import existing_login
from tests.support.waiting import wait_until
from tests.support.wizard import (
    PASSWORD,
    WizardClient,
    handed_off,
    person,
    sign_in_and_finish,
)

pytestmark = pytest.mark.keycloak


@pytest.fixture(scope="module")
def gunicorn(stack_env: dict[str, str], live_app, bridge,  # type: ignore[no-untyped-def]
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The live app's configuration, served by four gunicorn processes (gunicorn reads
    gunicorn.conf.py from its directory: eight threads each)."""
    port = free_port()
    env = {**os.environ, **stack_env, "IDP_TEST_EMAIL_CODE_COOLDOWN_SECONDS": "0"}
    # Its log goes to a file: a pipe nobody reads fills up with the request lines (one per
    # request) and every worker then blocks writing to it.
    log_path = tmp_path_factory.mktemp("gunicorn") / "gunicorn.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "4", "-b", f"127.0.0.1:{port}",
         "--timeout", "120", "tests.resilience.wsgi:app"],
        cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log_path.open("ab"))
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            if requests.get(f"{url}/register", timeout=5, allow_redirects=False).status_code:
                break
        except requests.RequestException:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(log_path.read_text(errors="replace")[-3000:])
        time.sleep(0.5)
    yield url
    process.terminate()
    process.wait(30)


def together(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run the calls at the same moment (a barrier releases all threads at once)."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], Any]) -> Any:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def clone(http: requests.Session) -> requests.Session:
    copy = LoopbackSession()
    copy.cookies.update(http.cookies)
    return copy


def figures(name: str, **values: object) -> None:
    print(f"\nFIGURES {name}: " + ", ".join(f"{k}={v}" for k, v in values.items()))


# 50 registrations --------------------------------------------------------------------------


def test_fifty_registrations_at_once(gunicorn, bridge, outbox, live_app, approved_org,
                                     tracked, check):
    addresses = [email(f"crowd{i}") for i in range(50)]
    tracked.emails.update(addresses)

    def register(address: str) -> str:
        wizard = WizardClient(gunicorn, outbox)
        wizard.account("individual", approved_org["npi"], approved_org["tin"])
        wizard.individual(person(address), site_admin=False)
        wizard.password(PASSWORD)
        assert wizard.step == "sign_in", wizard.page.text[:500] if wizard.page else ""
        # Keycloak sends the sign-in back to the bridge's registered callback URL.
        wizard.bridge_url = bridge
        sign_in_and_finish(wizard, address)
        return wizard.step

    with ThreadPoolExecutor(10) as pool:
        steps = list(pool.map(register, addresses))
    with live_app.app_context():
        db.session.remove()
        saved = Membership.query.filter(Membership.email.in_(addresses)).count()
    figures("50 registrations", completed=steps.count("complete"), saved=saved)
    assert steps == ["complete"] * 50 and saved == 50
    check()


@pytest.fixture
def approved_org(bridge, live_app, plan_admin, new_registered_org, tracked):  # type: ignore[no-untyped-def]
    org = new_registered_org()
    tracked.org_keys.add(org["key"])
    tracked.emails.add(org["admin"])
    with live_app.app_context():
        oid = Organization.query.filter_by(key=org["key"]).one().id
    post_form(signed_in(bridge, plan_admin["email"]), bridge, f"/admin/organizations/{oid}",
              f"/admin/organizations/{oid}/approve", {"note": "ok"})
    return org


# The last two Site Administrators ----------------------------------------------------------


def _admins(live_app, key: str) -> int:  # type: ignore[no-untyped-def]
    with live_app.app_context():
        db.session.remove()
        org = Organization.query.filter_by(key=key).one()
        return int(db.session.scalar(select(func.count()).select_from(Membership).where(
            Membership.organization_id == org.id, Membership.status == "approved",
            Membership.is_site_admin.is_(True))) or 0)


def _membership(live_app, address: str) -> Membership:  # type: ignore[no-untyped-def]
    with live_app.app_context():
        db.session.remove()
        return Membership.query.filter_by(email=address).one()


def test_last_two_site_administrators_race(gunicorn, bridge, live_app, approved_org,
                                           new_individual, tracked, check):
    key = approved_org["key"]
    members_page = f"/org/{key}/members"
    first = approved_org["admin"]
    # Signed in through the bridge URL Keycloak calls back; the session (server-side, in the
    # shared database) then works against every gunicorn worker.
    a_http = signed_in(bridge, first)

    def second_admin(by: requests.Session) -> tuple[str, requests.Session]:
        address = new_individual(approved_org)
        tracked.emails.add(address)
        mid = _membership(live_app, address).id
        for action in ("approve", "grant-admin"):
            post_form(by, gunicorn, members_page, f"{members_page}/{mid}/{action}")
        return address, signed_in(bridge, address)

    def race(action: str, x: tuple[str, requests.Session],
             y: tuple[str, requests.Session]) -> list[int]:
        tokens = [csrf_of(s.get(f"{gunicorn}{members_page}", timeout=30).text) for _, s in (x, y)]
        targets = [_membership(live_app, y[0]).id, _membership(live_app, x[0]).id]

        def act(who: requests.Session, token: str, target: int) -> Callable[[], int]:
            return lambda: clone(who).post(f"{gunicorn}{members_page}/{target}/{action}",
                                           data={"csrf_token": token}, timeout=60).status_code

        return together([act(x[1], tokens[0], targets[0]), act(y[1], tokens[1], targets[1])])

    outcomes: Counter[str] = Counter()
    a = (first, a_http)
    b = second_admin(a_http)
    for _ in range(20):  # demotions: each revokes the other's Site Administrator role
        codes = race("revoke-admin", a, b)
        admins = _admins(live_app, key)
        outcomes[f"revoke-admin: {admins} admin(s) left"] += 1
        assert admins == 1 and max(codes) < 500, codes
        demoted = a if not _membership(live_app, a[0]).is_site_admin else b
        keeper = b if demoted is a else a
        mid = _membership(live_app, demoted[0]).id
        post_form(keeper[1], gunicorn, members_page, f"{members_page}/{mid}/grant-admin")
        assert _admins(live_app, key) == 2
    for _ in range(4):  # removals: each removes the other
        codes = race("remove", a, b)
        admins = _admins(live_app, key)
        outcomes[f"remove: {admins} admin(s) left"] += 1
        assert admins == 1 and max(codes) < 500, codes
        a = a if _membership(live_app, a[0]).status == "approved" else b
        b = second_admin(a[1])
    figures("last two admins", trials=sum(outcomes.values()), **{
        k.replace(" ", "_").replace(":", "").replace("(", "").replace(")", ""): v
        for k, v in outcomes.items()})
    check()


# Email codes -------------------------------------------------------------------------------


def _at_individual(gunicorn: str, outbox, org: dict[str, str], address: str) -> WizardClient:  # type: ignore[no-untyped-def]
    wizard = WizardClient(gunicorn, outbox)
    wizard.account("individual", org["npi"], org["tin"])
    assert wizard.step == "individual"
    return wizard


def test_forty_wrong_codes_at_once(gunicorn, outbox, live_app, approved_org):
    address = email("forty")
    wizard = _at_individual(gunicorn, outbox, approved_org, address)
    who = person(address)
    wizard.send_code(who)
    right = outbox.latest(address, channel="email").code
    token = wizard.csrf()
    wrong = [f"{(int(right) + i) % 1_000_000:06d}" for i in range(1, 41)]

    def guess(code: str) -> Callable[[], str]:
        return lambda: clone(wizard.http).post(
            f"{gunicorn}/register/individual",
            data={**who, "csrf_token": token, "email_code": code, "action": "verify_code"},
            timeout=60).text

    pages = together([guess(code) for code in wrong])
    told_left = sum("tries left" in p or "try left" in p for p in pages)
    wizard.page = wizard.get("individual")
    tries = _draft_by_email(live_app, address).code_wrong_tries
    figures("40 wrong codes", evaluated=tries, answered_tries_left=told_left,
            refused=len(pages) - told_left)
    assert tries <= MAX_WRONG_TRIES and told_left <= MAX_WRONG_TRIES - 1
    locked = wizard.verify_email(who, right)  # even the right code: the draft is locked
    assert "Too many incorrect codes" in locked.text


def _draft_by_email(live_app, address: str) -> RegistrationDraft:  # type: ignore[no-untyped-def]
    with live_app.app_context():
        db.session.remove()
        # Every draft, newest first: a suite on PostgreSQL leaves more than a page of them.
        for draft in RegistrationDraft.query.order_by(RegistrationDraft.created_at.desc()):
            if (draft.context.get("email_code") or {}).get("email") == address.lower():
                return draft
    raise LookupError(address)


def _all_tried(live_app, address: str) -> bool:  # type: ignore[no-untyped-def]
    """Every code mail queued for ``address`` was handed to the mail sink (or refused by it):
    none is still waiting for its first try."""
    with live_app.app_context():
        db.session.remove()
        return not OutboundEmail.query.filter(OutboundEmail.to == address,
                                              OutboundEmail.status == "pending",
                                              OutboundEmail.attempts == 0).count()


def test_twenty_send_code_at_once(gunicorn, outbox, live_app, approved_org):
    address = email("twenty")
    wizard = _at_individual(gunicorn, outbox, approved_org, address)
    who = person(address)
    token = wizard.csrf()

    def send() -> int:
        return clone(wizard.http).post(f"{gunicorn}/register/individual",
                                       data={**who, "csrf_token": token, "action": "send_code"},
                                       timeout=60).status_code

    codes = together([send] * 20)
    # Every code mail queued by the sends was tried (each is sent right after its commit).
    wait_until(lambda: _all_tried(live_app, address), what="every queued code mail")
    sent = outbox.count(address, channel="email")
    figures("20 sends", emails_sent=sent, cap=MAX_SENDS_PER_DRAFT,
            statuses=dict(Counter(codes)))
    assert max(codes) < 500 and 1 <= sent <= MAX_SENDS_PER_DRAFT
    draft = _draft_by_email(live_app, address)
    # The sends ran one after another on the draft: its one count of sends (also the
    # code's counter) counts every send (a refused send that read the draft before another
    # committed wrote back an older state, and the code just emailed no longer verified) ...
    state = draft.context["email_code"]
    assert draft.code_sends == sent
    # ... and the live code is one of those emailed, and verifies. (Which email is the live
    # one is not their arrival order: five deliveries run at once. Each carries its Date.)
    live = pyotp.HOTP(state["secret"]).at(draft.code_sends)
    assert live in [m.code for m in outbox.messages(to=address, channel="email")]
    assert "Email Validated Successfully" in wizard.verify_email(who, live).text


# Same pair, same email ---------------------------------------------------------------------


def test_same_npi_tin_pair_finished_together(gunicorn, keycloak, outbox, live_app, fresh_org,
                                             tracked, check):
    outcomes: Counter[str] = Counter()
    for _ in range(5):
        org = fresh_org()
        key = org_key(org)
        tracked.org_keys.add(key)
        wizards = []
        for n in range(2):
            address = email(f"pair{n}")
            tracked.emails.add(address)
            existing_login(keycloak, address)
            wizard = WizardClient(gunicorn, outbox)
            wizard.account("organization", org["npi"], org["tin"])
            wizard.answer_questionnaire()
            wizard.organization()
            wizard.individual(person(address))
            assert wizard.step == "merge"
            wizards.append(wizard)
        tokens = [w.csrf() for w in wizards]
        pages = together([lambda w=w, t=t: w.http.post(f"{gunicorn}/register/merge",
                                                       data={"csrf_token": t, "merge": "yes"},
                                                       timeout=60)
                          for w, t in zip(wizards, tokens, strict=True)])
        assert max(p.status_code for p in pages) < 500
        winners = [p for p in pages if p.url.endswith("/register/complete")]
        losers = [(w, p) for w, p in zip(wizards, pages, strict=True)
                  if not p.url.endswith("/register/complete")]
        outcomes[f"{len(winners)} registered the organization"] += 1
        assert len(winners) == 1
        loser, page = losers[0]
        assert page.text.count("17712") == 1 and 'id="join-organization"' in page.text
        loser.page = page
        joined = loser.post("join", {})
        assert joined.url.endswith("/register/complete"), joined.text[:800]
        with live_app.app_context():
            db.session.remove()
            organization = Organization.query.filter_by(key=key).one()
            assert sorted(m.is_site_admin for m in organization.memberships) == [False, True]
    figures("same NPI/TIN pair", trials=5, **{k.replace(" ", "_"): v
                                              for k, v in outcomes.items()},
            losers_joined_as_individual=5)
    check()


def test_same_email_at_password_setup(gunicorn, keycloak, outbox, approved_org, tracked,
                                      check):
    logins = []
    for _ in range(5):
        address = email("twin")
        tracked.emails.add(address)
        wizards = []
        for _ in range(2):
            wizard = _at_individual(gunicorn, outbox, approved_org, address)
            wizard.individual(person(address), site_admin=False)
            assert wizard.step == "password"
            wizards.append(wizard)
        tokens = [w.csrf() for w in wizards]
        pages = together([lambda w=w, t=t: w.http.post(
            f"{gunicorn}/register/password",
            data={"csrf_token": t, "password": PASSWORD, "confirm_password": PASSWORD},
            timeout=60) for w, t in zip(wizards, tokens, strict=True)])
        assert max(p.status_code for p in pages) < 500
        made = len(keycloak.admin.get_users({"email": address, "exact": True}))
        logins.append(made)
        assert made == 1
        assert sum(handed_off(p) for p in pages) == 1
        assert any("already exists" in p.text for p in pages)
    figures("same email", trials=5, logins_per_email=logins)


def test_approve_and_deny_of_one_request_at_once(gunicorn, bridge, live_app, approved_org,
                                                 new_individual, keycloak, tracked, check):
    key = approved_org["key"]
    members_page = f"/org/{key}/members"
    admin = signed_in(bridge, approved_org["admin"])
    outcomes: Counter[str] = Counter()
    for _ in range(5):
        address = new_individual(approved_org)
        tracked.emails.add(address)
        mid = _membership(live_app, address).id
        token = csrf_of(admin.get(f"{gunicorn}{members_page}", timeout=30).text)
        codes = together([
            lambda a=action, m=mid, t=token: clone(admin).post(
                f"{gunicorn}{members_page}/{m}/{a}", data={"csrf_token": t}, timeout=60)
            .status_code for action in ("approve", "deny")])
        assert max(codes) < 500
        status = _membership(live_app, address).status
        outcomes[status] += 1
        in_group = f"/provider-orgs/{key}" in keycloak.gateway.user_group_paths(
            keycloak.gateway.find_user_by_email(address).id)
        assert status in ("approved", "denied") and in_group == (status == "approved")
    figures("approve vs deny", trials=5, **outcomes)
    check()


# The audit chain ---------------------------------------------------------------------------


def test_concurrent_decisions_on_different_organizations_never_fork_the_audit_chain(
        gunicorn, bridge, live_app, keycloak, plan_admin):
    """Issue 19 row 3: 24 approvals of 24 organizations at once, across four processes. Each
    appends to the one chain; none may chain onto an event another already chained onto."""
    from idp_bridge.audit import verify
    from idp_bridge.audit.models import AuditEvent
    from tests.support.organizations import add_person, new_organization

    with live_app.app_context():
        waiting = []
        for _ in range(24):
            organization = new_organization(keycloak.gateway, status="pending")
            add_person(keycloak.gateway, organization, status="pending", site_admin=True)
            waiting.append(organization.id)
        first_new = int(db.session.query(func.max(AuditEvent.id)).scalar() or 0)
    reviewer = signed_in(bridge, plan_admin["email"])
    token = csrf_of(reviewer.get(f"{gunicorn}/admin/organizations", timeout=30).text)
    codes = together([
        lambda o=org_id: clone(reviewer).post(
            f"{gunicorn}/admin/organizations/{o}/approve",
            data={"csrf_token": token, "note": "race"}, allow_redirects=False,
            timeout=120).status_code for org_id in waiting])
    assert codes == [302] * len(waiting), codes
    with live_app.app_context():
        db.session.remove()
        approvals = AuditEvent.query.filter(AuditEvent.id > first_new,
                                            AuditEvent.action == "organization.approve").count()
        everything = list(AuditEvent.query.order_by(AuditEvent.id))
        forks = len(everything) - len({e.prev_hash for e in everything})
        verdict = verify()
        active = db.session.scalar(select(func.count()).select_from(Organization).where(
            Organization.id.in_(waiting), Organization.status == "active"))
    figures("audit chain under 24 concurrent decisions", approvals=approvals, forks=forks,
            verdict=verdict.message())
    assert (approvals, active, forks) == (24, 24, 0)
    assert verdict.ok, verdict.message()
