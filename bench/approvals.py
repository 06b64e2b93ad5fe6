"""Approvals at 100 / 1k / 10k / 100k members: the Site Administrator's members page (p95,
bytes) and approving a member (p95), with SQL statements and Keycloak calls per request.

Each size is one organization, seeded in bulk: its people are imported into Keycloak with the
admin API's partial import (a few thousand per call) and inserted into the bridge's tables
with multi-row inserts. Requests run in this process against the same database and the real
Keycloak (Flask's test client: no network hop, so the figures are the bridge's own work), so
an SQLAlchemy event and a wrapper on ``requests`` can count what each request does.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import requests
from sqlalchemy import event, insert

from bench.signin import gateway
from bench.stack import REALM, Stack
from bench.stats import letters, summary
from idp_bridge.clock import utcnow
from idp_bridge.extensions import db
from idp_bridge.mail.deliverer import deliver_due
from idp_bridge.organizations.models import Membership, Organization
from idp_bridge.progress import progress

KEYCLOAK_IMPORT_BATCH = 2_000
DB_INSERT_BATCH = 5_000


class Counters:
    """SQL statements and Keycloak HTTP calls made while ``counting`` is on."""

    def __init__(self, keycloak_url: str) -> None:
        self.keycloak_url = keycloak_url
        self.sql = 0
        self.keycloak = 0
        self.on = False
        self._real_send = requests.Session.send
        self._thread = threading.get_ident()

    def install(self, engine: Any) -> None:
        event.listen(engine, "before_cursor_execute", self._statement)
        counters = self

        def send(session: requests.Session, request: requests.PreparedRequest,
                 **kwargs: Any) -> requests.Response:
            if counters.on and str(request.url).startswith(counters.keycloak_url) \
                    and threading.get_ident() == counters._thread:
                counters.keycloak += 1
            return counters._real_send(session, request, **kwargs)

        requests.Session.send = send  # type: ignore[method-assign]

    def uninstall(self, engine: Any) -> None:
        event.remove(engine, "before_cursor_execute", self._statement)
        requests.Session.send = self._real_send  # type: ignore[method-assign]

    def _statement(self, *args: Any) -> None:
        if self.on and threading.get_ident() == self._thread:
            self.sql += 1

    @contextmanager
    def counting(self) -> Iterator[None]:
        self.sql = self.keycloak = 0
        self.on = True
        try:
            yield
        finally:
            self.on = False


# Seeding -----------------------------------------------------------------------------------


def _import_keycloak_users(stack: Stack, people: list[dict[str, str]],
                           log: Callable[[str], None]) -> float:
    start = token_at = time.perf_counter()
    token = stack.admin_token()
    url = f"{stack.keycloak_url}/admin/realms/{REALM}/partialImport"
    batches = range(0, len(people), KEYCLOAK_IMPORT_BATCH)
    for i in progress(batches, "  Keycloak partial import (batches)", total=len(batches)):
        if time.perf_counter() - token_at > 45:  # master admin tokens live one minute
            token, token_at = stack.admin_token(), time.perf_counter()
        batch = [{"id": p["user_id"], "username": p["email"], "email": p["email"],
                  "firstName": p["first_name"], "lastName": p["last_name"], "enabled": True,
                  "emailVerified": True} for p in people[i:i + KEYCLOAK_IMPORT_BATCH]]
        answer = requests.post(url, json={"ifResourceExists": "SKIP", "users": batch},
                               headers={"Authorization": f"Bearer {token}"}, timeout=600)
        answer.raise_for_status()
    return time.perf_counter() - start


def seed(stack: Stack, app: Any, size: int, pending: int,
         log: Callable[[str], None], keycloak_users: str = "all") -> dict[str, Any]:
    """One organization with ``size`` people, ``pending`` of them waiting for approval."""
    key = f"bench-{size}-{uuid.uuid4().hex[:6]}"
    admin_gateway = gateway(stack)
    group_id = admin_gateway.create_subgroup(admin_gateway.orgs_group_id(), key)
    now = utcnow()
    people = [{"user_id": str(uuid.uuid4()), "email": f"person{i:06d}@{key}.test",
               "first_name": f"Pat {letters(i % 997, 2)}", "last_name": f"Person {letters(i)}",
               "job_title": "Billing", "status": "pending" if i < pending else "approved",
               "is_site_admin": False, "roles": [],
               "requested_at": now - timedelta(seconds=size - i)}
              for i in range(size)]
    # "pending": only those an approval can reach get a Keycloak login (a shorter seeding;
    # Keycloak's group add looks a user up by id, so the realm's size hardly matters).
    keycloak_s = _import_keycloak_users(
        stack, people if keycloak_users == "all" else people[:pending], log)
    with app.app_context():
        org = Organization(key=key, name=f"Bench Clinic {size}", address_line1="1 Main St",
                           city="Madison", state="WI", zip="53703",
                           business_phone="608-555-0100", email="office@clinic.test",
                           status="active", keycloak_group_id=group_id)
        db.session.add(org)
        db.session.flush()
        admin_id = f"bench-admin-{key}"
        db.session.add(Membership(organization_id=org.id, user_id=admin_id,
                                  email=f"admin@{key}.test", first_name="Alex",
                                  last_name="Admin", status="approved", is_site_admin=True,
                                  roles=[]))
        start = time.perf_counter()
        inserts = range(0, size, DB_INSERT_BATCH)
        for i in progress(inserts, "  Membership rows (batches)", total=len(inserts)):
            db.session.execute(insert(Membership),
                               [{**p, "organization_id": org.id}
                                for p in people[i:i + DB_INSERT_BATCH]])
        db.session.commit()
        db_s = time.perf_counter() - start
        org_id = org.id
        waiting = [m.id for m in db.session.scalars(
            db.select(Membership).where(Membership.organization_id == org_id,
                                        Membership.status == "pending")
            .order_by(Membership.requested_at).limit(pending))]
    return {"key": key, "org_id": org_id, "admin_id": admin_id, "pending_ids": waiting,
            "seed_keycloak_s": keycloak_s, "seed_db_s": db_s,
            "sample_email": people[size // 2]["email"]}


# Measuring ---------------------------------------------------------------------------------


def _timed(client: Any, counters: Counters, method: str, path: str,
           expect: int) -> tuple[float, int, int, int, float]:
    with counters.counting():
        start, cpu = time.perf_counter(), time.thread_time()
        answer = client.open(path, method=method)
        took, cpu = time.perf_counter() - start, time.thread_time() - cpu
    assert answer.status_code == expect, (path, answer.status_code,
                                          answer.get_data(as_text=True)[:500])
    return took, len(answer.get_data()), counters.sql, counters.keycloak, cpu


def _series(client: Any, counters: Counters, method: str, paths: list[str],
            expect: int) -> dict[str, Any]:
    got = [_timed(client, counters, method, p, expect) for p in paths]
    # The request's own CPU (this thread: the view, SQLite, the template), which other
    # tenants of the machine disturb far less than wall time.
    cpu = summary([g[4] for g in got])
    return {**summary([g[0] for g in got]), "bytes": max(g[1] for g in got),
            "sql_per_request": max(g[2] for g in got),
            "keycloak_calls_per_request": max(g[3] for g in got),
            "cpu_p50_ms": cpu["p50_ms"], "cpu_p95_ms": cpu["p95_ms"]}


def measure(app: Any, counters: Counters, seeded: dict[str, Any], size: int,
            repeat: int, approvals: int) -> dict[str, Any]:
    key = seeded["key"]
    client = app.test_client()
    with client.session_transaction() as session:
        session["user"] = {"sub": seeded["admin_id"], "name": "Alex Admin",
                           "email": f"admin@{key}.test", "groups": [], "roles": []}
    base = f"/org/{key}/members"
    for _ in range(3):  # warm: templates compiled, connections open
        client.get(base)
    pages = max(1, -(-size // 50))
    out = {
        "members_page": _series(client, counters, "GET", [base] * repeat, 200),
        "members_last_page": _series(client, counters, "GET",
                                     [f"{base}?page={pages}"] * max(5, repeat // 4), 200),
        "members_search": _series(client, counters, "GET",
                                  [f"{base}?q={seeded['sample_email'][:12]}"]
                                  * max(5, repeat // 4), 200),
    }
    waiting = seeded["pending_ids"]
    client.post(f"{base}/{waiting[0]}/approve")  # warm: Keycloak connection, admin token
    timed = waiting[1:approvals + 1]
    out["approve"] = _series(client, counters, "POST",
                             [f"{base}/{mid}/approve" for mid in timed], 302)
    spare = waiting[approvals + 1:approvals + 2]
    out["profiles"] = {
        "members_page": profile(lambda: client.get(base)),
        **({"approve": profile(lambda: client.post(f"{base}/{spare[0]}/approve"))}
           if spare else {}),
    }
    with app.app_context():
        approved = db.session.scalar(db.select(db.func.count()).select_from(Membership).where(
            Membership.id.in_(timed), Membership.status == "approved"))
    assert approved == len(timed), "approvals did not land"
    out["deliverer"] = deliverer_pass(app, counters)
    return out


def deliverer_pass(app: Any, counters: Counters) -> dict[str, Any]:
    """The approvals' emails, sent as the deliverer (`flask mail deliver`) sends them: since
    issue 26 a decision leaves its email to the deliverer, so its cost moved out of the
    request, not away. Wall and thread CPU per email, SMTP to the dev mail sink included."""
    with app.app_context(), counters.counting():
        start, cpu = time.perf_counter(), time.thread_time()
        sent, failed = deliver_due(limit=10_000)
        took, cpu = time.perf_counter() - start, time.thread_time() - cpu
        statements = counters.sql
    mails = sent + failed
    per = 1000 / mails if mails else 0.0
    return {"mails": mails, "sent": sent, "ms_per_mail": took * per,
            "cpu_ms_per_mail": cpu * per, "sql_per_mail": statements / mails if mails else 0}


def profile(request: Callable[[], Any], lines: int = 45) -> str:
    """Where one request's time goes: cProfile's top functions by cumulative time."""
    profiler = cProfile.Profile()
    profiler.enable()
    request()
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("cumulative").print_stats(lines)
    text = out.getvalue()
    return text[text.find("ncalls"):].rstrip() if "ncalls" in text else text


def run(stack: Stack, quick: bool, log: Callable[[str], None] = print,
        sizes: list[int] | None = None, keycloak_users: str = "all") -> dict[str, Any]:
    sizes = sizes or ([100, 1000] if quick else [100, 1000, 10_000, 100_000])
    repeat, approvals = (20, 5) if quick else (60, 25)
    app = stack.app(WTF_CSRF_ENABLED=False)
    counters = Counters(stack.keycloak_url)
    with app.app_context():
        engine = db.engine
    counters.install(engine)
    results: dict[str, Any] = {"repeat": repeat, "approvals": approvals, "sizes": {},
                               "keycloak_users": keycloak_users}
    try:
        for size in sizes:
            log(f"approvals: seeding {size} members ...")
            seeded = seed(stack, app, size, max(size // 10, approvals + 2), log, keycloak_users)
            figures = measure(app, counters, seeded, size, repeat, approvals)
            figures["seed_keycloak_s"] = round(seeded["seed_keycloak_s"], 1)
            figures["seed_db_s"] = round(seeded["seed_db_s"], 1)
            results["sizes"][str(size)] = figures
            log(f"approvals at {size}: members page p95 "
                f"{figures['members_page']['p95_ms']:.1f} ms "
                f"({figures['members_page']['bytes'] / 1024:.0f} KiB, "
                f"{figures['members_page']['sql_per_request']} SQL, "
                f"{figures['members_page']['keycloak_calls_per_request']} Keycloak); approve "
                f"p95 {figures['approve']['p95_ms']:.1f} ms "
                f"({figures['approve']['sql_per_request']} SQL, "
                f"{figures['approve']['keycloak_calls_per_request']} Keycloak)")
    finally:
        counters.uninstall(engine)
    return results
