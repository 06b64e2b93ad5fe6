"""Registry benchmark: the NPPES bulk import and registry lookups at scale.

    .venv/bin/python -m bench.registry [--quick] [--database-url SERVER_URL]

Generates an npidata file in the real 330-column layout (1 M lines, 50 k with ``--quick``)
with its othername file, imports it on SQLite (and on PostgreSQL when a server URL is given:
a fresh database is created there and dropped after), then times lookups and questionnaires
on the loaded registry. The import runs in a child process, the real ``import_files`` with
the app around it, so its peak RSS (``wait4``) is the import's own.

``run()`` returns one dict per database with: ``rows_per_second`` (wall),
``rows_per_cpu_second`` (the import process's own CPU: a figure the other tenants of a
shared machine disturb less), ``peak_rss_mib``, ``lookup_p50_ms`` / ``lookup_p99_ms``
(and, on SQLite, the same in CPU time), ``questionnaire_p99_ms`` (the distractor queries a
registration makes), and ``update``: a weekly file of 1 % of the rows imported after.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from idp_bridge.devstack.databases import create_database, drop_databases

ROOT = Path(__file__).resolve().parent.parent
FULL_ROWS = 1_000_000
QUICK_ROWS = 50_000
LOOKUPS = 5_000
QUESTIONNAIRES = 500
UPDATE_SHARE = 100  # a weekly file is ~1 % of the registry
TARGETS = {"rows_per_second": 100_000, "peak_rss_mib": 300, "lookup_p99_ms": 5.0}


def run(quick: bool, database_url: str | None = None) -> dict[str, Any]:
    from idp_bridge.npi import synthetic

    rows = QUICK_ROWS if quick else FULL_ROWS
    with tempfile.TemporaryDirectory(prefix="npi-bench-") as tmp:
        workdir = Path(tmp)
        started = time.perf_counter()
        npidata, othername = synthetic.write_bundle(workdir, rows)
        results: dict[str, Any] = {
            "rows": rows,
            "columns": 330,
            "file_mib": round(npidata.stat().st_size / 2**20, 1),
            "generate_seconds": round(time.perf_counter() - started, 1),
            "targets": TARGETS,
            "load_average_before": os.getloadavg(),
        }
        sqlite_url = f"sqlite:///{workdir / 'registry.sqlite3'}"
        results["sqlite"] = _measure(sqlite_url, npidata, othername, rows, workdir)
        if database_url:
            url = _create_database(database_url)
            try:
                results["postgresql"] = _measure(url, npidata, othername, rows, workdir)
            finally:
                _drop_database(database_url, url)
        results["load_average_after"] = os.getloadavg()
    return results


def _measure(url: str, npidata: Path, othername: Path, rows: int, workdir: Path
             ) -> dict[str, Any]:
    from idp_bridge.npi import synthetic

    figures = _import_in_child(url, npidata, othername, workdir)
    figures.update(_lookups(url, rows, workdir))
    # Then a weekly update into the loaded registry: the upsert path, indexes kept.
    update = synthetic.write_update(workdir, rows, max(1_000, rows // UPDATE_SHARE))
    weekly = _import_in_child(url, *update, workdir)
    figures["update"] = {key: weekly[key] for key in (
        "records", "refused", "import_seconds", "rows_per_second", "rows_per_cpu_second",
        "peak_rss_mib")}
    return figures


def _import_in_child(url: str, npidata: Path, othername: Path, workdir: Path
                     ) -> dict[str, Any]:
    command = [sys.executable, "-m", "bench.registry", "import-child", url, str(npidata),
               str(othername), str(workdir / "outbox")]
    child = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE)  # noqa: S603
    _, status, usage = os.wait4(child.pid, 0)  # this child's own rusage, not all children's
    child.returncode = os.waitstatus_to_exitcode(status)
    assert child.stdout is not None
    output = child.stdout.read().decode()
    if child.returncode != 0:
        raise RuntimeError(f"import child failed ({child.returncode}): {output[-2000:]}")
    reported = json.loads(output.strip().splitlines()[-1])
    cpu = usage.ru_utime + usage.ru_stime
    seconds = reported["seconds"]
    return {
        "records": reported["records"],
        "other_names": reported["other_names"],
        "refused": reported["refused"],
        "import_seconds": round(seconds, 2),
        "rows_per_second": round(reported["records"] / seconds),
        "process_cpu_seconds": round(cpu, 2),  # includes Python and app start-up
        "rows_per_cpu_second": round(reported["records"] / reported["cpu_seconds"]),
        "peak_rss_mib": round(usage.ru_maxrss / 1024, 1),  # Linux reports KiB
    }


def _import_child(url: str, npidata: str, othername: str, outbox: str) -> None:
    """Runs in the child: the app, its schema, and one timed import."""
    from idp_bridge import create_app
    from idp_bridge.extensions import db
    from idp_bridge.npi.bulk_import import import_files

    app = create_app(env={"IDP_DEV_MODE": "1", "DATABASE_URL": url, "IDP_OUTBOX_DIR": outbox})
    with app.app_context():
        db.create_all()
        cpu = time.process_time()
        result = import_files(Path(npidata), Path(othername))
        cpu = time.process_time() - cpu
    print(json.dumps({"records": result.records, "other_names": result.other_names,
                      "refused": result.refusals.count, "seconds": result.seconds,
                      "cpu_seconds": cpu}))


def _lookups(url: str, rows: int, workdir: Path) -> dict[str, Any]:
    from idp_bridge import create_app
    from idp_bridge.extensions import db
    from idp_bridge.npi import synthetic
    from idp_bridge.npi.offline import OfflineRegistry
    from idp_bridge.npi.questionnaire import build_questionnaire
    from idp_bridge.npi.registry import ORGANIZATION

    app = create_app(env={"IDP_DEV_MODE": "1", "DATABASE_URL": url,
                          "IDP_OUTBOX_DIR": str(workdir / "outbox")})
    rng = random.Random(13)  # noqa: S311  (which NPIs to look up, not security)
    registry = OfflineRegistry()
    with app.app_context():
        npis = [synthetic.npi_at(rng.randrange(rows)) for _ in range(LOOKUPS)]
        lookup = _timings(lambda npi: registry.lookup(npi), npis)
        # CPU time of this process alone: what a lookup costs when not pre-empted (it
        # leaves out PostgreSQL's own work, so it is reported for SQLite only).
        lookup_cpu = _timings(lambda npi: registry.lookup(npi), npis, time.thread_time)
        organizations = [r for r in map(registry.lookup, npis[:2_000])
                         if r and r.entity_type == ORGANIZATION][:QUESTIONNAIRES]
        questionnaire = _timings(lambda r: build_questionnaire(r, registry, rng), organizations)
        db.session.remove()
        db.engine.dispose()
    figures = {"lookup_p50_ms": lookup[0], "lookup_p99_ms": lookup[1],
               "questionnaire_p50_ms": questionnaire[0],
               "questionnaire_p99_ms": questionnaire[1]}
    if url.startswith("sqlite"):
        figures.update(lookup_cpu_p50_ms=lookup_cpu[0], lookup_cpu_p99_ms=lookup_cpu[1])
    return figures


def _timings(call: Callable[[Any], object], arguments: list[Any],
             clock: Callable[[], float] = time.perf_counter) -> tuple[float, float]:
    for argument in arguments[:100]:  # warm the caches the way a running app has them
        call(argument)
    samples = []
    for argument in arguments:
        started = clock()
        call(argument)
        samples.append(clock() - started)
    cuts = statistics.quantiles(samples, n=100)
    return round(cuts[49] * 1e3, 3), round(cuts[98] * 1e3, 3)


def _create_database(server_url: str) -> str:
    return create_database(server_url, "npi_bench")


def _drop_database(server_url: str, url: str) -> None:
    drop_databases(server_url, url)


def main() -> None:
    if sys.argv[1:2] == ["import-child"]:
        _import_child(*sys.argv[2:6])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--database-url", help="a PostgreSQL server URL: also import there")
    args = parser.parse_args()
    print(json.dumps(run(args.quick, args.database_url), indent=2))


if __name__ == "__main__":
    main()
