"""Keycloak's own cost per sign-in, step by step, and its memory with many sessions.

    .venv/bin/python -m bench --only keycloak_cost --postgres SERVER --production --jfr

One client, one request at a time, so the Keycloak CPU (user + system, from /proc, whole
process tree) spent between a request's start and its answer belongs to that request; the
background work in between (timers, cache expiry, the JIT) is reported as its own line, not
hidden in a step. Steps of a sign-in of a person with a password and an enrolled phone:

- ``login page``: GET the authorization endpoint, render the brand's login page;
- ``password``: POST username and password (hash check, brute-force bookkeeping, the phone
  code sent through the dev sender, the phone page rendered);
- ``phone code``: POST the code (the session is created, the redirect with the code);
- ``code exchange``: POST /token (tokens signed, the claim mappers run);
- ``refresh``: POST /token with the refresh token.

Keycloak's sizing guide counts 15 password-based sign-ins per second per vCPU (about 67 ms of
CPU each, Argon2 included). With ``--jfr`` the run records a Java Flight Recorder profile and
sorts its CPU samples into the parts a sign-in passes through (``jfr_categories``).

Memory: Keycloak's heap after a full GC and its RSS, before and after ``sessions`` extra
sessions (made through the admin API's impersonation, which creates a real user session
without a password hash: the hashing is not what is measured here).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from bench import flows
from bench.signin import enrolled_users
from bench.stack import CLIENT_ID, REALM, Stack, compiler_seconds, cpu_seconds, java_pid
from idp_bridge.devstack.keycloak_server import inlined_methods
from tests.support.forms import form_by_id
from tests.support.keycloak_login import LoopbackSession, e164
from tests.support.wizard import PASSWORD

SIZING_GUIDE_MS_PER_PASSWORD_SIGN_IN = 1000 / 15

# A sample counts for the first part whose pattern a frame of its stack matches, in this
# order: the more specific parts first (a mapper runs inside token issuance).
JFR_PARTS: tuple[tuple[str, str], ...] = (
    ("our plugin (phone code, hand-off, claim mapper)", r"org\.idpbridge\."),
    ("password hash (Argon2)", r"Argon2|argon2|org\.bouncycastle\.crypto\.generators"),
    ("brute-force detection", r"BruteForceProtector|bruteforce"),
    ("claim mappers", r"org\.keycloak\.protocol\.oidc\.mappers|ProtocolMapperUtils"),
    ("token signing (RSA)", r"org\.keycloak\.crypto|java\.security\.Signature|sun\.security\.rsa"
     r"|java\.math\.(Mutable)?BigInteger"),
    ("theme rendering (FreeMarker)", r"freemarker\.|FreeMarker"),
    ("event listeners", r"org\.keycloak\.events\."),
    ("database (JDBC, Hibernate)", r"org\.hibernate\.|org\.postgresql\.|org\.h2\.|jdbc"),
    ("caches (Infinispan)", r"org\.infinispan\."),
    ("HTTP and REST (Vert.x, RESTEasy)", r"io\.vertx\.|io\.netty\.|org\.jboss\.resteasy"),
    ("JSON", r"com\.fasterxml\.jackson"),
)


def _post(http: requests.Session, page: requests.Response, form_id: str,
          data: dict[str, str]) -> requests.Response:
    form = form_by_id(page.text, page.url, form_id)
    return http.post(form.action, data={**form.fields, **data}, allow_redirects=False)


def _jdk(tool: str) -> str:
    """A JDK tool (jcmd, jfr) by its full path: the one beside the java Keycloak runs on."""
    found = shutil.which(tool)
    if found is None:
        raise RuntimeError(f"{tool} not found: the JDK's tools are needed for this figure")
    return found


def _run(*argv: str) -> str:
    """A JDK tool's output (fixed argv from this module, no shell)."""
    return subprocess.run(argv, capture_output=True, text=True, timeout=600,  # noqa: S603
                          check=True).stdout


