"""A whole registration: Keycloak alone (admin create user + set password + first sign-in with
phone enrollment and the terms) vs the bridge's wizard (an individual joining an approved
organization: account, individual enrollment with the emailed code, password, then the same
first sign-in) vs the same registration through the minimal wizard (bench/minimal_wizard.py:
no database; the floor under the bridge's share) vs the minimal wizard keeping its state in the
database (bench/minimal_store.py: the floor under a system of record). Interleaved rounds;
wall time, per-step time and CPU of each process."""

from __future__ import annotations

import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from bench import flows
from bench.parts import ProfiledServer
from bench.signin import gateway
from bench.stack import Stack, allow_redirect_uri, minimal_rp_env, start_minimal_rp
from bench.stats import summary
from idp_bridge.devstack.keycloak_server import free_port, inlined_methods
from idp_bridge.extensions import db
from idp_bridge.npi.models import NpiRecord
from idp_bridge.organizations.keys import key_for
from idp_bridge.organizations.models import Membership, Organization, OrganizationIdentifier
from tests.support.wizard import WizardClient, register_individual

TIN = "415599001"
# Registrations of each side before the measured ones (about two minutes in all): enough for
# Keycloak's JIT to have compiled both paths (see run()).
WARM_UP_PER_SIDE = 200


def seed_organization(stack: Stack) -> dict[str, str]:
    """An approved organization for people to join (as the plan administrator left it)."""
    app = stack.app()
    with app.app_context():
        npi = db.session.scalars(db.select(NpiRecord.npi).where(
            NpiRecord.entity_type == 2, NpiRecord.active.is_(True))
            .order_by(NpiRecord.npi)).first()
        assert npi, "the registry sample has no active organization"
        key = key_for(npi, TIN)
        org = Organization(key=key, name="Bench Clinic", address_line1="1 Main St",
                           city="Madison", state="WI", zip="53703",
                           business_phone="608-555-0100", email="office@clinic.test",
                           status="active")
        org.identifiers.append(OrganizationIdentifier(npi=npi, tin=TIN, is_primary=True))
        # Its Site Administrator: newcomers join as members waiting for approval.
        org.memberships.append(Membership(user_id="bench-site-admin", email="boss@clinic.test",
                                          first_name="Alex", last_name="Admin",
                                          status="approved", is_site_admin=True, roles=[]))
        db.session.add(org)
        db.session.commit()
    return {"npi": npi, "tin": f"{TIN[:2]}-{TIN[2:]}", "key": key}


def keycloak_alone(stack: Stack, serial: int) -> dict[str, float]:
    http = flows.TimedSession(stack)
    email = f"kc-reg-{serial}-{uuid.uuid4().hex[:6]}@clinic.test"
    admin = gateway(stack)
    start = time.perf_counter()
    # The wizard's own call: same attributes, the realm's default required actions (phone
    # setup, terms) come with the new user.
    user_id = admin.create_user(email, "Jordan", "Baker",
                                {"work_phone": "608-555-0142", "job_title": "Office Manager",
                                 "communications_opt_in": "in"})
    created = time.perf_counter()
    admin.set_password(user_id, flows.PASSWORD)
    password_set = time.perf_counter()
    flows.first_sign_in_keycloak_alone(stack, http, email, f"608-4{serial % 100:02d}-"
                                       f"{2000 + serial % 8000:04d}")
    return {"admin: create user": created - start,
            "admin: set password": password_set - created, **http.steps}


def wizard(stack: Stack, org: dict[str, str], serial: int,
           url: str | None = None) -> dict[str, float]:
    """An individual joins ``org`` through the bridge (at ``url``: by default the stack's)."""
    http = flows.TimedSession(stack)
    url = url or stack.bridge_url
    client = WizardClient(url, stack.outbox, http=http)
    email = f"wiz-reg-{serial}-{uuid.uuid4().hex[:6]}@clinic.test"
    register_individual(client, org, email)
    assert client.page is not None and client.page.url.startswith(url)
    return dict(http.steps)


def minimal_wizard(stack: Stack, org: dict[str, str], serial: int,
                   url: str | None = None) -> dict[str, float]:
    """The same registration through the minimal wizard (bench/minimal_wizard.py): the same
    client, pages, Keycloak calls and emails, with no database behind them."""
    return _through_minimal(stack, org, f"min-reg-{serial}",
                            url or start_minimal_rp(stack))


def durable_wizard(stack: Stack, org: dict[str, str], serial: int,
                   url: str | None = None) -> dict[str, float]:
    """The same registration through the minimal wizard keeping its state in the bridge's
    database (bench/minimal_store.py)."""
    return _through_minimal(stack, org, f"dur-reg-{serial}",
                            url or start_minimal_rp(stack, durable=True))


