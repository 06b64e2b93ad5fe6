"""Key downloads are bounded and never hold up tokens signed with keys we already have."""

from __future__ import annotations

import json
import secrets
import threading
import time

import pytest
from joserfc.jwk import RSAKey

from idp_bridge.tokens import InvalidToken, TokenVerifier
from tests.support.tokens import JwksServer, access_claims, sign
from tests.support.waiting import wait_until


@pytest.fixture
def server():
    with JwksServer() as jwks:
        jwks.add_key("k1")
        yield jwks


def random_kid_tokens(issuer: str, count: int) -> list[str]:
    stranger = RSAKey.generate_key(2048)
    claims = access_claims(issuer)
    return [sign(stranger, claims, kid=secrets.token_hex(6)) for _ in range(count)]


def refuse_all(verifier: TokenVerifier, tokens: list[str], threads: int = 4) -> None:
    def send(mine: list[str]) -> None:
        for token in mine:
            with pytest.raises(InvalidToken, match="unknown signing key"):
                verifier.verify(token)
    workers = [threading.Thread(target=send, args=(tokens[i::threads],)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()


def test_a_thousand_random_kids_start_one_download_per_interval(server):
    verifier = TokenVerifier(server.issuer, "provider-apps")  # default interval: 60 s
    tokens = random_kid_tokens(server.issuer, 1000)
    started = time.monotonic()
    refuse_all(verifier, tokens)
    elapsed = time.monotonic() - started
    print(f"\n1,000 random-kid tokens from 4 threads: {server.fetches} JWKS download(s) "
          f"in {elapsed:.2f} s")
    assert server.fetches == 1 == verifier.keys.fetches  # the first kid loads the keys, once
    assert elapsed < 5  # nobody waited for a download that was not going to happen
    assert verifier.verify(sign(server.keys[0], access_claims(server.issuer)))["sub"]
    assert server.fetches == 1


def test_downloads_stay_spaced_by_the_interval(server):
    verifier = TokenVerifier(server.issuer, "provider-apps", unknown_kid_interval_seconds=0.25)
    tokens = random_kid_tokens(server.issuer, 50)
    started = time.monotonic()
    while time.monotonic() - started < 1.5:
        refuse_all(verifier, tokens, threads=2)
    allowed = int((time.monotonic() - started) / 0.25) + 1
    assert 2 <= server.fetches <= allowed


def test_a_rotated_key_is_picked_up_without_a_restart(server):
    verifier = TokenVerifier(server.issuer, "provider-apps", unknown_kid_interval_seconds=0.2)
    verifier.verify(sign(server.keys[0], access_claims(server.issuer)))
    rotated = server.add_key("k2")
    # Downloads are spaced by the interval, the first one included: the cache's clock moves
    # past it (no waiting for it).
    later = time.monotonic() + 0.25
    verifier.keys.monotonic = lambda: later
    assert verifier.verify(sign(rotated, access_claims(server.issuer)))["typ"] == "Bearer"
    assert server.fetches == 2


def test_a_withdrawn_key_stops_verifying_after_the_key_set_ages(server):
    verifier = TokenVerifier(server.issuer, "provider-apps", jwks_max_age_seconds=0.2,
                             unknown_kid_interval_seconds=0.2)
    old = server.keys[0]
    token = sign(old, access_claims(server.issuer))
    verifier.verify(token)
    server.keys[:] = [RSAKey.generate_key(2048, parameters={"kid": "k2", "use": "sig"})]
    aged = time.monotonic() + 0.25  # the key set is now older than its max age
    verifier.keys.monotonic = lambda: aged

    def refused() -> bool:
        try:
            verifier.verify(token)  # still served from the current keys while refreshing
        except InvalidToken:
            return True
        return False

    wait_until(refused, timeout=5, every=0.05, what="the withdrawn key being refused")


def test_a_hanging_download_holds_up_nobody_with_a_known_key(server):
    # remember_tokens=0: every call takes the full path (header, key, signature, claims).
    # No interval between downloads here: the stranger's download starts at once.
    verifier = TokenVerifier(server.issuer, "provider-apps", unknown_kid_interval_seconds=0.0,
                             remember_tokens=0)
    valid = sign(server.keys[0], access_claims(server.issuer))
    verifier.verify(valid)

    server.hang()
    outcome: list[BaseException | None] = []

    stranger = random_kid_tokens(server.issuer, 1)[0]

    def unknown_kid() -> None:
        try:
            verifier.verify(stranger)
        except InvalidToken as refused:
            outcome.append(refused)
        else:
            outcome.append(None)

    caller = threading.Thread(target=unknown_kid)
    caller.start()
    wait_until(lambda: server.fetches == 2, 5, every=0.01, what="the hanging key download")
    # Known keys keep working while the download hangs: a lock held across the download
    # would block these until the download is given up, and then it would no longer be
    # in progress when they return.
    for _ in range(200):
        assert verifier.verify(valid)
    assert verifier.keys.refreshing, "valid tokens waited for the hanging download"
    caller.join(30)
    assert not caller.is_alive()  # the caller waiting for a new key gave up (its deadline)
    assert len(outcome) == 1 and isinstance(outcome[0], InvalidToken)
    assert "unknown signing key" in str(outcome[0])

    deadline = time.monotonic() + 5
    while verifier.keys.refreshing and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not verifier.keys.refreshing  # the stuck download itself was abandoned
    assert verifier.verify(valid)  # the failed refresh kept the keys we had
    fetches, verifier.keys.min_interval = server.fetches, 60
    with pytest.raises(InvalidToken):
        verifier.verify(random_kid_tokens(server.issuer, 1)[0])
    assert server.fetches == fetches  # a failed download counts toward the interval


def test_a_trickling_key_download_is_given_up_at_its_wall_deadline(server):
    """A JWKS answered one byte every half second (a read timeout never fires) is given up
    after the 3 s deadline, and the refresh slot is free for the next download: a newly
    rotated key is not refused for the length of the trickle (issue 19 row 9)."""
    verifier = TokenVerifier(server.issuer, "provider-apps", unknown_kid_interval_seconds=0)
    verifier.verify(sign(server.keys[0], access_claims(server.issuer)))
    rotated = server.add_key("k2")
    body_bytes = len(json.dumps({"keys": [k.as_dict(private=False) for k in server.keys]}))
    server.trickle(0.5)  # the whole key set would take minutes

    with pytest.raises(InvalidToken, match="unknown signing key"):
        verifier.verify(sign(rotated, access_claims(server.issuer)))
    assert server.client_hung_up.wait(30), "the trickling download was never given up"
    assert server.trickle_bytes_sent < min(40, body_bytes)  # gone long before the end
    slot_free = time.monotonic() + 10
    while verifier.keys.refreshing and time.monotonic() < slot_free:
        time.sleep(0.05)
    assert not verifier.keys.refreshing

    server.trickle_seconds = None  # the key server recovers: the next download succeeds
    assert verifier.verify(sign(rotated, access_claims(server.issuer)))["typ"] == "Bearer"
