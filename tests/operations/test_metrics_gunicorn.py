"""Metrics under gunicorn's several workers (gunicorn.conf.py): every worker's requests are
counted once, in the sum the master serves on its own port; the public port refuses
/metrics. No Keycloak needed (its readiness check just fails)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from flask_migrate import upgrade
from prometheus_client.parser import text_string_to_metric_families

from idp_bridge import create_app
from idp_bridge.config import REPO_ROOT, dev_environment
from idp_bridge.devstack.keycloak_server import free_port
from idp_bridge.devstack.processes import stop_process_group

pytestmark = pytest.mark.slow  # starts gunicorn: the stack layer, not the unit layer


@pytest.fixture
def gunicorn(tmp_path: Path) -> Iterator[dict[str, object]]:
    port, metrics_port = free_port(), free_port()
    env = {**dev_environment(keycloak_port=free_port(), bridge_port=port,
                             outbox_dir=str(tmp_path / "outbox")),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'bridge.sqlite3'}",
           "IDP_METRICS_PORT": str(metrics_port),
           "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics")}
    with create_app(env=env).app_context():
        upgrade(revision="heads")
    process = subprocess.Popen(  # noqa: S603 (fixed argv)
        [sys.executable, "-m", "gunicorn", "-c", str(REPO_ROOT / "gunicorn.conf.py"), "-w", "2",
         "-b", f"127.0.0.1:{port}", "idp_bridge:create_app()"],
        env={**os.environ, **env}, stdout=(tmp_path / "gunicorn.log").open("ab"),
        stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait(f"http://127.0.0.1:{metrics_port}/metrics", process, tmp_path)
        _wait(f"http://127.0.0.1:{port}/healthz", process, tmp_path)
        yield {"public": f"http://127.0.0.1:{port}",
               "metrics": f"http://127.0.0.1:{metrics_port}/metrics",
               "dir": tmp_path / "metrics"}
    finally:
        stop_process_group(process, grace_seconds=20)


def _wait(url: str, process: subprocess.Popen[bytes], folder: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert process.poll() is None, (folder / "gunicorn.log").read_text()
        try:
            if requests.get(url, timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise TimeoutError(url)


def _healthz_count(url: str) -> float:
    families = text_string_to_metric_families(requests.get(url, timeout=30).text)
    return sum(sample.value for family in families for sample in family.samples
               if sample.name == "idp_bridge_http_requests_total"
               and sample.labels.get("route") == "/healthz")


def test_metrics_add_up_every_gunicorn_workers_requests(gunicorn) -> None:
    """Which worker accepts a connection is the kernel's choice: one fast worker can take 60
    requests in a row (CI once saw it). So batches are sent until both workers have counted
    some, and the sum the master serves must hold every request of every batch."""
    before = _healthz_count(str(gunicorn["metrics"]))
    sent, writers = 0, set()
    with ThreadPoolExecutor(max_workers=8) as pool:
        for _ in range(20):
            answers = list(pool.map(lambda _: requests.get(
                f"{gunicorn['public']}/healthz", timeout=30).status_code, range(60)))
            assert answers == [200] * 60
            sent += 60
            writers = _writers(Path(str(gunicorn["dir"])))
            if len(writers) >= 2:
                break
    assert len(writers) >= 2, writers  # both workers counted into the one sum
    assert _healthz_count(str(gunicorn["metrics"])) == before + sent


def _writers(folder: Path) -> set[str]:
    """The workers (by pid) that have written a counter file."""
    return {path.name.rsplit("_", 1)[1] for path in folder.glob("counter_*.db")}


def test_metrics_not_on_gunicorns_public_port(gunicorn) -> None:
    answer = requests.get(f"{gunicorn['public']}/metrics", timeout=30)
    assert answer.status_code == 404 and "idp_bridge_" not in answer.text