def _through_minimal(stack: Stack, org: dict[str, str], name: str,
                     url: str) -> dict[str, float]:
    http = flows.TimedSession(stack)
    client = WizardClient(url, stack.outbox, http=http)
    email = f"{name}-{uuid.uuid4().hex[:6]}@clinic.test"
    register_individual(client, org, email)
    assert client.page is not None and client.page.url.endswith("/register/complete"), (
        client.page.url if client.page is not None else "")
    return dict(http.steps)


# Registrations of each side whose server part is measured part by part (after as many
# untimed: pools, statements, templates, Keycloak's token).
PROFILED = 20


def profile(stack: Stack, org: dict[str, str], count: int = PROFILED) -> dict[str, Any]:
    """Where the wizard's own CPU goes, part by part (bench/parts.py), beside the minimal
    wizard's: each served by a process of its own on a port of its own, one thread
    (werkzeug's server, not gunicorn: its HTTP parsing is left out on both sides), Keycloak
    over HTTP. Milliseconds per registration by part, and SQL statements per registration."""
    out: dict[str, Any] = {"registrations": count}
    for side, drive in (("wizard", wizard), ("minimal_wizard", minimal_wizard),
                        ("durable_wizard", durable_wizard)):
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        allow_redirect_uri(stack, f"{url}/auth/callback")
        factory, args = _app(stack, side, url)
        with ProfiledServer(factory, args, port, log=stack.workdir / f"profiled-{side}.log") \
                as server:
            for n in range(count):  # pools, statements, templates, Keycloak's token
                drive(stack, org, 70_000 + n, url=url)
            server.measure()
            for n in range(count, 2 * count):
                drive(stack, org, 70_000 + n, url=url)
            out[side] = server.results(count)
    return out


def _app(stack: Stack, side: str, url: str) -> tuple[str, list[Any]]:
    """How to make the bridge, or the minimal RP, configured to be served at ``url``: the
    factory ("module:function") and its arguments."""
    if side != "wizard":
        return "bench.minimal_rp:create_app", [
            minimal_rp_env(stack, url, durable=side == "durable_wizard")]
    own = stack.bridge_url.rsplit(":", 1)[1]
    port = url.rsplit(":", 1)[1]
    return "idp_bridge:create_app", [  # create_app(overrides, env)
        None, {k: v.replace(f":{own}", f":{port}") for k, v in stack.env.items()}]


def _requests_of(stack: Stack, registration: Callable[[], object]) -> dict[str, int]:
    """What one registration asked of Keycloak (browser and bridge alike), from its log."""
    offset = stack.keycloak_log_size()
    registration()
    time.sleep(1.5)  # the access log is written asynchronously
    return stack.keycloak_requests_since(offset)


