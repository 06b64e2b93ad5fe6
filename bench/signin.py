"""Sign-in (password + phone code, authorization code + PKCE): Keycloak alone vs through the
bridge, at 1 and 4 concurrent clients, in interleaved rounds (AB, BA, ...) so machine noise
hits both sides alike."""

from __future__ import annotations

import cProfile
import pstats
import resource
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from bench import flows
from bench.stack import Stack
from bench.stats import letters, summary
from idp_bridge.keycloak.gateway import KeycloakGateway
from tests.support.keycloak_login import LoopbackSession

SIDES: dict[str, Callable[[Stack, dict[str, str]], dict[str, float]]] = {
    "keycloak_alone": flows.sign_in_keycloak_alone,
    "bridge": flows.sign_in_through_bridge,
}


def gateway(stack: Stack) -> KeycloakGateway:
    """One admin client per run, keeping its token, as the bridge's own gateway does."""
    if "gateway" not in stack.extras:
        stack.extras["gateway"] = KeycloakGateway(
            stack.keycloak_url, "provider-portal", "idp-bridge", stack.env["IDP_CLIENT_SECRET"])
    return stack.extras["gateway"]  # type: ignore[no-any-return]


def enrolled_users(stack: Stack, count: int) -> list[dict[str, str]]:
    """People with a password and a phone, enrolled at a first sign-in (Keycloak alone)."""
    admin = gateway(stack)
    users = []
    for i in range(count):
        email = f"signin-{i}-{uuid.uuid4().hex[:6]}@clinic.test"
        number = f"608-3{i:02d}-{1000 + i:04d}"
        user_id = admin.create_user(email, "Sam", f"Signin {letters(i)}", {},
                                    required_actions=["phone-verification"])
        admin.set_password(user_id, flows.PASSWORD)
        flows.first_sign_in_keycloak_alone(stack, LoopbackSession(), email, number)
        users.append({"email": email, "phone": number, "id": user_id})
    return users


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


def _run(stack: Stack, side: str, users: list[dict[str, str]], clients: int,
         per_client: int) -> dict[str, Any]:
    latencies: list[float] = []
    steps: dict[str, float] = defaultdict(float)
    errors: list[BaseException] = []
    lock = threading.Lock()

    def client(user: dict[str, str]) -> None:
        for _ in range(per_client):
            start = time.perf_counter()
            try:
                took = SIDES[side](stack, user)
            except BaseException as exc:  # noqa: BLE001  (reported, not hidden)
                errors.append(exc)
                return
            with lock:
                latencies.append(time.perf_counter() - start)
                for step, seconds in took.items():
                    steps[step] += seconds

    threads = [threading.Thread(target=client, args=(users[i],)) for i in range(clients)]
    cpu_before = {**stack.cpu(), "client": _own_cpu()}
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    cpu_after = {**stack.cpu(), "client": _own_cpu()}
    if errors:
        raise RuntimeError(f"{side} sign-in failed: {errors[0]!r}; Keycloak's brute-force "
                           f"record of the people: {_lockouts(stack, users[:clients])}") \
            from errors[0]
    return {"wall": wall, "latencies": latencies, "steps": steps,
            "cpu": {k: cpu_after[k] - cpu_before[k] for k in cpu_after}}


# The bridge's own functions a sign-in goes through, for the profile's summary.
PROFILED = ("login", "callback", "finish_sign_in", "_exchange_code", "verify_id_token",
            "authorization_request", "_hook_answer", "record_portal_sign_in",
            "finish_unfinished", "open_session", "save_session", "_store", "post")


def profile_callback(stack: Stack, user: dict[str, str], count: int = 30) -> str:
    """Where the bridge's CPU goes in a sign-in: ``count`` warm sign-ins whose Keycloak part
    runs over HTTP and whose bridge part (``/login``, the callback) runs in this process under
    cProfile with a CPU timer (``time.thread_time``: waiting on Keycloak is not counted).
    Milliseconds per sign-in, cumulative, for the functions in PROFILED; the instrumentation
    inflates Python-heavy code about twofold, so the shares are the figure."""
    app = stack.app()
    profiler = cProfile.Profile(time.thread_time)
    for i in range(count + 3):  # three to warm up (JWKS, discovery, pools)
        client = app.test_client()  # a fresh browser, as every benchmark sign-in is
        if i >= 3:
            profiler.enable()
        start = client.get("/login")
        profiler.disable()
        http = LoopbackSession()
        login_page, _ = flows._walk(http, http.get(start.headers["Location"],
                                                   allow_redirects=False, timeout=60),
                                    lambda u: False)
        callback = flows._password_and_phone(stack, http, login_page, user,
                                             lambda u: u.startswith(stack.callback_url))
        if i >= 3:
            profiler.enable()
        answer = client.get(callback.removeprefix(stack.bridge_url))
        profiler.disable()
        assert answer.status_code in (302, 303), answer.get_data(as_text=True)[:300]
    rows = sorted(((stats[3] / count * 1000, f"{name}  ({file.rsplit('/', 2)[-2]}/"
                    f"{file.rsplit('/', 1)[-1]}:{line})")
                   for (file, line, name), stats in pstats.Stats(profiler).stats.items()  # type: ignore[attr-defined]
                   if name in PROFILED), reverse=True)
    return "\n".join(f"{ms:7.2f} ms  {where}" for ms, where in rows)


def run(stack: Stack, quick: bool, log: Callable[[str], None] = print) -> dict[str, Any]:
    rounds, per_client = (2, 3) if quick else (6, 10)
    users = enrolled_users(stack, 4)
    for side in SIDES:  # warm both paths (JIT, connection pools, JWKS) before timing
        for _ in range(3):
            SIDES[side](stack, users[0])
    results: dict[str, Any] = {"rounds": rounds, "per_client_per_round": per_client}
    for clients in (1, 4):
        totals: dict[str, dict[str, Any]] = {
            s: {"wall": 0.0, "latencies": [],
                "cpu": {"keycloak": 0.0, "bridge": 0.0, "client": 0.0},
                "steps": defaultdict(float)}
            for s in SIDES}
        names = list(SIDES)
        for r in range(rounds):
            order = names[r % len(names):] + names[:r % len(names)]
            for side in order:
                got = _run(stack, side, users, clients, per_client)
                totals[side]["wall"] += got["wall"]
                totals[side]["latencies"] += got["latencies"]
                for k, v in got["cpu"].items():
                    totals[side]["cpu"][k] += v
                for k, v in got["steps"].items():
                    totals[side]["steps"][k] += v
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
        results[f"clients_{clients}"] = level
        log(f"sign-in, {clients} client(s): Keycloak alone "
            f"{level['keycloak_alone']['per_second']:.2f}/s, bridge "
            f"{level['bridge']['per_second']:.2f}/s, ratio {level['throughput_ratio']:.3f}")
    results["profile_callback"] = profile_callback(stack, users[0])
    return results
