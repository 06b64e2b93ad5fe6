"""Exclusions benchmark (issue 23): the three imports and the monthly screen at scale.

    .venv/bin/python -m bench.exclusions [--database-url SERVER_URL] [--quick]

Generates, in the published layouts (``idp_bridge.exclusions.synthetic``), an LEIE of
70,000 rows, a SAM extract of 330,000 rows and a Deactivated NPI Report of 10,000 NPIs, loads
them with the real commands' functions, then screens 100,000 approved organizations (130,000
NPI/TIN pairs; 100 of them on a list, 100 with a deactivated NPI) twice: the first run raises
the flags, the second must change nothing. Each step reports wall seconds and the process's
own CPU seconds; the peak RSS is the whole process's (``ru_maxrss``).

Keycloak is the in-memory fake (tests/support/fake_keycloak.py) here: with the default
setting a screen makes one Keycloak call (the plan administrators' addresses), so the figures
are the bridge's and the database's work.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from idp_bridge.devstack.databases import create_database, drop_databases

ROOT = Path(__file__).resolve().parent.parent
SIZES = {"leie": 70_000, "sam": 330_000, "deactivations": 10_000, "organizations": 100_000}
QUICK = {"leie": 7_000, "sam": 33_000, "deactivations": 1_000, "organizations": 10_000}
LISTED = 100  # organizations on a list, and organizations with a deactivated NPI


def timed(step: Callable[[], Any]) -> tuple[Any, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    value = step()
    return value, time.perf_counter() - wall, time.process_time() - cpu


def run(database_url: str, sizes: dict[str, int], workdir: Path) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT))
    from flask_migrate import upgrade

    from idp_bridge import create_app
    from idp_bridge.exclusions import screening, synthetic
    from idp_bridge.exclusions.files import DeactivationReportReader, LeieReader, SamReader
    from idp_bridge.exclusions.store import load_deactivations, load_exclusions
    from idp_bridge.keycloak import init_app
    from idp_bridge.npi.bulk_file import Refusals
    from tests.support.fake_keycloak import FakeKeycloak

    app = create_app(env={"IDP_DEV_MODE": "1", "DATABASE_URL": database_url,
                          "IDP_OUTBOX_DIR": str(workdir / "outbox")})
    init_app(app, FakeKeycloak())
    results: dict[str, Any] = {}
    deactivated = [synthetic.npi(500_000_000 + k) for k in range(sizes["deactivations"])]
    started = time.perf_counter()
    leie = synthetic.write_leie(workdir / "UPDATED.csv", sizes["leie"])
    sam = synthetic.write_sam(workdir / "SAM_Exclusions_Public_Extract_V2_26335.ZIP",
                              sizes["sam"])
    report = synthetic.write_deactivation_report(
        workdir / "NPPES_Deactivated_NPI_Report_120126.zip",
        [(n, date(2026, 11, 1 + k % 28)) for k, n in enumerate(deactivated)])
    results["generate_seconds"] = round(time.perf_counter() - started, 1)
    results["file_mib"] = {p.name: round(p.stat().st_size / 2**20, 1) for p in (leie, sam, report)}
    with app.app_context():
        upgrade(revision="heads")
        for name, step in (
                ("leie", lambda: load_exclusions("leie", LeieReader(leie, Refusals()), "LEIE")),
                ("sam", lambda: load_exclusions("sam", SamReader(sam, Refusals()), "SAM")),
                ("deactivations", lambda: load_deactivations(
                    DeactivationReportReader(report, Refusals()), "Deactivations"))):
            loaded, wall, cpu = timed(step)
            results[name] = {"rows": loaded.rows, "refused": loaded.refusals.count,
                             "seconds": round(wall, 2), "cpu_seconds": round(cpu, 2),
                             "rows_per_second": round(loaded.rows / wall)}
        listed_npis = _listed(LISTED)
        _, wall, _ = timed(lambda: _organizations(sizes["organizations"], listed_npis,
                                                  deactivated[:LISTED]))
        results["seed_organizations_seconds"] = round(wall, 1)
        for name, step in (("screen_first", screening.screen),
                           ("screen_again", screening.screen),
                           ("deactivation_sweep_first", screening.sweep_deactivations),
                           ("deactivation_sweep_again", screening.sweep_deactivations)):
            swept, wall, cpu = timed(step)
            results[name] = {"organizations": sizes["organizations"], "raised": swept.raised,
                             "cleared": swept.cleared, "seconds": round(wall, 2),
                             "cpu_seconds": round(cpu, 2)}
    results["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return results


def _listed(count: int) -> list[str]:
    from sqlalchemy import select

    from idp_bridge.exclusions.models import ExclusionRecord
    from idp_bridge.extensions import db

    return list(db.session.scalars(select(ExclusionRecord.npi).where(
        ExclusionRecord.npi != "", ExclusionRecord.ended_on.is_(None),
        ExclusionRecord.waiver_state == "",
        ExclusionRecord.excluded_on <= date(2026, 1, 1)).limit(count)))


def _organizations(count: int, listed: list[str], deactivated: list[str]) -> None:
    """``count`` approved organizations, multi-row inserts; every third has a second pair."""
    from idp_bridge.exclusions.synthetic import npi
    from idp_bridge.extensions import db
    from idp_bridge.organizations.models import Organization, OrganizationIdentifier

    special = listed + deactivated
    organizations, identifiers = [], []
    for k in range(count):
        organizations.append({
            "id": k + 1, "key": f"bench-{k}", "name": f"BENCH CLINIC {k} LLC", "brand": "dean",
            "doing_business_as": "", "address_line1": "1 MAIN ST", "address_line2": "",
            "city": "MADISON", "state": "WI", "zip": "53703", "business_phone": "+16085550100",
            "email": f"office{k}@bench.test", "status": "active", "review_note": "",
            "registry_name": "", "created_at": date(2026, 1, 1)})
        first = special[k] if k < len(special) else npi(600_000_000 + k)
        identifiers.append({"organization_id": k + 1, "npi": first, "tin": f"{k:09d}",
                            "is_primary": True, "added_at": date(2026, 1, 1)})
        if k % 3 == 0:
            identifiers.append({"organization_id": k + 1, "npi": npi(700_000_000 + k),
                                "tin": f"{k + 1:09d}"[::-1], "is_primary": False,
                                "added_at": date(2026, 1, 1)})
    for start in range(0, len(organizations), 5_000):
        db.session.execute(Organization.__table__.insert(), organizations[start:start + 5_000])
    for start in range(0, len(identifiers), 5_000):
        db.session.execute(OrganizationIdentifier.__table__.insert(),
                           identifiers[start:start + 5_000])
    db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="a PostgreSQL server URL (a fresh database "
                                               "is created there and dropped after)")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    sizes = QUICK if args.quick else SIZES
    with tempfile.TemporaryDirectory(prefix="exclusions-bench-") as tmp:
        workdir = Path(tmp)
        if args.database_url:
            url = create_database(args.database_url, "exclusions_bench")
            try:
                results = run(url, sizes, workdir)
            finally:
                drop_databases(args.database_url, url)
            results["database"] = "postgresql"
        else:
            results = run(f"sqlite:///{workdir / 'bench.sqlite3'}", sizes, workdir)
            results["database"] = "sqlite"
    results["load_average_after"] = os.getloadavg()
    results["cpus"] = os.cpu_count()
    text = json.dumps(results, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
