"""Sign-in (password + phone code, authorization code + PKCE): Keycloak alone vs through the
bridge vs through a minimal Flask relying party (bench/minimal_rp.py: authlib's Flask client
and nothing else, the floor under the bridge's own cost; issue 26) vs the same RP keeping its
session in a database row (bench/minimal_store.py: the floor a revocable session allows), at
1 and 4 concurrent clients, in interleaved rounds (ABCD, BCDA, ...) so machine noise hits
every side alike.

Each client signs in a rotation of PEOPLE_PER_CLIENT different people, never one person twice
in a row: Keycloak refuses a person's password ("Invalid username or password.", event error
``user_temporarily_disabled``, no failure counted) while that person's previous sign-in is still
"in progress" for its brute-force detection, which lasts until an asynchronous job has recorded
the success, after the previous sign-in's last response (see bench/NOTES.md, "Sign-in stopped
working in the benchmark"). A person never starts a new sign-in tens of milliseconds after
finishing one; the rotation keeps the benchmark to what people do.
"""

from __future__ import annotations

import cProfile
import pstats
import re
import resource
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from bench import flows, minimal_rp
from bench.stack import Stack, minimal_rp_env, start_minimal_rp
from bench.stats import letters, summary
from idp_bridge.keycloak.gateway import KeycloakGateway
from tests.support.keycloak_login import LoopbackSession

# People per client: a person's next sign-in starts seven other sign-ins after their last one
# ended (0.7-1.2 s in the 2026-12-06 production run; reported as ``min_gap_same_person_ms``),
# not ~30 ms after it.
PEOPLE_PER_CLIENT = 8
# Sign-ins of each side before the timed ones (see run()).
WARM_UP_PER_SIDE = 150
MAX_CLIENTS = 4

SIDES: dict[str, Callable[[Stack, dict[str, str]], dict[str, float]]] = {
    "keycloak_alone": flows.sign_in_keycloak_alone,
    "bridge": flows.sign_in_through_bridge,
    "minimal_rp": flows.sign_in_through_minimal_rp,
    # The same RP with its session in a database row (bench/minimal_store.py): the floor
    # the standards allow (a session the server can revoke, a new id at sign-in).
    "durable_rp": lambda stack, person: flows.sign_in_through_minimal_rp(stack, person,
                                                                          durable=True),
}
# The floors beside the bridge, and the key of each one's CPU in Stack.cpu().
FLOORS = (("minimal_rp", "rp"), ("durable_rp", "durable_rp"))


def gateway(stack: Stack) -> KeycloakGateway:
    """One admin client per run, keeping its token, as the bridge's own gateway does."""
    if "gateway" not in stack.extras:
        stack.extras["gateway"] = KeycloakGateway(
            stack.keycloak_url, "provider-portal", "idp-bridge", stack.env["IDP_CLIENT_SECRET"])
    return stack.extras["gateway"]  # type: ignore[no-any-return]


def enrolled_users(stack: Stack, count: int) -> list[dict[str, str]]:
    """People with a password and a phone, enrolled at a first sign-in (Keycloak alone).
    Up to 80, each with a number of their own (the benchmark reads each one's phone code by
    number)."""
    assert count <= 80, "608-320..399"
    admin = gateway(stack)
    users = []
    for i in range(count):
        email = f"signin-{i}-{uuid.uuid4().hex[:6]}@clinic.test"
        number = f"608-3{20 + i:02d}-{1000 + i:04d}"  # 320-399: no N11 exchange (311)
        user_id = admin.create_user(email, "Sam", f"Signin {letters(i)}", {},
                                    required_actions=["phone-verification"])
        admin.set_password(user_id, flows.PASSWORD)
        flows.first_sign_in_keycloak_alone(stack, LoopbackSession(), email, number)
        users.append({"email": email, "phone": number, "id": user_id})
    return users


