"""What the benchmark runs against: a private Keycloak, the dev mail sink, and the bridge
under gunicorn, on free loopback ports, all in a throwaway directory.

The same start-up as the test suite's session fixtures (tests/conftest.py), with the phone
code limits opened up so hundreds of sign-ins an hour to one number are allowed.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from idp_bridge import create_app
from idp_bridge.config import REPO_ROOT, dev_environment
from idp_bridge.devstack.databases import create_database, drop_databases
from idp_bridge.devstack.keycloak_server import (
    DEV_KEYCLOAK_ENV,
    OBSERVABILITY_BUILD_OPTIONS,
    KeycloakServer,
    free_port,
    production_options,
)
from idp_bridge.devstack.processes import stop_process_group
from idp_bridge.outbox import Message, Outbox
from idp_bridge.outbox.mail_sink import MailSink

REALM = "provider-portal"
CLIENT_ID = "idp-bridge"
# How gunicorn.conf.py serves the bridge (one process, eight threads; the image runs it so):
# the minimal relying party is served the same way, so neither side is measured in another
# serving model (tests/unit/test_bench_serving.py holds these to the file).
GUNICORN_WORKERS = 1
GUNICORN_WORKER_CLASS = "gthread"
GUNICORN_THREADS = 8
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class FastOutbox(Outbox):
    """The dev outbox, parsing each message file once: the benchmark reads it after every
    sign-in, and re-reading thousands of files each time would measure the client."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        super().__init__(directory)
        self._seen: dict[str, Message] = {}
        self._lock = threading.Lock()

    def messages(self, to: str | None = None, channel: str | None = None) -> list[Message]:
        with self._lock:
            names = sorted((n for n in os.listdir(self.directory) if n.endswith(".json")),
                           key=lambda n: (int(n.split("-", 1)[0]), n))
            for name in names:
                if name not in self._seen and (message := _parse(self.directory / name)):
                    self._seen[name] = message
            found = [self._seen[n] for n in names if n in self._seen]
        return [m for m in found
                if (to is None or m.to.lower() == to.lower())
                and (channel is None or m.channel == channel)]


