"""The backup and restore drill's stack: one production-mode Keycloak (`start`, on
PostgreSQL) and one gunicorn bridge (on PostgreSQL), each stopped, its database destroyed
and restored with deploy/backup.sh and deploy/restore.sh, and started again on the same ports.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy
from keycloak import KeycloakAdmin
from sqlalchemy.pool import NullPool

from idp_bridge.config import REPO_ROOT, dev_environment
from idp_bridge.devstack.databases import create_database, drop_databases
from idp_bridge.devstack.keycloak_server import (
    DEV_KEYCLOAK_ENV,
    OBSERVABILITY_BUILD_OPTIONS,
    KeycloakServer,
    free_port,
    production_options,
)
from idp_bridge.keycloak.gateway import KeycloakGateway
from tests.support.cluster.topology import BridgeProcess

SERVER = os.environ.get("TEST_DATABASE_URL", "")
REALM = "provider-portal"
ORGS = "provider-orgs"


def libpq(url: str) -> str:
    """``postgresql+psycopg://...`` as pg_dump and pg_restore take it."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


@dataclass(repr=False)
class DrillStack:
    server_url: str
    workdir: Path
    env: dict[str, str]
    keycloak_database: str
    bridge_database: str
    keycloak: KeycloakServer
    bridge: BridgeProcess
    timings: dict[str, float] = field(default_factory=dict)

    # Running ---------------------------------------------------------------------------

    def start(self) -> None:
        """Keycloak first (the bridge's readiness needs its realm), then the bridge."""
        self.keycloak.start().wait_ready(timeout=300)
        self.bridge.start().wait_ready(timeout=120)  # /readyz: database, Keycloak, mail

    def stop(self) -> None:
        self.bridge.stop()
        self.keycloak.stop()

    # Backups, as docs/deploy.md tells operators -----------------------------------------

    def backup(self, name: str, only: str | None = None) -> Path:
        folder = self.workdir / name
        subprocess.run([str(REPO_ROOT / "deploy" / "backup.sh"),  # noqa: S603
                        libpq(self.keycloak_database), libpq(self.bridge_database),
                        str(folder)], check=True, capture_output=True, timeout=300)
        return folder

    def destroy(self) -> None:
        """The disaster: both databases gone."""
        drop_databases(self.server_url, self.keycloak_database, self.bridge_database)

    def restore(self, keycloak_from: Path, bridge_from: Path) -> None:
        """deploy/restore.sh, from one folder or (the awkward case) two of different ages."""
        if keycloak_from == bridge_from:
            self._restore_script(keycloak_from)
            return
        mixed = self.workdir / "mixed"
        mixed.mkdir(exist_ok=True)
        for part, folder in (("keycloak", keycloak_from), ("bridge", bridge_from)):
            (mixed / f"{part}.dump").write_bytes((folder / f"{part}.dump").read_bytes())
        (mixed / "taken-at").write_text((keycloak_from / "taken-at").read_text())
        self._restore_script(mixed)

    def _restore_script(self, folder: Path) -> None:
        maintenance = libpq(self.server_url)
        subprocess.run([str(REPO_ROOT / "deploy" / "restore.sh"), str(folder),  # noqa: S603
                        maintenance], check=True, capture_output=True, timeout=300)

    # Looking at both sides -------------------------------------------------------------

    def flask(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "flask", "--app", "idp_bridge",  # noqa: S603
                               *args], env={**os.environ, **self.env}, capture_output=True,
                              text=True, timeout=300)

    def gateway(self) -> KeycloakGateway:
        return KeycloakGateway(self.keycloak.base_url, REALM, "idp-bridge",
                               self.env["IDP_CLIENT_SECRET"])

    def admin(self) -> KeycloakAdmin:
        return KeycloakAdmin(server_url=self.keycloak.base_url + "/",
                             username=DEV_KEYCLOAK_ENV["KC_BOOTSTRAP_ADMIN_USERNAME"],
                             password=DEV_KEYCLOAK_ENV["KC_BOOTSTRAP_ADMIN_PASSWORD"],
                             realm_name=REALM, user_realm_name="master")

    def bridge_rows(self, query: str) -> list[tuple[Any, ...]]:
        engine = sqlalchemy.create_engine(self.bridge_database, poolclass=NullPool)
        try:
            with engine.connect() as connection:
                return [tuple(row) for row in connection.execute(sqlalchemy.text(query))]
        finally:
            engine.dispose()

    def bridge_state(self) -> dict[str, Any]:
        return {
            "organizations": self.bridge_rows(
                "SELECT key, name, status, keycloak_group_id FROM organizations ORDER BY key"),
            "memberships": self.bridge_rows(
                "SELECT o.key, m.email, m.user_id, m.status, m.is_site_admin, m.roles "
                "FROM memberships m JOIN organizations o ON o.id = m.organization_id "
                "ORDER BY o.key, m.email"),
            "audit": self.bridge_rows("SELECT id, action, hash FROM audit_events ORDER BY id"),
        }

    def keycloak_state(self) -> dict[str, Any]:
        """Users with their credentials and group paths, and every organization group with
        its members (by path)."""
        admin = self.admin()
        users = {}
        for user in admin.get_users({}):
            credentials = sorted(c["type"] for c in admin.get_credentials(user["id"]))
            groups = sorted(g["path"] for g in admin.get_user_groups(user["id"]))
            users[user["email"]] = (user["id"], user["enabled"], credentials, groups)
        return {"users": users, "groups": self._groups(admin)}

    def _groups(self, admin: KeycloakAdmin) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        pending = [admin.get_group_by_path(f"/{ORGS}")]
        while pending:
            group = pending.pop()
            members = admin.get_group_members(group["id"], {"max": 1000})
            found[group["path"]] = sorted(m["email"] for m in members)
            pending += admin.get_group_children(group["id"], {"max": 1000})
        return found


def drill_stack(server_url: str, workdir: Path) -> DrillStack:
    ports = {name: free_port() for name in ("keycloak", "management", "bridge", "smtp")}
    keycloak_database = create_database(server_url, "drill_keycloak")
    bridge_database = create_database(server_url, "drill_bridge")
    env = {**dev_environment(keycloak_port=ports["keycloak"], bridge_port=ports["bridge"],
                             smtp_port=ports["smtp"], outbox_dir=str(workdir / "outbox")),
           "IDP_PHONE_MAX_SENDS_PER_HOUR": "50", "DATABASE_URL": bridge_database}
    built = KeycloakServer.built_home(env, "--db=postgres", "--health-enabled=true",
                                      *OBSERVABILITY_BUILD_OPTIONS)
    keycloak = KeycloakServer.in_private_copy(
        workdir / "keycloak", source=built, http_port=ports["keycloak"],
        management_port=ports["management"], env=env, log_path=workdir / "keycloak.log",
        mode="start", extra_args=production_options(keycloak_database, env["IDP_KEYCLOAK_URL"]))
    bridge = BridgeProcess(ports["bridge"], env, workdir / "bridge.log")
    return DrillStack(server_url, workdir, env, keycloak_database, bridge_database, keycloak,
                      bridge)