class Rotation:
    """Who each client signs in next: its own people in turn, continuing across rounds and
    sides, and the shortest time seen between the end of a person's sign-in and the start of
    their next one."""

    def __init__(self, users: list[dict[str, str]], clients: int) -> None:
        per_client = len(users) // clients
        self.pools = [users[i * per_client:(i + 1) * per_client] for i in range(clients)]
        self.turn = [0] * clients
        self.last_end: dict[str, float] = {}
        self.min_gap = float("inf")
        self.lock = threading.Lock()

    def next(self, client: int) -> dict[str, str]:
        pool = self.pools[client]
        person = pool[self.turn[client] % len(pool)]
        self.turn[client] += 1
        return person

    def started(self, person: dict[str, str]) -> None:
        with self.lock:
            if person["id"] in self.last_end:
                self.min_gap = min(self.min_gap,
                                   time.perf_counter() - self.last_end[person["id"]])

    def ended(self, person: dict[str, str]) -> None:
        with self.lock:
            self.last_end[person["id"]] = time.perf_counter()


def _keycloak_login_errors(stack: Stack, offset: int) -> list[str]:
    """The error codes of the LOGIN_ERROR events Keycloak logged since ``offset`` (its
    jboss-logging event listener), for a failure report."""
    with stack.keycloak.log_path.open("rb") as log:
        log.seek(offset)
        text = log.read().decode("utf-8", "replace")
    return re.findall(r'type="LOGIN_ERROR".*?error="([^"]+)"', text)


def _lockouts(stack: Stack, users: list[dict[str, str]]) -> list[Any]:
    import requests

    token = stack.admin_token()
    return [requests.get(f"{stack.keycloak_url}/admin/realms/provider-portal/attack-detection/"
                         f"brute-force/users/{u['id']}", timeout=30,
                         headers={"Authorization": f"Bearer {token}"}).json() for u in users]


