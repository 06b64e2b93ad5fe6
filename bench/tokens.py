"""``TokenVerifier.verify`` against a raw RS256 signature check with ``cryptography``.

    .venv/bin/python -m bench.tokens [--quick] [--profile]

The raw check is the least any verifier must do per token: split off the signature, decode
it, and check it over the signing input with an already-parsed public key. ``verify`` does
that plus everything a raw check skips (header, key choice, payload JSON, claims). Both sides
run over the same distinct, realistic Keycloak access tokens (RSA-2048, ~1.8 kB), in
alternating rounds so machine noise hits both; the ratio is the claim, not the rates.

Two figures for ``verify``: *fresh* tokens (every call does the whole check: a verifier with
``remember_tokens=0``, i.e. each token seen for the first time) — the headline — and
*repeated* tokens (the default verifier, each token already seen, as an app sees a bearer
token on every request of its few minutes: the signature is not checked again, the claims are).
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import io
import json
import pstats
import resource
import statistics
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from joserfc import jwt
from joserfc.jwk import RSAKey
from joserfc.jwt import JWTClaimsRegistry
from jwt import decode as pyjwt_decode

from idp_bridge.tokens import TokenVerifier, _Key

ISSUER = "https://login.example.org/realms/provider-portal"


def keycloak_like_claims(now: int, serial: int) -> dict[str, Any]:
    """An access token's claims as our realm issues them (one organization, Claims role)."""
    org = "1588000012-391588001"
    return {
        "exp": now + 300, "iat": now, "auth_time": now, "jti": f"onrtac:{serial:08d}-4b7e-9a42",
        "iss": ISSUER, "aud": ["provider-apps", "account"], "typ": "Bearer",
        "sub": "5b0e2f7c-2a7e-4e43-9d0c-2c1b5d0f1a11", "azp": "idp-bridge",
        "sid": "0e7f1d9c-8a2e-4b7e-9a42-2f8d6b2c1c11", "acr": "1",
        "allowed-origins": ["https://portal.example.org"],
        "realm_access": {"roles": ["default-roles-provider-portal", "offline_access"]},
        "resource_access": {"account": {"roles": ["manage-account", "view-profile"]}},
        "scope": "openid email profile", "email_verified": True, "name": "Jordan Baker",
        "preferred_username": "jordan.baker@prairiefamily.example", "given_name": "Jordan",
        "family_name": "Baker", "email": "jordan.baker@prairiefamily.example",
        "organizations": [{"key": org, "name": "PRAIRIE FAMILY MEDICINE SC",
                           "npis": ["1588000012"], "tins": ["391588001"],
                           "roles": ["claims"], "site_admin": False}],
        "groups": [f"/provider-orgs/{org}", f"/provider-orgs/{org}/roles/claims"],
        "realm_roles": ["default-roles-provider-portal"],
    }


class Fixture:
    """A signing key, a verifier that already holds its public half, and tokens."""

    def __init__(self, count: int) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": "bench", "alg": "RS256",
                                                         "use": "sig"})
        jwks = json.dumps({"keys": [self.key.as_dict(private=False)]})
        self.verifier = TokenVerifier(ISSUER, "provider-apps", remember_tokens=0)
        self.remembering = TokenVerifier(ISSUER, "provider-apps")
        for verifier in (self.verifier, self.remembering):
            verifier.keys.load(jwks)
        now = int(time.time())
        self.tokens = [jwt.encode({"alg": "RS256", "typ": "JWT", "kid": "bench"},
                                  keycloak_like_claims(now, i), self.key) for i in range(count)]
        public = self.key.raw_value.public_key()  # type: ignore[union-attr]
        scheme, digest = padding.PKCS1v15(), hashes.SHA256()

        def raw_check(token: str) -> None:
            signing_input, _, signature = token.rpartition(".")
            public.verify(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)),
                          signing_input.encode(), scheme, digest)
        self.raw_check = raw_check

        def floor_check(token: str) -> object:
            # The least a verifier that hands back claims must do: the raw check, then decode
            # and parse the payload. No header, no key choice, no claim looked at.
            raw_check(token)
            payload = token.split(".")[1]
            return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        self.floor_check = floor_check
        self.peers = peer_verifiers(self.key, public)


def peer_verifiers(key: RSAKey, public: Any) -> dict[str, Callable[[str], object]]:
    """What a downstream app would pick instead, set up as strictly as ours can be.

    PyJWT: RS256 only, audience and issuer required, exp/iat/sub/iss/aud present. joserfc:
    ``jwt.decode`` with RS256 only, then its claims registry with the same rules as ours.
    Neither checks Keycloak's ``typ``: where they could, it is added (joserfc), which is why
    these are the strictest each allows, not identical to ours.
    """
    options = {"require": ["exp", "iat", "sub", "iss", "aud"]}

    def pyjwt(token: str) -> object:
        return pyjwt_decode(token, public, algorithms=["RS256"], audience="provider-apps",
                            issuer=ISSUER, leeway=30, options=options)  # type: ignore[arg-type]

    registry = JWTClaimsRegistry(
        leeway=30, iss={"essential": True, "value": ISSUER},
        aud={"essential": True, "value": "provider-apps"},
        typ={"essential": True, "value": "Bearer"}, exp={"essential": True},
        sub={"essential": True})

    def joserfc(token: str) -> object:
        claims = jwt.decode(token, key, algorithms=["RS256"]).claims
        registry.validate(claims)
        return claims
    return {"PyJWT": pyjwt, "joserfc": joserfc}


