"""The clustered topology as plain processes on loopback.

Two Keycloak nodes in production mode (`start`) on one PostgreSQL database, clustered by
Keycloak's own embedded Infinispan (jdbc-ping discovery through that database); two bridge
processes under gunicorn on one bridge database (sessions are rows in ``web_sessions``);
the mail deliverer as its own process; the lifecycle scheduler once per bridge (two
schedulers on one database: each step still runs once); a failover proxy in front of each pair, as
docker-compose.yml's reverse proxies. Needs TEST_DATABASE_URL naming a PostgreSQL server
where the user may create databases (`make test-cluster`).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import requests
import sqlalchemy
from flask_migrate import upgrade
from keycloak import KeycloakAdmin

from idp_bridge import create_app
from idp_bridge.config import REPO_ROOT, dev_environment
from idp_bridge.devstack.databases import create_database, drop_databases
from idp_bridge.devstack.keycloak_server import (
    DEV_KEYCLOAK_ENV,
    OBSERVABILITY_BUILD_OPTIONS,
    KeycloakServer,
    cluster_options,
    free_port,
    production_options,
)
from idp_bridge.devstack.processes import stop_process_group
from idp_bridge.keycloak.gateway import KeycloakGateway
from idp_bridge.npi.offline import import_sample
from idp_bridge.outbox import Outbox
from idp_bridge.outbox.mail_sink import MailSink
from tests.support import keycloak_login
from tests.support.cluster.proxy import FailoverProxy

REALM = "provider-portal"
SERVER = os.environ.get("TEST_DATABASE_URL", "")
FD_SOCK_OFFSET = 50000  # JGroups FD_SOCK2 listens this far above the transport port


def fresh_database(server_url: str, purpose: str) -> str:
    """An empty database on the server, for this run only."""
    return create_database(server_url, f"cluster_{purpose}")


def _free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def jgroups_port(taken: set[int]) -> int:
    """A transport port whose failure-detection port (+50000) is free too."""
    for port in range(7800 + os.getpid() % 5000, 15000):
        if port not in taken and _free(port) and _free(port + FD_SOCK_OFFSET):
            taken.add(port)
            return port
    raise RuntimeError("no free JGroups port pair")


class BridgeProcess:
    """One bridge under gunicorn, as the image runs it (gunicorn.conf.py: one process, eight
    threads)."""

    def __init__(self, port: int, env: dict[str, str], log_path: Path) -> None:
        self.port = port
        self.env = env
        self.log_path = log_path
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> BridgeProcess:
        command = [sys.executable, "-m", "gunicorn", "-c", str(REPO_ROOT / "gunicorn.conf.py"),
                   "-b", f"127.0.0.1:{self.port}", "idp_bridge:create_app()"]
        self._process = subprocess.Popen(  # noqa: S603 (fixed argv, no shell)
            command, env={**os.environ, **self.env}, stdout=self.log_path.open("ab"),
            stderr=subprocess.STDOUT, start_new_session=True)
        return self

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self._process is not None and self._process.poll() is None, \
                f"bridge exited; see {self.log_path}"
            try:  # ready as the load balancer sees it: database, Keycloak, mail
                if requests.get(f"{self.url}/readyz", timeout=5).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.5)
        raise TimeoutError(f"bridge not up after {timeout}s; see {self.log_path}")

    def stop(self) -> None:
        stop_process_group(self._process, grace_seconds=20)


@dataclass(repr=False)  # a failed assertion should not print every setting
class Cluster:
    nodes: list[KeycloakServer]
    keycloak: FailoverProxy
    bridges: list[BridgeProcess]
    bridge: FailoverProxy
    outbox: Outbox
    env: dict[str, str]
    keycloak_database: str
    bridge_database: str
    node_args: list[tuple[str, ...]] = field(default_factory=list)

    def admin(self, node: int) -> KeycloakAdmin:
        """The admin API of one node directly, not through the proxy."""
        return KeycloakAdmin(server_url=self.nodes[node].base_url + "/",
                             username=DEV_KEYCLOAK_ENV["KC_BOOTSTRAP_ADMIN_USERNAME"],
                             password=DEV_KEYCLOAK_ENV["KC_BOOTSTRAP_ADMIN_PASSWORD"],
                             realm_name=REALM, user_realm_name="master")

    def gateway(self) -> KeycloakGateway:
        return KeycloakGateway(self.keycloak.url, REALM, "idp-bridge",
                               self.env["IDP_CLIENT_SECRET"])

    def bridge_sql(self, query: str, **params: object) -> list[sqlalchemy.Row[tuple]]:  # type: ignore[type-arg]
        engine = sqlalchemy.create_engine(self.bridge_database)
        try:
            with engine.connect() as connection:
                return list(connection.execute(sqlalchemy.text(query), params))
        finally:
            engine.dispose()

    def keycloak_sql(self, query: str) -> list[sqlalchemy.Row[tuple]]:  # type: ignore[type-arg]
        engine = sqlalchemy.create_engine(self.keycloak_database)
        try:
            with engine.connect() as connection:
                return list(connection.execute(sqlalchemy.text(query)))
        finally:
            engine.dispose()

    def wait_for_members(self, node: int, count: int, timeout: float = 120) -> list[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            view = self.nodes[node].cluster_view()
            if len(view) == count:
                return view
            time.sleep(0.5)
        raise AssertionError(f"node {node} view is {self.nodes[node].cluster_view()}, "
                             f"wanted {count} members")


def _env(ports: dict[str, int], outbox_dir: Path, bridge_database: str) -> dict[str, str]:
    """The one dev environment (dev phone sender and mail sink; Keycloak itself runs
    ``start``), addressed through the two proxies."""
    return {
        **dev_environment(keycloak_port=ports["keycloak_proxy"],
                          bridge_port=ports["bridge_proxy"], smtp_port=ports["smtp"],
                          outbox_dir=str(outbox_dir)),
        "IDP_PHONE_MAX_SENDS_PER_HOUR": "50",
        # Every registrant is one client on loopback (the limits are tested on their own).
        "IDP_PAIR_MISSES_PER_ADDRESS_PER_HOUR": "1000000",
        "IDP_PAIR_MISSES_PER_NPI_PER_HOUR": "1000000",
        "IDP_EMAIL_CODE_MAX_SENDS_PER_CLIENT_PER_HOUR": "1000000",
        "IDP_EMAIL_CODE_MAX_SENDS_PER_HOUR": "1000000",
        # All the resilience tests' browsers come from one address (the proxy's client).
        "IDP_PHONE_MAX_SENDS_PER_ADDRESS_PER_HOUR": "100000",
        "IDP_PHONE_MAX_SENDS_TOTAL_PER_HOUR": "100000",
        "DATABASE_URL": bridge_database,
    }


def _boot_keycloak(workdir: Path, env: dict[str, str], keycloak_database: str,
                   public_url: str) -> tuple[list[KeycloakServer], list[tuple[str, ...]]]:
    built = KeycloakServer.built_home(env, "--db=postgres", "--health-enabled=true",
                                      *OBSERVABILITY_BUILD_OPTIONS)
    taken: set[int] = set()
    nodes: list[KeycloakServer] = []
    args: list[tuple[str, ...]] = []
    for name in ("a", "b"):
        node_args = (*production_options(keycloak_database, public_url),
                     *cluster_options(jgroups_port(taken)))
        nodes.append(KeycloakServer.in_private_copy(
            workdir / name, source=built, http_port=free_port(), management_port=free_port(),
            env=env, log_path=workdir / f"keycloak-{name}.log", mode="start",
            extra_args=node_args))
        args.append(node_args)
    # A first, alone: it creates the schema and imports the realm; B then joins it.
    nodes[0].start().wait_ready(timeout=300)
    nodes[1].start().wait_ready(timeout=300)
    return nodes, args


@contextmanager
def running_cluster(workdir: Path) -> Iterator[Cluster]:
    ports = {name: free_port() for name in ("keycloak_proxy", "bridge_proxy", "smtp")}
    outbox_dir = workdir / "outbox"
    outbox_dir.mkdir()
    keycloak_database = fresh_database(SERVER, "keycloak")
    bridge_database = fresh_database(SERVER, "bridge")
    env = _env(ports, outbox_dir, bridge_database)
    outbox = Outbox(outbox_dir)
    keycloak_login.DEFAULT_OUTBOX[:] = [outbox]
    stack: list[object] = [MailSink(str(outbox_dir), port=ports["smtp"]).start()]
    deliverer: subprocess.Popen[bytes] | None = None
    schedulers: list[subprocess.Popen[bytes]] = []
    try:
        started = time.monotonic()
        nodes, node_args = _boot_keycloak(workdir, env, keycloak_database,
                                          env["IDP_KEYCLOAK_URL"])
        stack.extend(nodes)
        kc_proxy = FailoverProxy([n.http_port for n in nodes], ports["keycloak_proxy"]).start()
        stack.append(kc_proxy)
        app = create_app(env=env)
        with app.app_context():
            upgrade(revision="heads")
            import_sample()
        bridges = [BridgeProcess(free_port(), env, workdir / f"bridge-{i}.log").start()
                   for i in (1, 2)]
        stack.extend(bridges)
        for bridge in bridges:
            bridge.wait_ready()
        bridge_proxy = FailoverProxy([b.port for b in bridges], ports["bridge_proxy"]).start()
        stack.append(bridge_proxy)
        deliverer = subprocess.Popen(  # noqa: S603 (fixed argv)
            [sys.executable, "-m", "flask", "--app", "idp_bridge", "mail", "deliver"],
            env={**os.environ, **env}, stdout=(workdir / "deliverer.log").open("ab"),
            stderr=subprocess.STDOUT, start_new_session=True)
        schedulers = [subprocess.Popen(  # noqa: S603 (fixed argv)
            [sys.executable, "-m", "flask", "--app", "idp_bridge", "lifecycle", "run", "--loop"],
            env={**os.environ, **env}, stdout=(workdir / f"scheduler-{i}.log").open("ab"),
            stderr=subprocess.STDOUT, start_new_session=True) for i in (1, 2)]
        print(f"\ncluster booted in {time.monotonic() - started:.0f}s ({workdir})")
        yield Cluster(nodes, kc_proxy, bridges, bridge_proxy, outbox, env,
                      keycloak_database, bridge_database, node_args)
    finally:
        for process in [*schedulers, *([deliverer] if deliverer else [])]:
            process.terminate()
            process.wait(timeout=20)
        for part in reversed(stack):
            part.stop()  # type: ignore[attr-defined]
        drop_databases(SERVER, keycloak_database, bridge_database)
