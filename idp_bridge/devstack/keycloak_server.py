"""Start and stop the real Keycloak (the distribution unpacked by ``keycloak/``'s Maven build)."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import zipfile
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import requests

from idp_bridge.config import DEV_KEYCLOAK_ENV, REPO_ROOT
from idp_bridge.devstack.processes import stop_process_group

KEYCLOAK_VERSION = "26.7.3"
DIST_DIR = REPO_ROOT / "keycloak" / "target" / f"keycloak-{KEYCLOAK_VERSION}"

__all__ = ["DEV_KEYCLOAK_ENV", "DIST_DIR", "KeycloakServer", "free_port"]


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
    # Anti-pumping budgets and regions (sec-plugin, issue 19 row 4).
    "IDP_PHONE_MAX_SENDS_PER_ADDRESS_PER_HOUR": _PHONE_CODES + "MAX_SENDS_PER_ADDRESS_PER_HOUR",
    "IDP_PHONE_MAX_SENDS_TOTAL_PER_HOUR": _PHONE_CODES + "MAX_SENDS_TOTAL_PER_HOUR",
    "IDP_PHONE_ALLOWED_REGIONS": _PHONE_CODES + "ALLOWED_REGIONS",
    # factors: who must sign in with a passkey (unset: plan administrators yes, Site
    # Administrators no; docs/keycloak-plugin.md)
    "IDP_PASSKEY_REQUIRED_PLAN_ADMINS": "KC_SPI_AUTHENTICATOR__PORTAL_PASSKEY_POLICY__PLAN_ADMINS",
    "IDP_PASSKEY_REQUIRED_SITE_ADMINS": "KC_SPI_AUTHENTICATOR__PORTAL_PASSKEY_POLICY__SITE_ADMINS",
    "IDP_PHONE_ENROLLMENT_OFF":
        "KC_SPI_REQUIRED_ACTION__PORTAL_SECOND_FACTOR_CHOICE__PHONE_ENROLLMENT_OFF",
}


# Operations, as in production (docker-compose.yml): metrics and user event metrics on the
# management port, and an access log naming the bridge's X-Request-ID. Build-time options
# (``metrics-enabled``, ``event-metrics-user-enabled``), so ``built_home`` bakes them too.
OBSERVABILITY_ENV = {
    "KC_METRICS_ENABLED": "true",
    "KC_EVENT_METRICS_USER_ENABLED": "true",
    "KC_HTTP_ACCESS_LOG_ENABLED": "true",
    "KC_HTTP_ACCESS_LOG_PATTERN": '%h %t "%r" %s %D request_id=%{i,X-Request-ID}',
}
OBSERVABILITY_BUILD_OPTIONS = ("--metrics-enabled=true", "--event-metrics-user-enabled=true")

# Keycloak bakes which provider implements an SPI into the build (`spi-<spi>--provider`).
BUILD_TIME_OPTIONS = frozenset({"KC_SPI_PHONE_SENDER__PROVIDER"})


# The JVM settings every node runs with, as docker-compose.yml passes them: the password
# hash's compile commands (the file says why).
PASSWORD_HASH_COMPILER = REPO_ROOT / "keycloak" / "jvm" / "password-hash.compiler"


# How the JVM echoes each compile command it loaded at start (-XX:CompileCommandFile).
_INLINED = re.compile(r"^CompileCommand: inline (\S+) bool inline = true$", re.MULTILINE)


def inlined_methods(log_text: str) -> list[str]:
    """The methods a node's JVM was told to inline, as it said at start in ``log_text``
    (``org/bouncycastle/.../Argon2BytesGenerator.F``): the file above took, or did not."""
    return sorted(set(_INLINED.findall(log_text)))


def jvm_options(env: Mapping[str, str]) -> dict[str, str]:
    """``JAVA_OPTS_APPEND`` for kc.sh: whatever the caller set, then ours."""
    ours = f"-XX:CompileCommandFile={PASSWORD_HASH_COMPILER}"
    theirs = env.get("JAVA_OPTS_APPEND", "").strip()
    return {"JAVA_OPTS_APPEND": f"{theirs} {ours}".strip()}


def plugin_options(env: Mapping[str, str]) -> dict[str, str]:
    """The plugin's SPI options for the stack settings present in ``env``."""
    return {option: env[name] for name, option in PLUGIN_OPTIONS.items() if env.get(name)}