def rate(check: Callable[[str], object], tokens: Sequence[str], threads: int,
         seconds: float) -> float:
    """Checks per second with ``threads`` threads each cycling through ``tokens``."""
    done = [0] * threads
    stop = time.perf_counter() + seconds

    def work(slot: int) -> None:
        mine, count = tokens[slot::threads][:64], 0
        while time.perf_counter() < stop:
            for token in mine:
                check(token)
            count += len(mine)
        done[slot] = count

    started = time.perf_counter()
    workers = [threading.Thread(target=work, args=(slot,)) for slot in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return sum(done) / (time.perf_counter() - started)


def compare(fixture: Fixture, verify: Callable[[str], object], threads: int, rounds: int,
            seconds: float, target: float = 0.8) -> dict[str, Any]:
    raws: list[float] = []
    verifies: list[float] = []
    for round_ in range(rounds):  # alternate which side goes first
        sides = [(raws, fixture.raw_check), (verifies, verify)]
        for samples, check in sides if round_ % 2 == 0 else reversed(sides):
            samples.append(rate(check, fixture.tokens, threads, seconds))
    raw, verified = statistics.median(raws), statistics.median(verifies)
    return {"threads": threads, "verify_per_s": round(verified), "raw_per_s": round(raw),
            "ratio": round(verified / raw, 3), "target_ratio": target,
            "ratios_per_round": [round(v / r, 3) for v, r in zip(verifies, raws, strict=True)]}


def run(quick: bool) -> dict[str, Any]:
    """The figures for ``make bench``: verify/s, raw/s and their ratio at 1 and 4 threads."""
    fixture = Fixture(count=256)
    for token in fixture.tokens:  # every token is valid, and warms all paths
        fixture.verifier.verify(token)
        fixture.remembering.verify(token)
        fixture.raw_check(token)
        for peer in fixture.peers.values():
            peer(token)
    rounds, seconds = (3, 0.4) if quick else (7, 1.5)
    fresh = [compare(fixture, fixture.verifier.verify, threads, rounds, seconds)
             for threads in (1, 4)]
    repeated = [compare(fixture, fixture.remembering.verify, threads, rounds, seconds)
                for threads in (1, 4)]
    # The same fresh tokens through the floor and the peers, each as a ratio to the raw check.
    others = {"floor (raw check + payload JSON)": fixture.floor_check, **fixture.peers}
    beside = {name: [compare(fixture, check, threads, rounds, seconds)
                     for threads in (1, 4)] for name, check in others.items()}
    return {"name": "TokenVerifier.verify ÷ raw RS256 check (fresh tokens)",
            "token_chars": len(fixture.tokens[0]), "results": fresh,
            "ratio": min(r["ratio"] for r in fresh), "target": 0.8,
            "repeated_tokens": repeated,
            "ratio_repeated_tokens": min(r["ratio"] for r in repeated),
            "beside": beside}


def profile(count: int = 20_000) -> str:
    """cProfile's top lines for ``verify`` of fresh tokens: where the time goes."""
    fixture = Fixture(count=256)
    profiler = cProfile.Profile()
    profiler.enable()
    for i in range(count):
        fixture.verifier.verify(fixture.tokens[i % 256])
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(12)
    return out.getvalue()


def _python_part(fixture: Fixture) -> Callable[[str], object]:
    """``verify`` with the RSA check taken out (a key whose check accepts anything): what
    our Python work costs alone, holding the GIL throughout."""
    verifier = TokenVerifier(ISSUER, "provider-apps", remember_tokens=0)
    verifier.keys._install({"bench": _Key("bench", "RS256", lambda signature, data: None)})  # noqa: SLF001
    return verifier.verify


def gil(seconds: float = 1.0, rounds: int = 3) -> list[dict[str, Any]]:
    """Why four threads do worse than one: each check at 1 and 4 threads, its rate, the
    process CPU per check and the context switches per check (``getrusage`` counts every
    thread). The RSA check runs in OpenSSL with the GIL released; every Python step holds
    it, so at 4 threads the steps queue for the GIL and each hand-over is a switch."""
    fixture = Fixture(count=256)
    checks = {"raw RS256 check": fixture.raw_check,
              "verify without the RSA check (our Python work)": _python_part(fixture),
              "verify": fixture.verifier.verify,
              "floor (raw check + payload JSON)": fixture.floor_check}
    for check in checks.values():
        for token in fixture.tokens:
            check(token)
    rows = []
    for name, check in checks.items():
        for threads in (1, 4):
            best: dict[str, Any] = {}
            for _ in range(rounds):
                before = resource.getrusage(resource.RUSAGE_SELF)
                per_second = rate(check, fixture.tokens, threads, seconds)
                after = resource.getrusage(resource.RUSAGE_SELF)
                count = per_second * seconds
                cpu = (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
                switches = (after.ru_nvcsw + after.ru_nivcsw - before.ru_nvcsw
                            - before.ru_nivcsw)
                if per_second > best.get("per_s", 0):
                    best = {"check": name, "threads": threads, "per_s": round(per_second),
                            "cpu_us_per_check": round(1e6 * cpu / count, 1),
                            "switches_per_check": round(switches / count, 2)}
            rows.append(best)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--gil", action="store_true",
                        help="only the GIL analysis: rates, CPU and switches per check")
    args = parser.parse_args()
    if args.gil:
        print(json.dumps(gil(), indent=2))
        return
    print(json.dumps(run(args.quick), indent=2))
    if args.profile:
        print(profile())


if __name__ == "__main__":
    main()