class Meter:
    """Keycloak CPU per named step, and what it spent between steps."""

    def __init__(self, stack: Stack) -> None:
        self.pid = stack.keycloak_pid()
        self.cpu: dict[str, float] = defaultdict(float)
        self.count: Counter[str] = Counter()
        self._last = cpu_seconds(self.pid)

    def step(self, name: str, call: Callable[[], requests.Response]) -> requests.Response:
        before = cpu_seconds(self.pid)
        self.cpu["between steps"] += before - self._last
        answer = call()
        self._last = cpu_seconds(self.pid)
        self.cpu[name] += self._last - before
        self.count[name] += 1
        return answer


def one_sign_in(stack: Stack, meter: Meter, user: dict[str, str]) -> None:
    http = LoopbackSession()
    url, verifier = flows.pkce_authorize_url(stack)
    page = meter.step("login page", lambda: http.get(url, allow_redirects=False, timeout=60))
    sent = len(stack.outbox.messages(to=e164(user["phone"])))
    page = meter.step("password", lambda: _post(http, page, "kc-form-login",
                                                {"username": user["email"],
                                                 "password": PASSWORD}))
    assert 'id="kc-phone-code-form"' in page.text, flows.feedback(page.text)
    code = flows._new_code(stack, user["phone"], sent)
    answer = meter.step("phone code", lambda: _post(http, page, "kc-phone-code-form",
                                                    {"code": code, "action": "verify"}))
    assert answer.is_redirect, flows.feedback(answer.text)
    code_param = parse_qs(urlsplit(answer.headers["Location"]).query)["code"][0]
    token_url = f"{stack.keycloak_url}/realms/{REALM}/protocol/openid-connect/token"
    client = {"client_id": CLIENT_ID, "client_secret": stack.env["IDP_CLIENT_SECRET"]}
    tokens = meter.step("code exchange", lambda: http.post(token_url, timeout=60, data={
        "grant_type": "authorization_code", "code": code_param,
        "redirect_uri": stack.callback_url, "code_verifier": verifier, **client}))
    tokens.raise_for_status()
    refreshed = meter.step("refresh", lambda: http.post(token_url, timeout=60, data={
        "grant_type": "refresh_token", "refresh_token": tokens.json()["refresh_token"],
        **client}))
    refreshed.raise_for_status()


def memory(stack: Stack) -> dict[str, float]:
    """Heap used after a full GC (jcmd) and the Java process's resident set, in MiB."""
    java = str(java_pid(stack.keycloak_pid()))
    _run(_jdk("jcmd"), java, "GC.run")
    info = _run(_jdk("jcmd"), java, "GC.heap_info")
    used = re.search(r"used (\d+)K", info)
    rss = re.search(r"VmRSS:\s+(\d+) kB", Path(f"/proc/{java}/status").read_text())
    return {"heap_used_mib": int(used.group(1)) / 1024 if used else float("nan"),
            "rss_mib": int(rss.group(1)) / 1024 if rss else float("nan")}


def bridge_worker_rss(stack: Stack) -> list[float]:
    """Each gunicorn worker's resident set, in MiB (the master's children)."""
    master = stack.bridge_pid()
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    sizes = []
    for pid in children:
        found = re.search(r"VmRSS:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
        if found:
            sizes.append(round(int(found.group(1)) / 1024, 1))
    return sizes


def open_sessions(stack: Stack, user_ids: list[str], count: int, workers: int = 4) -> float:
    """``count`` more user sessions through admin impersonation; the seconds it took."""
    started = time.perf_counter()

    def open_some(slot: int) -> None:
        token, token_at = stack.admin_token(), time.monotonic()
        for i in range(slot, count, workers):
            if time.monotonic() - token_at > 30:  # admin tokens live a minute
                token, token_at = stack.admin_token(), time.monotonic()
            answer = requests.post(
                f"{stack.keycloak_url}/admin/realms/{REALM}/users/"
                f"{user_ids[i % len(user_ids)]}/impersonation",
                headers={"Authorization": f"Bearer {token}"}, timeout=60)
            answer.raise_for_status()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(open_some, range(workers)))
    return time.perf_counter() - started


