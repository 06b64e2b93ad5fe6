"""Start and stop the real Keycloak (the distribution unpacked by ``keycloak/``'s Maven build)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path

import requests

from idp_bridge.config import REPO_ROOT

KEYCLOAK_VERSION = "26.7.3"
DIST_DIR = REPO_ROOT / "keycloak" / "target" / f"keycloak-{KEYCLOAK_VERSION}"

# Dev-only stand-ins for the secrets the realm import reads from ${ENV} placeholders.
DEV_KEYCLOAK_ENV = {
    "KC_BOOTSTRAP_ADMIN_USERNAME": "admin",
    "KC_BOOTSTRAP_ADMIN_PASSWORD": "dev-only-admin-password",
    "IDP_CLIENT_SECRET": "dev-only-client-secret",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class KeycloakServer:
    """One Keycloak process in dev mode, listening on loopback only."""

    def __init__(
        self,
        home: Path,
        http_port: int,
        management_port: int,
        env: Mapping[str, str],
        log_path: Path,
        mode: str = "start-dev",
        extra_args: tuple[str, ...] = (),
    ) -> None:
        self.mode = mode
        self.extra_args = extra_args
        self.home = home
        self.http_port = http_port
        self.management_port = management_port
        self.env = dict(env)
        self.log_path = log_path
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @classmethod
    def in_private_copy(cls, workdir: Path, **kwargs: object) -> KeycloakServer:
        """A throwaway copy of the distribution, so its embedded database starts empty."""
        if not (DIST_DIR / "bin" / "kc.sh").exists():
            raise FileNotFoundError(
                f"{DIST_DIR} is missing: build it first with `make keycloak`"
            )
        home = workdir / "keycloak"
        shutil.copytree(DIST_DIR, home, symlinks=True,
                        ignore=shutil.ignore_patterns("h2", "tmp", "transaction-logs"))
        return cls(home=home, **kwargs)  # type: ignore[arg-type]

    def build(self, *options: str) -> None:
        """``kc.sh build``: bake build-time options (database vendor...) for ``start``."""
        subprocess.run(  # noqa: S603
            [str(self.home / "bin" / "kc.sh"), "build", *options],
            env={**os.environ, **self.env}, check=True, capture_output=True, timeout=600)

    def start(self) -> KeycloakServer:
        env = {**os.environ, **self.env, "KC_HEALTH_ENABLED": "true"}
        command = [
            str(self.home / "bin" / "kc.sh"), self.mode,
            "--http-host", "127.0.0.1",
            "--http-port", str(self.http_port),
            "--http-management-port", str(self.management_port),
            "--hostname-strict", "false",
            "--import-realm",
            *self.extra_args,
        ]
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("wb")
        self._process = subprocess.Popen(  # noqa: S603 (fixed argv, no shell)
            command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        return self

    def wait_ready(self, timeout: float = 240.0) -> None:
        deadline = time.monotonic() + timeout
        health = f"http://127.0.0.1:{self.management_port}/health/ready"
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise RuntimeError(f"Keycloak exited early; see {self.log_path}")
            try:
                if requests.get(health, timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(1)
        raise TimeoutError(f"Keycloak not ready after {timeout}s; see {self.log_path}")

    def stop(self) -> None:
        if self._process is None or self._process.poll() is not None:
            return
        os.killpg(self._process.pid, 15)
        try:
            self._process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self._process.pid, 9)
            self._process.wait()