def _own_cpu() -> float:
    """This process: the clients (and the mail sink), on the same two cores as the servers."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _run(stack: Stack, side: str, rotation: Rotation, clients: int,
         per_client: int) -> dict[str, Any]:
    latencies: list[float] = []
    steps: dict[str, float] = defaultdict(float)
    errors: list[BaseException] = []
    lock = threading.Lock()
    log_offset = stack.keycloak_log_size()

    def client(index: int) -> None:
        for _ in range(per_client):
            person = rotation.next(index)
            rotation.started(person)
            start = time.perf_counter()
            try:
                took = SIDES[side](stack, person)
            except BaseException as exc:  # noqa: BLE001  (reported, not hidden)
                errors.append(exc)
                return
            rotation.ended(person)
            with lock:
                latencies.append(time.perf_counter() - start)
                for step, seconds in took.items():
                    steps[step] += seconds

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    cpu_before = {**stack.cpu(), "client": _own_cpu()}
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    cpu_after = {**stack.cpu(), "client": _own_cpu()}
    keycloak_requests = sum(stack.keycloak_requests_since(log_offset).values())
    if errors:
        people = [p for pool in rotation.pools for p in pool]
        raise RuntimeError(f"{side} sign-in failed: {errors[0]!r}; Keycloak's login errors: "
                           f"{_keycloak_login_errors(stack, log_offset)}; its brute-force "
                           f"record of the people: {_lockouts(stack, people)}") \
            from errors[0]
    return {"wall": wall, "latencies": latencies, "steps": steps,
            "cpu": {k: cpu_after[k] - cpu_before[k] for k in cpu_after},
            "keycloak_requests": keycloak_requests}


# The bridge's own functions a sign-in goes through, for the profile's summary.
PROFILED = ("login", "callback", "finish_sign_in", "_exchange_code", "verify_id_token",
            "authorization_request", "_hook_answer", "record_portal_sign_in",
            "finish_unfinished", "open_session", "save_session", "_store", "post")


def _profiled_sign_ins(stack: Stack, app: Any, base_url: str, people: list[dict[str, str]],
                       count: int) -> cProfile.Profile:
    """``count`` warm sign-ins (three more to warm up: JWKS, discovery, pools) whose Keycloak
    part runs over HTTP and whose relying-party part (``/login``, the callback: ``app`` in
    this process, at ``base_url``) runs under cProfile with a CPU timer."""
    profiler = cProfile.Profile(time.thread_time)
    for i in range(count + 3):
        client = app.test_client()  # a fresh browser, as every benchmark sign-in is
        if i >= 3:
            profiler.enable()
        start = client.get("/login")
        profiler.disable()
        http = LoopbackSession()
        login_page, _ = flows._walk(http, http.get(start.headers["Location"],
                                                   allow_redirects=False, timeout=60),
                                    lambda u: False)
        callback = flows._password_and_phone(
            stack, http, login_page, people[i % len(people)],
            lambda u: u.startswith(f"{base_url}/auth/callback"))
        if i >= 3:
            profiler.enable()
        answer = client.get(callback.removeprefix(base_url))
        profiler.disable()
        assert answer.status_code in (302, 303), answer.get_data(as_text=True)[:300]
    return profiler


def profile_callback(stack: Stack, people: list[dict[str, str]], count: int = 30) -> str:
    """Where the bridge's CPU goes in a sign-in: ``count`` warm sign-ins whose Keycloak part
    runs over HTTP and whose bridge part (``/login``, the callback) runs in this process under
    cProfile with a CPU timer (``time.thread_time``: waiting on Keycloak is not counted).
    Milliseconds per sign-in, cumulative, for the functions in PROFILED; the instrumentation
    inflates Python-heavy code about twofold, so the shares are the figure."""
    profiler = _profiled_sign_ins(stack, stack.app(), stack.bridge_url, people, count)
    rows = sorted(((stats[3] / count * 1000, _where(file, line, name))
                   for (file, line, name), stats in pstats.Stats(profiler).stats.items()  # type: ignore[attr-defined]
                   if name in PROFILED), reverse=True)
    return "\n".join(f"{ms:7.2f} ms  {where}" for ms, where in rows)


# The minimal RP's and its libraries' functions a sign-in goes through (cumulative).
PROFILED_MINIMAL_RP = ("login", "callback", "authorize_redirect", "create_authorization_url",
                       "authorize_access_token", "fetch_access_token", "fetch_token",
                       "parse_id_token", "import_key_set", "decode", "validate", "request",
                       "save_session", "open_session", "full_dispatch_request")


def _package(file: str) -> str:
    """Who a profiled function belongs to: its site-packages distribution, the standard
    library, the minimal RP itself, or C built-ins."""
    if "/site-packages/" in file:
        return file.split("/site-packages/", 1)[1].split("/", 1)[0]
    if file.endswith("minimal_rp.py"):
        return "minimal_rp.py"
    if file == "~" or file.startswith("<"):
        return "built-ins (C)"
    return "standard library"


def _where(file: str, line: int, name: str) -> str:
    """A profiled function as ``name  (folder/file.py:line)``; files without a folder
    (``~`` for C built-ins, ``<frozen ...>``) as they are."""
    return f"{name}  ({'/'.join(file.rsplit('/', 2)[-2:])}:{line})"


def profile_minimal_rp_callback(stack: Stack, people: list[dict[str, str]],
                                count: int = 30) -> dict[str, Any]:
    """Where the minimal RP's CPU goes in a sign-in, measured as ``profile_callback``
    measures the bridge's (its ``/login`` and callback in this process under cProfile with
    ``time.thread_time``, Keycloak over HTTP): ``total_ms`` per sign-in, ``self_ms_by_package``
    (each function's own time summed by where it lives: flask/werkzeug, authlib, requests/
    urllib3, joserfc/cryptography, ...) and ``cumulative`` for PROFILED_MINIMAL_RP."""
    assert stack.minimal_rp_url is not None
    app = minimal_rp.create_app(minimal_rp_env(stack, stack.minimal_rp_url))
    profiler = _profiled_sign_ins(stack, app, stack.minimal_rp_url, people, count)
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    by_package: dict[str, float] = defaultdict(float)
    for (file, _line, _name), row in stats.items():
        by_package[_package(file)] += row[2] / count * 1000  # tottime
    cumulative = sorted(((row[3] / count * 1000, _where(file, line, name))
                         for (file, line, name), row in stats.items()
                         if name in PROFILED_MINIMAL_RP and _package(file) != "standard library"),
                        reverse=True)
    return {"total_ms": round(sum(by_package.values()), 2),
            "self_ms_by_package": {k: round(v, 2) for k, v in
                                   sorted(by_package.items(), key=lambda kv: -kv[1])},
            "cumulative": "\n".join(f"{ms:7.2f} ms  {where}" for ms, where in cumulative[:25])}


def _level(totals: dict[str, dict[str, Any]], rotation: Rotation) -> dict[str, Any]:
    """One concurrency level's figures, per side and side by side."""
    level: dict[str, Any] = {}
    for side, t in totals.items():
        n = len(t["latencies"])
        level[side] = {"sign_ins": n, "per_second": n / t["wall"],
                       **summary(t["latencies"]),
                       "cpu_ms_per_sign_in": {k: 1000 * v / n for k, v in t["cpu"].items()},
                       "steps_ms_mean": {k: round(1000 * v / n, 1)
                                         for k, v in t["steps"].items()}}
    level["throughput_ratio"] = level["bridge"]["per_second"] / \
        level["keycloak_alone"]["per_second"]
    # Server capacity: sign-ins per server-CPU-second, bridge side over Keycloak alone
    # (what a deployment whose browsers are elsewhere would see when CPU-bound).
    alone_cpu = level["keycloak_alone"]["cpu_ms_per_sign_in"]["keycloak"]
    bridge_cpu = level["bridge"]["cpu_ms_per_sign_in"]
    level["server_cpu_ratio"] = alone_cpu / (bridge_cpu["keycloak"] + bridge_cpu["bridge"])
    level["added_p50_ms"] = level["bridge"]["p50_ms"] - level["keycloak_alone"]["p50_ms"]
    pooled = _pooled_keycloak(totals, level)
    if pooled is not None:
        level["server_cpu_ratio_pooled"] = pooled / (pooled + bridge_cpu["bridge"])
    steady = None if pooled is None else _less_compiling(totals, level, pooled)
    if steady is not None:
        level["server_cpu_ratio_steady"] = steady / (steady + bridge_cpu["bridge"])
    for side, key in FLOORS:  # the floors: the same, through the thinnest Flask RPs
        if side not in level:
            continue
        rp = level[side]
        own = rp["cpu_ms_per_sign_in"][key]
        rp["throughput_ratio"] = rp["per_second"] / level["keycloak_alone"]["per_second"]
        rp["server_cpu_ratio"] = alone_cpu / (rp["cpu_ms_per_sign_in"]["keycloak"] + own)
        if pooled is not None:
            rp["server_cpu_ratio_pooled"] = pooled / (pooled + own)
        if steady is not None:
            rp["server_cpu_ratio_steady"] = steady / (steady + own)
        level[f"bridge_vs_{side}"] = {
            "bridge_cpu_ms": bridge_cpu["bridge"], f"{side}_cpu_ms": own,
            "ratio": bridge_cpu["bridge"] / own if own else float("nan")}
    level["min_gap_same_person_ms"] = round(1000 * rotation.min_gap, 1)
    return level