def _parse(path: Path) -> Message | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # being replaced right now; the next read sees it
    return Message(channel=data.get("channel", ""), to=data.get("to", ""),
                   subject=data.get("subject"), body=data.get("body", ""),
                   sent_at=data.get("sent_at", ""))


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and everything it started (Keycloak's kc.sh runs
    java; gunicorn's master runs the workers), from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = _stat(int(entry))
            if stat:
                children.setdefault(int(stat[1]), []).append(int(entry))
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        stat = _stat(current)
        if stat:
            total += int(stat[11]) + int(stat[12])  # utime, stime
        todo.extend(children.get(current, []))
    return total / _CLOCK_TICKS


def java_pid(pid: int) -> int:
    """kc.sh execs java (same pid) or starts it as a child: the process whose name is java."""
    todo = [pid]
    while todo:
        current = todo.pop()
        if Path(f"/proc/{current}/comm").read_text().strip() == "java":
            return current
        for child in Path(f"/proc/{current}/task/{current}/children").read_text().split():
            todo.append(int(child))
    raise RuntimeError("no java process under Keycloak's")


def compiler_seconds(java: int) -> float:
    """User + system CPU of the JVM's JIT compiler threads (HotSpot names them "C1/C2
    CompilerThreadN"), from /proc. A fresh Keycloak compiles for minutes: 10-60 ms of CPU per
    sign-in through the first 500 sign-ins, on top of 64-71 ms of the sign-in's own work
    (bench/NOTES.md, sixth pass); a long-running one has compiled its hot paths. A compiler
    thread the JVM ends takes its CPU out of this sum (not out of the process's), so the
    figure can only fall short: with 2 CPUs HotSpot runs one of each and keeps both."""
    total = 0
    for task in Path(f"/proc/{java}/task").iterdir():
        try:
            compiling = "CompilerThre" in (task / "comm").read_text()
        except OSError:
            continue  # the thread ended meanwhile
        # The thread's own figures are under task/: /proc/<tid>/stat is its whole process's.
        stat = _stat(java, thread=int(task.name)) if compiling else None
        if stat:
            total += int(stat[11]) + int(stat[12])  # utime, stime
    return total / _CLOCK_TICKS


def _stat(pid: int, thread: int | None = None) -> list[str] | None:
    """``pid``'s /proc stat fields, or one of its threads'."""
    where = f"/proc/{pid}" if thread is None else f"/proc/{pid}/task/{thread}"
    try:
        raw = Path(f"{where}/stat").read_text()
    except OSError:
        return None
    return raw.rsplit(")", 1)[1].split()  # fields from "state" on: [0]=state, [1]=ppid


@dataclass
class Stack:
    workdir: Path
    env: dict[str, str]
    keycloak: KeycloakServer
    outbox: FastOutbox
    bridge_url: str
    bridge_process: subprocess.Popen[bytes] | None = None
    sink: MailSink | None = None
    # The sign-in section's third side (bench/minimal_rp.py), started by start_minimal_rp.
    minimal_rp_url: str | None = None
    minimal_rp_process: subprocess.Popen[bytes] | None = None
    # The same app keeping its state in the bridge's database (the registration's fourth side).
    durable_rp_url: str | None = None
    durable_rp_process: subprocess.Popen[bytes] | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def keycloak_url(self) -> str:
        return self.keycloak.base_url

    @property
    def callback_url(self) -> str:
        return f"{self.bridge_url}/auth/callback"

    def keycloak_pid(self) -> int:
        process = self.keycloak._process
        assert process is not None
        return process.pid

    def bridge_pid(self) -> int:
        assert self.bridge_process is not None
        return self.bridge_process.pid

    def cpu(self) -> dict[str, float]:
        """CPU seconds so far of each server's process tree (``rp``: the minimal relying
        party, once started). ``keycloak_jit``: the part of Keycloak's spent compiling (in
        ``keycloak`` too, never to be added to it)."""
        keycloak = self.keycloak_pid()
        if self.extras.get("java_of") != keycloak:  # a restarted Keycloak is a new JVM
            self.extras.update(java_of=keycloak, java_pid=java_pid(keycloak))
        cpu = {"keycloak": cpu_seconds(keycloak),
               "keycloak_jit": compiler_seconds(self.extras["java_pid"]),
               "bridge": cpu_seconds(self.bridge_pid())}
        if self.minimal_rp_process is not None:
            cpu["rp"] = cpu_seconds(self.minimal_rp_process.pid)
        if self.durable_rp_process is not None:
            cpu["durable_rp"] = cpu_seconds(self.durable_rp_process.pid)
        return cpu

    def keycloak_log_size(self) -> int:
        return self.keycloak.log_path.stat().st_size

    def keycloak_requests_since(self, offset: int) -> dict[str, int]:
        """Requests Keycloak served since ``offset`` in its log, by method and path (ids and
        query strings folded), from its HTTP access log."""
        with self.keycloak.log_path.open("rb") as log:
            log.seek(offset)
            text = log.read().decode("utf-8", "replace")
        counts: dict[str, int] = {}
        for method, path in re.findall(r'"(GET|POST|PUT|DELETE) ([^ ?"]+)', text):
            path = re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}", "{id}", path)
            counts[f"{method} {path}"] = counts.get(f"{method} {path}", 0) + 1
        return dict(sorted(counts.items(), key=lambda kv: -kv[1]))

    def admin_token(self) -> str:
        answer = requests.post(
            f"{self.keycloak_url}/realms/master/protocol/openid-connect/token",
            data={"grant_type": "password", "client_id": "admin-cli",
                  "username": DEV_KEYCLOAK_ENV["KC_BOOTSTRAP_ADMIN_USERNAME"],
                  "password": DEV_KEYCLOAK_ENV["KC_BOOTSTRAP_ADMIN_PASSWORD"]}, timeout=30)
        answer.raise_for_status()
        return str(answer.json()["access_token"])

    def app(self, **overrides: Any) -> Any:
        """The bridge in this process, on the same database (for in-process measurements)."""
        return create_app(env=self.env, overrides=overrides)


def _env(workdir: Path, ports: dict[str, int], database_url: str) -> dict[str, str]:
    return {
        **dev_environment(keycloak_port=ports["keycloak"], bridge_port=ports["bridge"],
                          smtp_port=ports["smtp"], outbox_dir=str(workdir / "outbox")),
        # A benchmark signs the same people in hundreds of times an hour.
        "IDP_PHONE_RESEND_COOLDOWN_SECONDS": "0",
        "IDP_PHONE_MAX_SENDS_PER_HOUR": "1000000",
        # Every registrant is one client on loopback (the limits are tested on their own).
        "IDP_PAIR_MISSES_PER_ADDRESS_PER_HOUR": "1000000",
        "IDP_PAIR_MISSES_PER_NPI_PER_HOUR": "1000000",
        "IDP_EMAIL_CODE_MAX_SENDS_PER_CLIENT_PER_HOUR": "1000000",
        "IDP_EMAIL_CODE_MAX_SENDS_PER_HOUR": "1000000",
        "IDP_PHONE_MAX_SENDS_PER_ADDRESS_PER_HOUR": "1000000",
        "IDP_PHONE_MAX_SENDS_TOTAL_PER_HOUR": "1000000",
        "DATABASE_URL": database_url,
    }