def production_options(database_url: str, public_url: str) -> tuple[str, ...]:
    """``start`` options for a node on PostgreSQL behind a TLS-terminating reverse proxy.

    ``database_url`` is the SQLAlchemy/JDBC-style URL of Keycloak's own database,
    ``public_url`` the address users reach through the proxy: every node names itself by it,
    so a token issued by one node is valid on any other.
    """
    db = urlsplit(database_url.replace("postgresql+psycopg://", "postgresql://"))
    return ("--optimized", "--http-enabled", "true",
            "--hostname", public_url, "--proxy-headers", "xforwarded",
            "--db-url", f"jdbc:postgresql://{db.hostname}:{db.port or 5432}{db.path}",
            "--db-username", db.username or "", "--db-password", db.password or "")


def cluster_options(bind_port: int, bind_address: str = "127.0.0.1") -> tuple[str, ...]:
    """Keycloak's own clustering: embedded Infinispan whose nodes find each other through the
    shared database (the jdbc-ping stack, table JGROUPS_PING). Each node on one host needs
    its own transport port; JGroups' failure detection listens 50000 above it."""
    return ("--cache", "ispn", "--cache-stack", "jdbc-ping",
            "--cache-embedded-network-bind-address", bind_address,
            "--cache-embedded-network-bind-port", str(bind_port))


# "ISPN000094: Received new cluster view for channel ISPN: [node-a|3] (2) [node-a, node-b]"
_CLUSTER_VIEW = re.compile(r"^(\S+ \S+) .*ISPN000094: Received new cluster view for channel "
                           r"\S+: \[[^\]]*\] \(\d+\) \[([^\]]*)\]", re.MULTILINE)


def _jar_contents(jar: Path) -> list[str]:
    """Each entry's name and checksum: the same plugin rebuilt by Maven (new timestamps in the
    jar) does not count as a change."""
    with zipfile.ZipFile(jar) as archive:
        return sorted(f"{entry.filename}:{entry.CRC}" for entry in archive.infolist())


