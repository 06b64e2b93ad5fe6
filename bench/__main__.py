"""Benchmarks: the bridge beside Keycloak alone, measured in one run on this machine.

    make bench                              (or: .venv/bin/python -m bench)
    make bench BENCH_ARGS=--quick           small sizes, a few minutes (CI's smoke run)
    .venv/bin/python -m bench --sizes 100,1000 --only signin,approvals

Starts what it needs (a private Keycloak, the dev mail sink, the bridge under gunicorn) and
measures sign-in, registration, approvals at growing sizes, the registry and the token
verifier. Results go to bench/results/<date>-<host>.json and the table in bench/RESULTS.md,
each figure beside its target. Ratios are the claims: the machine is shared and noisy.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import shutil
import socket
import sys
import tempfile
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import interpreter, report

HERE = Path(__file__).resolve().parent
SECTIONS = ("signin", "registration", "approvals", "registry", "tokens", "keycloak_cost")
STACK_SECTIONS = ("signin", "registration", "approvals", "keycloak_cost")


def _args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, a few minutes")
    parser.add_argument("--sizes", help="members per organization for approvals, e.g. "
                        "100,1000,10000,100000 (default; --quick: 100,1000)")
    parser.add_argument("--only", help="comma-separated sections: " + ",".join(SECTIONS))
    parser.add_argument("--postgres", metavar="SERVER_URL",
                        help="run on PostgreSQL: a server URL where the user may create "
                        "databases, e.g. postgresql+psycopg://portal:portal@127.0.0.1/postgres "
                        "(default: SQLite); the registry section gets it too")
    parser.add_argument("--keycloak-users", choices=("all", "pending"), default="all",
                        help="approvals: import every seeded person into Keycloak (default) "
                        "or only those waiting for approval (faster seeding)")
    parser.add_argument("--production", action="store_true",
                        help="Keycloak as docs/deploy.md runs it: `build` for PostgreSQL, "
                        "`start --optimized` on its own PostgreSQL database (needs --postgres)")
    parser.add_argument("--jfr", action="store_true",
                        help="record a Java Flight Recorder profile of Keycloak; "
                        "keycloak_cost sorts its CPU samples into the parts of a sign-in")
    parser.add_argument("--sessions", type=int,
                        help="keycloak_cost: extra sessions for the memory figure "
                        "(default 10,000; --quick: 500)")
    parser.add_argument("--out", type=Path, default=HERE / "results")
    parser.add_argument("--table", action="store_true",
                        help="measure nothing: rewrite bench/RESULTS.md from the saved runs")
    return parser.parse_args(argv)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def main(argv: list[str] | None = None) -> int:
    args = _args(argv)
    if args.table:
        (HERE / "RESULTS.md").write_text(report.markdown(_latest_full_runs(args.out)))
        return 0
    sections = args.only.split(",") if args.only else list(SECTIONS)
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else (
        [100, 1000] if args.quick else [100, 1000, 10_000, 100_000])
    results: dict[str, Any] = {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "host": socket.gethostname(), "cpus": _cpus(), "python": platform.python_version(),
        # The bridge's CPU depends on how this interpreter was built (bench/interpreter.py).
        "interpreter": interpreter.describe(),
        "quick": args.quick, "sizes": sizes, "sections": {}, "errors": {},
        "database": "postgresql" if args.postgres else "sqlite",
        "keycloak_mode": "production" if args.production else "dev",
        "only": args.only.split(",") if args.only else [],
        "load_average_before": os.getloadavg(),
    }
    log(interpreter.label(results["interpreter"]))
    if set(STACK_SECTIONS) & set(sections):
        _with_stack(args, sections, sizes, results)
    for name in ("registry", "tokens"):
        if name in sections:
            _other_agents_module(name, args, results)
    results["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    results["load_average_after"] = os.getloadavg()
    path = _write(results, args.out)
    log(f"results: {path}")
    print(report.table(results))
    if results["errors"]:
        log(f"not measured: {', '.join(results['errors'])}")
    # A section that failed was not measured: CI's quick run must see it (the others' figures
    # are written either way).
    return 1 if results["errors"] else 0


def _with_stack(args: argparse.Namespace, sections: list[str], sizes: list[int],
                results: dict[str, Any]) -> None:
    from bench import stack as stack_module

    jfr = args.out / f"keycloak-{int(time.time())}.jfr" if args.jfr else None
    stack = stack_module.start(args.postgres, log=log, production=args.production)
    stack.extras["jfr"] = jfr
    try:
        for name in STACK_SECTIONS:
            if name not in sections:
                continue
            log(f"{name} ...")
            try:
                module = importlib.import_module(f"bench.{name}")
                extra: dict[str, Any] = {"sizes": sizes, "keycloak_users": args.keycloak_users} \
                    if name == "approvals" else {}
                if name == "keycloak_cost":
                    extra = {"sessions": args.sessions}
                results["sections"][name] = module.run(stack, args.quick, log=log, **extra)
            except Exception as exc:  # noqa: BLE001  (one section failing keeps the others)
                traceback.print_exc()
                results["errors"][name] = repr(exc)
    finally:
        if results["errors"]:  # Keycloak's side of a failure: its events, before it is gone
            kept = Path(tempfile.gettempdir()) / f"idp-bench-keycloak-{int(time.time())}.log"
            shutil.copy(stack.keycloak.log_path, kept)
            log(f"Keycloak's log kept: {kept}")
        stack_module.stop(stack)


def _other_agents_module(name: str, args: argparse.Namespace, results: dict[str, Any]) -> None:
    """bench/registry.py and bench/tokens.py: run(quick, ...) -> dict, when present."""
    if not (HERE / f"{name}.py").exists():
        results["errors"][name] = f"bench/{name}.py not present"
        return
    log(f"{name} ...")
    try:
        module = importlib.import_module(f"bench.{name}")
        kwargs = {"database_url": args.postgres} if name == "registry" else {}
        results["sections"][name] = module.run(args.quick, **kwargs)
    except Exception as exc:  # noqa: BLE001
        traceback.print_exc()
        results["errors"][name] = repr(exc)


def _cpus() -> int:
    return len(os.sched_getaffinity(0))


def _write(results: dict[str, Any], out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    suffix = ("-postgres" if results["database"] == "postgresql" else "") + \
        ("-production" if results.get("keycloak_mode") == "production" else "") + \
        ("-" + "-".join(results["only"]) if results.get("only") else "") + \
        ("-quick" if results["quick"] else "")
    path = out / f"{results['started'][:10]}-{results['host']}{suffix}.json"
    path.write_text(json.dumps(results, indent=2, default=str) + "\n")
    if results["quick"]:
        path.with_suffix(".md").write_text(report.markdown([results]))
    else:  # the committed table: each section's newest full-size run, per database
        (HERE / "RESULTS.md").write_text(report.markdown(_latest_full_runs(out)))
    return path


def _latest_full_runs(out: Path) -> list[dict[str, Any]]:
    """Per database, each section from the newest full-size run that measured it."""
    merged: dict[str, dict[str, Any]] = {}
    runs = [(json.loads(p.read_text()), p) for p in out.glob("*.json")]
    runs = [(data, p) for data, p in runs if "sections" in data]  # other benches' own files
    for data, candidate in sorted(runs, key=lambda run: str(run[0].get("started", ""))):
        if data.get("quick"):
            continue
        database = data.get("database", "sqlite")
        if data.get("keycloak_mode") == "production":
            database += "-production"
        into = merged.setdefault(database, {**data, "sections": {}, "errors": {},
                                            "files": {}})
        for name, section in data["sections"].items():
            into["sections"][name] = section
            into["files"][name] = candidate.name
            into["errors"].pop(name, None)
        for name, error in data.get("errors", {}).items():
            if name not in into["sections"]:
                into["errors"][name] = error
        for key in ("host", "cpus", "python"):
            into[key] = data[key]
        into.setdefault("interpreters", {})[candidate.name] = (
            data.get("interpreter") or {"version": data["python"]})
    return [merged[k] for k in sorted(merged, key=lambda d: d != "sqlite")]


if __name__ == "__main__":
    sys.exit(main())