def fresh_database(server_url: str) -> str:
    return create_database(server_url, "bridge_bench")


def drop_database(server_url: str, database_url: str) -> None:
    drop_databases(server_url, database_url)


def start(postgres_server: str | None = None, log=print,  # type: ignore[no-untyped-def]
          production: bool = False) -> Stack:
    """``postgres_server``: run the bridge on a fresh PostgreSQL database there (the
    production database); by default SQLite in the run's directory.

    ``production``: Keycloak as docs/deploy.md runs it — ``kc.sh build`` for PostgreSQL, then
    ``start --optimized`` on its own fresh PostgreSQL database (caches and theme caching on,
    no dev mode); needs ``postgres_server``.
    """
    if production and not postgres_server:
        raise SystemExit("--production needs --postgres SERVER_URL (Keycloak's database)")
    workdir = Path(tempfile.mkdtemp(prefix="idp-bench-"))
    ports = {k: free_port() for k in ("keycloak", "management", "bridge", "smtp")}
    database_url = fresh_database(postgres_server) if postgres_server else \
        f"sqlite:///{workdir / 'bridge.sqlite3'}"
    env = _env(workdir, ports, database_url)
    (workdir / "outbox").mkdir()
    outbox = FastOutbox(env["IDP_OUTBOX_DIR"])
    sink = MailSink(env["IDP_OUTBOX_DIR"], port=ports["smtp"]).start()
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # one line per SMTP command
    log(f"starting Keycloak in {workdir} ({'production' if production else 'dev'} mode) ...")
    keycloak = _keycloak(workdir, env, ports, postgres_server if production else None)
    keycloak.start()
    stack = Stack(workdir, env, keycloak, outbox, env["IDP_BRIDGE_URL"], sink=sink,
                  extras={"postgres_server": postgres_server, "production": production})
    try:
        _prepare_database(stack)
        keycloak.wait_ready()
        stack.bridge_process = _gunicorn(stack, ports["bridge"])
        _wait_http(stack.bridge_url + "/", stack.bridge_process)
    except BaseException:
        stop(stack)
        raise
    log(f"Keycloak {stack.keycloak_url}, bridge {stack.bridge_url} (gunicorn, "
        f"{GUNICORN_WORKERS} process, {GUNICORN_THREADS} threads)")
    return stack


def _keycloak(workdir: Path, env: dict[str, str], ports: dict[str, int],
              production_server: str | None) -> KeycloakServer:
    # One line per request in keycloak.log: lets a section count the calls a flow made.
    args: tuple[str, ...] = ("--http-access-log-enabled=true",)
    run_env = dict(env)
    if production_server is None:
        return KeycloakServer.in_private_copy(
            workdir, http_port=ports["keycloak"], management_port=ports["management"],
            env=run_env, log_path=workdir / "keycloak.log", extra_args=args)
    keycloak_database = create_database(production_server, "keycloak_bench")
    env["BENCH_KEYCLOAK_DATABASE"] = keycloak_database  # dropped with the bridge's at stop
    # The metrics options are build-time: `start --optimized` refuses a build without them
    # once the stack's environment turns them on (OBSERVABILITY_ENV), as the cluster does.
    built = KeycloakServer.built_home(env, "--db=postgres", "--health-enabled=true",
                                      *OBSERVABILITY_BUILD_OPTIONS)
    return KeycloakServer.in_private_copy(
        workdir, source=built, http_port=ports["keycloak"],
        management_port=ports["management"], env=run_env, log_path=workdir / "keycloak.log",
        mode="start",
        extra_args=(*production_options(keycloak_database, env["IDP_KEYCLOAK_URL"]), *args))


def _prepare_database(stack: Stack) -> None:
    from idp_bridge.extensions import db
    from idp_bridge.npi.offline import import_sample

    app = stack.app()
    with app.app_context():
        # The models' tables and indexes (the migrations build the same; the test suite
        # checks that), then the offline registry sample the wizard looks NPIs up in.
        db.create_all()
        import_sample()


def _gunicorn(stack: Stack, port: int) -> subprocess.Popen[bytes]:
    return _gunicorn_serving(stack, "idp_bridge:create_app()", f"127.0.0.1:{port}", "bridge",
                             cwd=REPO_ROOT, env=stack.env)


