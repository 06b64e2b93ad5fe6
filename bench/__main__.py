"""Benchmarks: speed and memory of the bridge's hot paths, measured, not asserted.

    make bench        (or: .venv/bin/python -m bench)

No Keycloak needed: these are the parts the bridge runs itself on every request of the
wizard and the consoles. Prints one line per benchmark.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from idp_bridge import create_app
from idp_bridge.access import Access
from idp_bridge.extensions import db
from idp_bridge.npi.identifiers import normalize_npi, normalize_tin
from idp_bridge.npi.offline import OfflineRegistry, import_sample
from idp_bridge.npi.questionnaire import build_questionnaire


def measure(name: str, fn: Callable[[], object], repeat: int) -> None:
    fn()  # warm up
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    tracemalloc.start()  # memory on separate runs: tracing slows the timed ones
    for _ in range(min(repeat, 20)):
        fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"{name:<44} median {statistics.median(samples) * 1e6:8.1f} µs   "
          f"p95 {sorted(samples)[int(len(samples) * .95)] * 1e6:8.1f} µs   "
          f"peak {peak / 1024:7.1f} KiB   (n={repeat})")


def main() -> None:
    workdir = Path(tempfile.mkdtemp())
    app = create_app(env={"IDP_DEV_MODE": "1",
                          "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
                          "IDP_OUTBOX_DIR": str(workdir / "outbox")},
                     overrides={"WTF_CSRF_ENABLED": False})
    with app.app_context():
        db.create_all()
        start = time.perf_counter()
        count = import_sample()
        print(f"{'import NPPES sample (' + str(count) + ' records)':<42} "
              f"{(time.perf_counter() - start) * 1e3:9.1f} ms")
        registry = OfflineRegistry()
        record = registry.lookup("1588000012")
        assert record is not None
        rng = random.Random(1)  # noqa: S311  (reproducible distractors, not security)
        measure("NPI + TIN validation", lambda: (normalize_npi("1588000012"),
                                                  normalize_tin("39-1588001")), 2000)
        measure("offline registry lookup", lambda: registry.lookup("1588000012"), 500)
        measure("questionnaire build (4 questions)",
                lambda: build_questionnaire(record, registry, rng), 200)
    groups = [f"/provider-orgs/org{i}" for i in range(50)] + \
        [f"/provider-orgs/org{i}/roles/claims" for i in range(50)]
    measure("token claims → access (50 organizations)",
            lambda: Access.from_claims({"sub": "x", "groups": groups}).allows("org7", "claims"),
            2000)
    client = app.test_client()
    assert client.get("/register", follow_redirects=True).status_code == 200  # a draft
    measure("wizard: first screen (GET /register/account)",
            lambda: client.get("/register/account"), 200)
    def bad_npi() -> None:
        answer = client.post("/register/account", data={"account_type": "organization",
                                                          "npi": "123", "tin": "1"})
        assert answer.status_code == 422

    measure("wizard: bad NPI answered on the same screen", bad_npi, 200)


if __name__ == "__main__":
    main()