def run(stack: Stack, quick: bool, log: Callable[[str], None] = print) -> dict[str, Any]:
    # One registration a side in turn, 60 a side: Keycloak's CPU for the same registration
    # drifts during a run (its JIT, the machine), and blocks of five a side let that drift
    # land on one side (the ratio moved by 15 points between runs; bench/NOTES.md).
    rounds, per_round = (4, 1) if quick else (60, 1)
    org = seed_organization(stack)
    start_minimal_rp(stack)
    start_minimal_rp(stack, durable=True)
    sides: dict[str, Callable[[int], dict[str, float]]] = {
        "keycloak_alone": lambda i: keycloak_alone(stack, i),
        "wizard": lambda i: wizard(stack, org, i),
        "minimal_wizard": lambda i: minimal_wizard(stack, org, i),
        "durable_wizard": lambda i: durable_wizard(stack, org, i),
    }
    # Warm-up, untimed, the sides in turn. Every gunicorn worker serves every step (a fresh
    # worker's first pass compiles statements and prepares them on its connections), and
    # Keycloak runs each side's path until its JIT has compiled it: a plan's Keycloak has
    # run for days. After 8 a side a fresh Keycloak still spent 64-105 ms a registration
    # compiling, and Keycloak alone's CPU differed by 51 ms between fresh Keycloaks (the
    # verdict swung from 29 % to 58 %); after 200 a side it compiles 8-20 ms a registration
    # and two fresh Keycloaks agree within 5 ms (bench/NOTES.md, eighth pass).
    warm = 1 if quick else WARM_UP_PER_SIDE
    for n in range(warm):
        for side in sides.values():
            side(10_000 + n)
    walls: dict[str, list[float]] = defaultdict(list)
    cpu: dict[str, dict[str, float]] = {
        s: dict.fromkeys(("keycloak", "keycloak_jit", "bridge", "rp", "durable_rp"), 0.0)
        for s in sides}
    steps: dict[str, dict[str, float]] = {s: defaultdict(float) for s in sides}
    serial = 0
    names = list(sides)
    for r in range(rounds):
        for side in names[r % len(names):] + names[:r % len(names)]:
            before = stack.cpu()
            for _ in range(per_round):
                serial += 1
                start = time.perf_counter()
                for step, seconds in sides[side](serial).items():
                    steps[side][step] += seconds
                walls[side].append(time.perf_counter() - start)
            after = stack.cpu()
            for k in cpu[side]:  # Keycloak (its JIT part), the bridge, the minimal wizards
                cpu[side][k] += after[k] - before[k]
    out: dict[str, Any] = {"rounds": rounds, "per_round": per_round, "warm_up_per_side": warm}
    for side in sides:
        n = len(walls[side])
        out[side] = {"registrations": n, **summary(walls[side]),
                     "wall_s_mean": sum(walls[side]) / n,
                     "cpu_s_per_registration": {k: v / n for k, v in cpu[side].items()},
                     "steps_ms_mean": {k: round(1000 * v / n, 1)
                                       for k, v in sorted(steps[side].items(),
                                                          key=lambda kv: -kv[1])}}
        spent = out[side]["cpu_s_per_registration"]
        out[side]["cpu_s_total"] = (spent["keycloak"] + spent["bridge"] + spent["rp"]
                                    + spent["durable_rp"])
        out[side]["cpu_s_steady"] = out[side]["cpu_s_total"] - spent["keycloak_jit"]
    out["keycloak_requests_per_registration"] = {
        side: _requests_of(stack, lambda run=run, n=8000 + i: run(n))
        for i, (side, run) in enumerate(sides.items())}
    alone = out["keycloak_alone"]["cpu_s_total"]
    out["cpu_added_fraction"] = _added(out, "wizard", "cpu_s_total")
    # Without Keycloak's JIT compiling (bench/stack.compiler_seconds): as a long-running
    # Keycloak, which has compiled both paths, would spend.
    out["cpu_added_fraction_steady"] = _added(out, "wizard", "cpu_s_steady")
    out["floor"] = _floor(out)
    out["profile"] = profile(stack, org, count=2 if quick else PROFILED)
    out["keycloak_inlined"] = inlined_methods(
        stack.keycloak.log_path.read_text(errors="replace"))
    out["bridge_cpu_fraction_of_keycloak"] = (
        out["wizard"]["cpu_s_per_registration"]["bridge"]
        / out["wizard"]["cpu_s_per_registration"]["keycloak"])
    log(f"registration: Keycloak alone {out['keycloak_alone']['wall_s_mean']:.2f} s wall / "
        f"{alone:.2f} s CPU; wizard {out['wizard']['wall_s_mean']:.2f} s / "
        f"{out['wizard']['cpu_s_total']:.2f} s CPU; added {out['cpu_added_fraction']:.0%}; "
        f"the minimal wizard {out['floor']['cpu_added_fraction']:.0%}, "
        f"durable {out['floor']['durable']['cpu_added_fraction']:.0%}")
    return out


def _added(out: dict[str, Any], side: str, figure: str) -> float:
    """What ``side`` spends over Keycloak alone, as a share of Keycloak alone's ``figure``."""
    alone = out["keycloak_alone"][figure]
    return float((out[side][figure] - alone) / alone)


def _floor(out: dict[str, Any]) -> dict[str, Any]:
    """The minimal wizard beside Keycloak alone, as the wizard is, and the two servers' own
    CPU side by side: the share any Flask wizard making the same calls would add, and how
    many times that the bridge's own CPU is. ``durable``: the same for the minimal wizard
    keeping its state in the database (the floor under a system of record)."""
    floor = _floor_of(out, "minimal_wizard", "rp", "bridge_vs_minimal")
    if "durable_wizard" in out:
        floor["durable"] = _floor_of(out, "durable_wizard", "durable_rp", "bridge_vs_durable")
    return floor


def _floor_of(out: dict[str, Any], side: str, own: str, ratio: str) -> dict[str, Any]:
    """One floor's figures: ``own`` its server's CPU key, ``ratio`` the name of the bridge's
    own CPU over it."""
    spent = out[side]["cpu_s_per_registration"]
    return {"cpu_added_fraction": _added(out, side, "cpu_s_total"),
            "cpu_added_fraction_steady": _added(out, side, "cpu_s_steady"),
            "rp_cpu_s": spent[own], "keycloak_cpu_s": spent["keycloak"],
            ratio: out["wizard"]["cpu_s_per_registration"]["bridge"] / spent[own]}