def _gunicorn_serving(stack: Stack, app: str, bind: str, name: str, cwd: Path,
                      env: dict[str, str], *args: str) -> subprocess.Popen[bytes]:
    """``app`` under gunicorn, served as the bridge's config serves it, logging to <name>.log
    in the run's directory (gunicorn reads a gunicorn.conf.py in ``cwd``)."""
    gunicorn = Path(sys.executable).with_name("gunicorn")
    log = (stack.workdir / f"{name}.log").open("wb")
    return subprocess.Popen(  # noqa: S603 (fixed argv)
        [str(gunicorn), "-w", str(GUNICORN_WORKERS), "-k", GUNICORN_WORKER_CLASS,
         "--threads", str(GUNICORN_THREADS), "-b", bind, *args,
         "--log-level", "warning", app],
        cwd=cwd, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True)


def minimal_rp_env(stack: Stack, url: str, durable: bool = False) -> dict[str, str]:
    """The minimal relying party's settings: the bridge's own Keycloak client (same mappers,
    same tokens: Keycloak's work is the bridge side's), its own URL and session key;
    ``durable``: its state in the bridge's database (bench/minimal_store.py)."""
    return {"MINIMAL_RP_ISSUER": f"{stack.keycloak_url}/realms/{REALM}",
            "MINIMAL_RP_CLIENT_ID": CLIENT_ID,
            "MINIMAL_RP_CLIENT_SECRET": stack.env["IDP_CLIENT_SECRET"],
            "MINIMAL_RP_URL": url, "MINIMAL_RP_SECRET_KEY": "bench-only-minimal-rp-key",
            "MINIMAL_RP_SMTP_HOST": stack.env["IDP_SMTP_HOST"],
            "MINIMAL_RP_SMTP_PORT": stack.env["IDP_SMTP_PORT"],
            **({"MINIMAL_RP_DATABASE": stack.env["DATABASE_URL"]} if durable else {})}


def start_minimal_rp(stack: Stack, durable: bool = False) -> str:
    """bench/minimal_rp.py under plain gunicorn (served as the bridge is, no config
    file: it starts in the run's directory, so the bridge's gunicorn.conf.py is not read) on
    a free port; its callback added to the client's redirect URIs. Its URL; stop() ends it.
    ``durable``: a second one, keeping its state in the bridge's database."""
    known = stack.durable_rp_url if durable else stack.minimal_rp_url
    if known is not None:
        return known
    url = f"http://127.0.0.1:{free_port()}"
    name = "durable_rp" if durable else "minimal_rp"
    allow_redirect_uri(stack, f"{url}/auth/callback")
    process = _gunicorn_serving(
        stack, "bench.minimal_rp:create_app()", url.removeprefix("http://"), name,
        stack.workdir, minimal_rp_env(stack, url, durable), "--pythonpath", str(REPO_ROOT))
    _wait_http(url + "/", process, name=name)
    if durable:
        stack.durable_rp_url, stack.durable_rp_process = url, process
    else:
        stack.minimal_rp_url, stack.minimal_rp_process = url, process
    return url


def allow_redirect_uri(stack: Stack, redirect_uri: str) -> None:
    """Add ``redirect_uri`` to the ``idp-bridge`` client of this run's Keycloak (the realm
    file names the bridge's URLs only; the benchmark's own Keycloak, never the realm file)."""
    headers = {"Authorization": f"Bearer {stack.admin_token()}"}
    clients = f"{stack.keycloak_url}/admin/realms/{REALM}/clients"
    found = requests.get(clients, params={"clientId": CLIENT_ID}, headers=headers, timeout=30)
    found.raise_for_status()
    client = found.json()[0]
    if redirect_uri not in client["redirectUris"]:
        client["redirectUris"].append(redirect_uri)
        requests.put(f"{clients}/{client['id']}", json=client, headers=headers,
                     timeout=30).raise_for_status()


def _wait_http(url: str, process: subprocess.Popen[bytes], timeout: float = 60,
               name: str = "bridge") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the {name} exited early; see {name}.log")
        try:
            requests.get(url, timeout=2, allow_redirects=False)
            return
        except requests.RequestException:
            time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer in {timeout}s")


def stop(stack: Stack, keep: bool = False) -> None:
    stop_process_group(stack.minimal_rp_process, grace_seconds=20)
    stop_process_group(stack.durable_rp_process, grace_seconds=20)
    stop_process_group(stack.bridge_process, grace_seconds=20)
    stack.keycloak.stop()
    if stack.sink is not None:
        stack.sink.stop()
    if stack.extras.get("postgres_server"):
        drop_database(stack.extras["postgres_server"], stack.env["DATABASE_URL"])
        if stack.env.get("BENCH_KEYCLOAK_DATABASE"):
            drop_database(stack.extras["postgres_server"], stack.env["BENCH_KEYCLOAK_DATABASE"])
    if not keep:
        shutil.rmtree(stack.workdir, ignore_errors=True)