def jfr_categories(recording: Path) -> dict[str, Any]:
    """CPU samples of a JFR recording, sorted into the parts of a sign-in."""
    return categorize(_run(_jdk("jfr"), "print", "--events", "jdk.ExecutionSample",
                           str(recording)))


def categorize(text: str) -> dict[str, Any]:
    """``jfr print --events jdk.ExecutionSample`` output, as shares of the parts."""
    parts: Counter[str] = Counter()
    rest: Counter[str] = Counter()  # what "other" is: the package of its innermost frame
    total = 0
    for event in text.split("jdk.ExecutionSample")[1:]:
        total += 1
        frames = event.split("stackTrace = [", 1)[-1]
        part = next((name for name, pattern in JFR_PARTS if re.search(pattern, frames)), None)
        if part is None:
            part = "other Keycloak and JVM"
            top = re.search(r"^\s+([\w$.]+)\.[\w$<>]+\(", frames, re.MULTILINE)
            rest[".".join(top.group(1).split(".")[:3]) if top else "?"] += 1
        parts[part] += 1
    return {"samples": total,
            "share": {name: round(n / total, 3) for name, n in parts.most_common()}
            if total else {},
            "other_by_package": {name: round(n / total, 3) for name, n in rest.most_common(12)}
            if total else {}}


def run(stack: Stack, quick: bool, log: Callable[[str], None] = print,
        sessions: int | None = None) -> dict[str, Any]:
    sign_ins = 20 if quick else 200
    extra_sessions = sessions if sessions is not None else (500 if quick else 10_000)
    users = enrolled_users(stack, 4)
    for user in users:  # warm: JIT, caches, themes
        one_sign_in(stack, Meter(stack), user)
    recording = stack.extras.get("jfr")
    java = java_pid(stack.keycloak_pid())
    if recording:  # only the measured sign-ins: no start-up, no warm-up in the profile
        _run(_jdk("jcmd"), str(java), "JFR.start", "name=bench", "settings=profile")
    meter = Meter(stack)
    compiling = compiler_seconds(java)
    for i in range(sign_ins):
        one_sign_in(stack, meter, users[i % len(users)])
    compiling = compiler_seconds(java) - compiling
    if recording:
        _run(_jdk("jcmd"), str(java), "JFR.stop", "name=bench", f"filename={recording}")
    per_step = {name: round(1000 * meter.cpu[name] / sign_ins, 1) for name in meter.cpu}
    sign_in_ms = sum(v for k, v in per_step.items() if k not in ("refresh", "between steps"))
    result: dict[str, Any] = {
        "mode": "production" if stack.extras.get("production") else "dev",
        "sign_ins": sign_ins, "cpu_ms_per_step": per_step,
        "cpu_ms_per_sign_in": round(sign_in_ms, 1),
        # Of all the steps' CPU (refresh and between steps included), what Keycloak's JIT
        # compiler threads spent: a fresh JVM's, which a long-running one no longer pays.
        "jit_ms_per_sign_in": round(1000 * compiling / sign_ins, 1),
        "sizing_guide_ms": round(SIZING_GUIDE_MS_PER_PASSWORD_SIGN_IN, 1)}
    log(f"Keycloak CPU per sign-in: {sign_in_ms:.0f} ms ({per_step})")
    result["keycloak_inlined"] = inlined_methods(
        stack.keycloak.log_path.read_text(errors="replace"))
    result["memory_before"] = memory(stack)
    took = open_sessions(stack, [u["id"] for u in users], extra_sessions)
    result["memory_after"] = {**memory(stack), "extra_sessions": extra_sessions,
                              "seconds_to_open": round(took, 1)}
    log(f"memory: {result['memory_before']} → {result['memory_after']}")
    if stack.bridge_process is not None:
        result["bridge_worker_rss_mib"] = bridge_worker_rss(stack)
    if recording:
        result["jfr"] = {"file": str(recording), **jfr_categories(Path(recording))}
        log(f"JFR: {result['jfr']}")
    return result