# Sides whose Keycloak requests per sign-in differ by more than this did not ask Keycloak
# for the same work (the access log is written as requests end: a run's last ones can land
# in the next run's count, hence not zero).
SAME_WORK = 0.02


def _pooled_keycloak(totals: dict[str, dict[str, Any]],
                     level: dict[str, Any]) -> float | None:
    """Keycloak's CPU per sign-in over every side together, when its access log shows each
    side asked it for the same requests per sign-in (None otherwise, or for runs without
    the counts). Side by side, Keycloak's CPU per sign-in differs by ±6 ms between sides
    making the same requests (a garbage collection or a compilation lands in one side's
    window or the other's), more than a relying party's whole cost; pooled, that noise
    leaves the capacity ratio, and what each side adds of its own stays in it."""
    if not all("keycloak_requests" in t for t in totals.values()):
        return None
    per_sign_in = {side: t["keycloak_requests"] / len(t["latencies"])
                   for side, t in totals.items()}
    level["keycloak_requests_per_sign_in"] = {k: round(v, 2) for k, v in per_sign_in.items()}
    if max(per_sign_in.values()) > min(per_sign_in.values()) * (1 + SAME_WORK):
        return None
    sign_ins = sum(len(t["latencies"]) for t in totals.values())
    pooled = 1000 * sum(t["cpu"]["keycloak"] for t in totals.values()) / sign_ins
    level["keycloak_cpu_ms_pooled"] = pooled
    return pooled