def _file_digests(*folders: Path) -> list[str]:
    """The realm import and configuration the copy carries along, by content."""
    return sorted(f"{path.relative_to(DIST_DIR)}:{hashlib.sha256(path.read_bytes()).hexdigest()}"
                  for folder in folders if folder.exists()
                  for path in folder.rglob("*") if path.is_file())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class KeycloakServer:
    """One Keycloak process (dev mode, or ``start`` for production), on loopback only."""

    def __init__(
        self,
        home: Path,
        http_port: int,
        management_port: int,
        env: Mapping[str, str],
        log_path: Path,
        mode: str = "start-dev",
        extra_args: tuple[str, ...] = (),
        pin_hostname: bool = True,
    ) -> None:
        self.mode = mode
        self.extra_args = extra_args
        self.pin_hostname = pin_hostname
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
    def in_private_copy(cls, workdir: Path, source: Path = DIST_DIR,
                        **kwargs: object) -> KeycloakServer:
        """A throwaway copy of the distribution, so its embedded database starts empty.

        ``source`` may be another node's home that was already ``build``-ed: cluster nodes
        share one build and differ only in their ports.
        """
        if not (source / "bin" / "kc.sh").exists():
            raise FileNotFoundError(
                f"{source} is missing: build it first with `make keycloak`"
            )
        home = workdir / "keycloak"
        shutil.copytree(source, home, symlinks=True,
                        ignore=shutil.ignore_patterns("h2", "tmp", "transaction-logs", "log"))
        return cls(home=home, **kwargs)  # type: ignore[arg-type]

    @classmethod
    def built_home(cls, env: Mapping[str, str], *options: str) -> Path:
        """A copy of the distribution after ``kc.sh build`` with ``options`` and the current
        plugin jar, kept beside it and rebuilt only when either changes: a build takes a
        minute or more, and every node of a cluster can start from copies of one build.

        Of the stack settings in ``env``, only the build-time ones count (which phone sender
        is the provider); ``start --optimized`` refuses a node whose build-time options differ.
        """
        build_env = {option: value for option, value in plugin_options(env).items()
                     if option in BUILD_TIME_OPTIONS}
        identity = "\0".join([*options, *sorted(f"{k}={v}" for k, v in build_env.items()),
                               *_jar_contents(DIST_DIR / "providers" / "idp-bridge-keycloak.jar"),
                               *_file_digests(DIST_DIR / "data" / "import", DIST_DIR / "conf")])
        stamp = hashlib.sha256(identity.encode()).hexdigest()
        home = DIST_DIR.parent / "keycloak-built"
        if (home / ".build-stamp").exists() and (home / ".build-stamp").read_text() == stamp:
            return home
        shutil.rmtree(home, ignore_errors=True)
        shutil.rmtree(DIST_DIR.parent / "keycloak-built-tmp", ignore_errors=True)
        node = cls.in_private_copy(DIST_DIR.parent / "keycloak-built-tmp", http_port=0,
                                   management_port=0, env=build_env,
                                   log_path=DIST_DIR.parent / "keycloak-built.log")
        node.build(*options)
        node.home.rename(home)
        (home / ".build-stamp").write_text(stamp)
        shutil.rmtree(DIST_DIR.parent / "keycloak-built-tmp", ignore_errors=True)
        return home

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def build(self, *options: str) -> None:
        """``kc.sh build``: bake build-time options (database vendor...) for ``start``."""
        subprocess.run(  # noqa: S603
            [str(self.home / "bin" / "kc.sh"), "build", *options],
            env={**os.environ, **self.env, **plugin_options(self.env)}, check=True,
            capture_output=True, timeout=600)

    def start(self) -> KeycloakServer:
        env = {**os.environ, **self.env, **plugin_options(self.env), "KC_HEALTH_ENABLED": "true",
               **OBSERVABILITY_ENV}
        env.update(jvm_options(env))
        command = [
            str(self.home / "bin" / "kc.sh"), self.mode,
            "--http-host", "127.0.0.1",
            "--http-port", str(self.http_port),
            "--http-management-port", str(self.management_port),
            # Keycloak names itself by one address, never by a request's Host header (which
            # would otherwise write any host into its discovery document and links).
            *(("--hostname", self.base_url)
              if self.pin_hostname and "--hostname" not in self.extra_args else ()),
            "--import-realm",
            *self.extra_args,
        ]
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        # A restarted node keeps its earlier log above the new one.
        log = self.log_path.open("ab" if self._process is not None else "wb")
        self._process = subprocess.Popen(  # noqa: S603 (fixed argv, no shell)
            command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        return self

    def wait_ready(self, timeout: float = 600.0) -> None:  # a loaded 2-core CI box: minutes
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

    def cluster_views(self) -> list[tuple[datetime, list[str]]]:
        """Every cluster view this node logged: when, and its members."""
        return [(datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S,%f"),
                 [member.strip() for member in members.split(",")])
                for stamp, members in _CLUSTER_VIEW.findall(
                    self.log_path.read_text(errors="replace"))]

    def cluster_view(self) -> list[str]:
        """The members of the last cluster view this node logged (empty before it joined)."""
        views = self.cluster_views()
        return views[-1][1] if views else []

    def kill(self) -> None:
        """SIGKILL, as a crashed host or an OOM kill would: no shutdown, no leaving the
        cluster politely."""
        if self.running:
            assert self._process is not None
            os.killpg(self._process.pid, signal.SIGKILL)
            self._process.wait()
        # kc.sh runs the JVM as its child: the JVM may take a moment longer to vanish, and
        # until then the kernel still accepts (and then resets) connections on its port.
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and self._port_open():
            time.sleep(0.05)

    def _port_open(self) -> bool:
        with socket.socket() as sock:
            sock.settimeout(0.5)
            return sock.connect_ex(("127.0.0.1", self.http_port)) == 0

    def stop(self) -> None:
        stop_process_group(self._process, grace_seconds=30)
