"""`flask lifecycle run` over 100,000 memberships: time, SQL statements and Keycloak calls per
pass (``python -m bench.lifecycle [--members N]``).

One SQLite database seeded in bulk: 1,000 organizations of 100 people (one Site
Administrator each), registered uniformly over the last 400 days, none signed in yet. Keycloak
is the tests' in-memory fake (``tests/support/fake_keycloak.py``): its calls are COUNTED here,
their network time is not measured (each is one admin-API request against the real server;
see bench/RESULTS.md for what the real Keycloak costs per call). Passes, each timed:

1. the first pass after deployment: every login and organization adopted, the first batch of
   warnings sent;
2. the same pass again at once: nothing is due twice;
3. 40 days later (a pass per hour meanwhile is not simulated: one pass shows its own cost).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, insert

from idp_bridge import create_app
from idp_bridge.clock import utcnow
from idp_bridge.extensions import db
from idp_bridge.keycloak import init_app as keycloak_init
from idp_bridge.lifecycle.scheduler import run_due
from idp_bridge.organizations.models import Membership
from tests.support.fake_keycloak import FakeKeycloak, _User
from tests.support.organizations import new_organization

PER_ORGANIZATION = 100
BATCH = 5_000


def seed(gateway: FakeKeycloak, members: int) -> None:
    now = utcnow()
    rows: list[dict[str, Any]] = []
    for n in range(members // PER_ORGANIZATION):
        org = new_organization(gateway)
        org.reviewed_at = now - timedelta(days=(n * 7) % 400)
        for i in range(PER_ORGANIZATION):
            user_id = str(uuid.uuid4())
            email = f"p{n}-{i}@clinic.test"
            gateway.users[user_id] = _User(user_id, email, "Sam", "Person", {}, [])
            rows.append({"organization_id": org.id, "user_id": user_id, "email": email,
                         "first_name": "Sam", "last_name": f"P{i:03d}", "brand": "dean",
                         "status": "approved", "is_site_admin": i == 0, "roles": ["claims"],
                         "requested_at": now - timedelta(days=(n * 100 + i) % 400),
                         "job_title": "", "phone": ""})
        if len(rows) >= BATCH:
            db.session.execute(insert(Membership), rows)
            rows.clear()
    if rows:
        db.session.execute(insert(Membership), rows)
    db.session.commit()


class Counter:
    def __init__(self, engine: Any, gateway: FakeKeycloak) -> None:
        self.sql = 0
        self.gateway = gateway
        event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, *args: Any) -> None:
        self.sql += 1

    def measure(self, label: str, when: Any) -> dict[str, Any]:
        sql, calls = self.sql, len(self.gateway.calls)
        started, cpu = time.perf_counter(), time.process_time()
        outcomes = run_due(when, force=True)
        return {"pass": label, "seconds": time.perf_counter() - started,
                "cpu": time.process_time() - cpu, "sql": self.sql - sql,
                "keycloak": len(self.gateway.calls) - calls,
                "outcomes": {o.step: o.result for o in outcomes}}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=100_000)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-lifecycle-"))
    app = create_app(env={"IDP_DEV_MODE": "1",
                          "DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}",
                          "IDP_OUTBOX_DIR": str(folder / "outbox"), "IDP_SMTP_PORT": "1"})
    gateway = FakeKeycloak()
    keycloak_init(app, gateway)
    with app.app_context():
        db.create_all()
        started = time.perf_counter()
        seed(gateway, args.members)
        print(f"seeded {args.members:,} memberships in {time.perf_counter() - started:.0f} s")
        counter = Counter(db.engine, gateway)
        now = utcnow()
        for label, when in (("first pass (adoption)", now), ("again at once", now),
                            ("40 days later", now + timedelta(days=40))):
            result = counter.measure(label, when)
            print(f"{result['pass']}: {result['seconds']:.1f} s wall, {result['cpu']:.1f} s "
                  f"CPU, {result['sql']:,} SQL statements, {result['keycloak']:,} Keycloak "
                  f"calls; {result['outcomes']}")
    print(f"load average: {os.getloadavg()}")


if __name__ == "__main__":
    main()
