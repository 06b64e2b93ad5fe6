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


# The stack's settings the Keycloak plugin reads, as Keycloak SPI options (environment form of
# --spi-<spi>--<provider>--<option>): the plugin reads its settings through Keycloak's Config,
# once at boot, so a wrong value stops the server instead of failing a sign-in later.
_PHONE_CODES = "KC_SPI_AUTHENTICATOR__PHONE_CODE_AUTHENTICATOR__"
PLUGIN_OPTIONS = {
    "IDP_PHONE_SENDER": "KC_SPI_PHONE_SENDER__PROVIDER",
    "IDP_OUTBOX_DIR": "KC_SPI_PHONE_SENDER__DEV__OUTBOX_DIR",
    "TWILIO_ACCOUNT_SID": "KC_SPI_PHONE_SENDER__TWILIO__ACCOUNT_SID",
    "TWILIO_AUTH_TOKEN": "KC_SPI_PHONE_SENDER__TWILIO__AUTH_TOKEN",
    "TWILIO_FROM_NUMBER": "KC_SPI_PHONE_SENDER__TWILIO__FROM_NUMBER",
    "TWILIO_BASE_URL": "KC_SPI_PHONE_SENDER__TWILIO__BASE_URL",
    "IDP_PHONE_CODE_LIFETIME_SECONDS": _PHONE_CODES + "CODE_LIFETIME_SECONDS",
    "IDP_PHONE_RESEND_COOLDOWN_SECONDS": _PHONE_CODES + "RESEND_COOLDOWN_SECONDS",
    "IDP_PHONE_MAX_WRONG_TRIES": _PHONE_CODES + "MAX_WRONG_TRIES",
    "IDP_PHONE_MAX_SENDS_PER_SIGN_IN": _PHONE_CODES + "MAX_SENDS_PER_SIGN_IN",
    "IDP_PHONE_MAX_SENDS_PER_HOUR": _PHONE_CODES + "MAX_SENDS_PER_HOUR",
}


def plugin_options(env: Mapping[str, str]) -> dict[str, str]:
    """The plugin's SPI options for the stack settings present in ``env``."""
    return {option: env[name] for name, option in PLUGIN_OPTIONS.items() if env.get(name)}


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
            env={**os.environ, **self.env, **plugin_options(self.env)}, check=True,
            capture_output=True, timeout=600)

    def start(self) -> KeycloakServer:
        env = {**os.environ, **self.env, **plugin_options(self.env), "KC_HEALTH_ENABLED": "true"}
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