def _less_compiling(totals: dict[str, dict[str, Any]], level: dict[str, Any],
                    pooled: float) -> float | None:
    """The pooled figure less what Keycloak's JIT compiler threads spent meanwhile (None for
    runs without it). A fresh Keycloak still compiles 10-60 ms per sign-in, which a
    long-running one no longer does: the steady state a plan sizes for (bench/NOTES.md,
    sixth pass)."""
    if not all("keycloak_jit" in t["cpu"] for t in totals.values()):
        return None
    sign_ins = sum(len(t["latencies"]) for t in totals.values())
    jit = 1000 * sum(t["cpu"]["keycloak_jit"] for t in totals.values()) / sign_ins
    level["keycloak_jit_ms_pooled"] = jit
    return pooled - jit


def run(stack: Stack, quick: bool, log: Callable[[str], None] = print) -> dict[str, Any]:
    rounds, per_client = (2, 3) if quick else (6, 10)
    users = enrolled_users(stack, MAX_CLIENTS * PEOPLE_PER_CLIENT)
    log(f"minimal relying party {start_minimal_rp(stack)}, its session in the database "
        f"{start_minimal_rp(stack, durable=True)} (gunicorn, same workers)")
    # Warm every path (connection pools, JWKS, every gunicorn worker) and let Keycloak's JIT
    # compile each side's path before timing, the sides in turn: a plan's Keycloak has run
    # for days (eight sign-ins a side left it compiling 10-60 ms a sign-in; bench/NOTES.md,
    # sixth and eighth passes).
    warm = users[:3] if quick else [users[n % len(users)] for n in range(WARM_UP_PER_SIDE)]
    for person in warm:
        for side in SIDES:
            if side in ("minimal_rp", "durable_rp"):  # its home page names whom it signed in
                flows.sign_in_through_minimal_rp(stack, person, confirm=True,
                                                 durable=side == "durable_rp")
            else:
                SIDES[side](stack, person)
    results: dict[str, Any] = {"rounds": rounds, "per_client_per_round": per_client,
                               "people_per_client": PEOPLE_PER_CLIENT,
                               "warm_up_per_side": len(warm)}
    for clients in (1, 4):
        totals: dict[str, dict[str, Any]] = {
            s: {"wall": 0.0, "latencies": [],
                "cpu": dict.fromkeys(("keycloak", "keycloak_jit", "bridge", "rp",
                                      "durable_rp", "client"), 0.0),
                "steps": defaultdict(float), "keycloak_requests": 0}
            for s in SIDES}
        names = list(SIDES)
        rotation = Rotation(users[:clients * PEOPLE_PER_CLIENT], clients)
        for r in range(rounds):
            order = names[r % len(names):] + names[:r % len(names)]
            for side in order:
                got = _run(stack, side, rotation, clients, per_client)
                totals[side]["wall"] += got["wall"]
                totals[side]["latencies"] += got["latencies"]
                for k, v in got["cpu"].items():
                    totals[side]["cpu"][k] += v
                for k, v in got["steps"].items():
                    totals[side]["steps"][k] += v
                totals[side]["keycloak_requests"] += got["keycloak_requests"]
        level = _level(totals, rotation)
        results[f"clients_{clients}"] = level
        floor = level["bridge_vs_minimal_rp"]
        log(f"sign-in, {clients} client(s): Keycloak alone "
            f"{level['keycloak_alone']['per_second']:.2f}/s, bridge "
            f"{level['bridge']['per_second']:.2f}/s, ratio {level['throughput_ratio']:.3f}; "
            f"minimal RP {level['minimal_rp']['per_second']:.2f}/s; own CPU per sign-in: "
            f"bridge {floor['bridge_cpu_ms']:.1f} ms, minimal RP "
            f"{floor['minimal_rp_cpu_ms']:.1f} ms, its session in the database "
            f"{level['bridge_vs_durable_rp']['durable_rp_cpu_ms']:.1f} ms")
    results["profile_callback"] = profile_callback(stack, users[:PEOPLE_PER_CLIENT])
    results["profile_minimal_rp"] = profile_minimal_rp_callback(stack,
                                                                users[:PEOPLE_PER_CLIENT])
    return results
