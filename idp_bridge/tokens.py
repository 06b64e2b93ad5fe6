"""Verify a Keycloak-issued token: the helper any health-plan app can use to trust our tokens.

``TokenVerifier.verify`` accepts only access tokens (Keycloak's ``typ`` claim ``Bearer``);
``verify_id_token`` only ID tokens (``typ`` ``ID``), ``verify_logout_token`` only back-channel
logout tokens (``typ`` ``Logout``). Either checks, in this order: the shape
of the token, the signature against the realm's published keys, then the claims (issuer,
audience, type, expiry with a little clock skew, and for ID tokens the nonce) through
joserfc's claims registry. Whatever is wrong, the caller gets ``InvalidToken`` and nothing else.

Keys come from the realm's JWKS, parsed once into ready-to-use public keys. A token naming a
key we do not hold starts at most one download per ``unknown_kid_interval_seconds`` (shared
by every thread); the download runs in its own thread, so no lock is held across the network
and tokens signed with known keys keep verifying at full speed while it is under way.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import logging
import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import requests
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from joserfc.errors import ExpiredTokenError, InvalidClaimError, JoseError, MissingClaimError
from joserfc.jwk import JWKRegistry
from joserfc.jwt import JWTClaimsRegistry

log = logging.getLogger(__name__)

# Keycloak signs with these; symmetric ("HS*") and "none" are never accepted.
_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "256": hashes.SHA256, "384": hashes.SHA384, "512": hashes.SHA512}
_EC_CURVES = {"ES256": ("secp256r1", 32), "ES384": ("secp384r1", 48), "ES512": ("secp521r1", 66)}
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
              "ES256", "ES384", "ES512", "EdDSA")

BACKCHANNEL_LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"
MAX_TOKEN_CHARS = 64 * 1024  # a user in hundreds of organizations still fits
_MAX_HEADER_CHARS = 2048
_MAX_JWKS_BYTES = 1024 * 1024
_HEADER_CACHE_SIZE = 256
_decode_json = json.JSONDecoder().decode
_EMPTY_RETRY_SECONDS = 5.0  # while no key set ever loaded, a failed first download retries sooner

# base64url → standard alphabet for binascii; "+", "/" and "=" map to "!" so strict decoding
# refuses them (a token spelled in another alphabet or padded is not one Keycloak wrote).
_B64URL = bytes.maketrans(b"-_+/=", b"+/!!!")


class InvalidToken(Exception):  # noqa: N818  (public name other apps already import)
    """The token is not one this realm issued for this audience, or it has expired."""


Verify = Callable[[bytes, bytes], None]  # (signature, signing input); raises on mismatch


@dataclass(frozen=True)
class _Key:
    """A published signing key, parsed once and bound to its algorithm."""

    kid: str
    algorithm: str
    verify: Verify


@dataclass
class _KeySet:
    """One downloaded key set, and which token headers resolved to which of its keys."""

    keys: Mapping[str, _Key]
    loaded_at: float
    generation: int
    by_header: dict[str, _Key] = field(default_factory=dict)


class TokenVerifier:
    """Trust tokens issued by one Keycloak realm for one audience.

    Make one per process and share it between threads: its key cache and refresh limits are
    per instance.
    """

    def __init__(self, issuer: str, audience: str, leeway_seconds: int = 30,
                 jwks_max_age_seconds: float = 300.0,
                 unknown_kid_interval_seconds: float = 60.0,
                 fetch_timeout_seconds: float = 3.0,
                 clock: Callable[[], float] = time.time,
                 jwks_url: str | None = None,
                 max_token_chars: int = MAX_TOKEN_CHARS,
                 remember_tokens: int = 1024) -> None:
        self.issuer = issuer.rstrip("/")
        self.audience = audience
        self.leeway = int(leeway_seconds)
        self.clock = clock
        self.max_token_chars = max_token_chars
        self.keys = JwksCache(jwks_url or f"{self.issuer}/protocol/openid-connect/certs",
                              fetch_timeout_seconds=fetch_timeout_seconds,
                              min_interval_seconds=unknown_kid_interval_seconds,
                              max_age_seconds=jwks_max_age_seconds)
        self._access_claims = self._registry("Bearer")
        self._id_claims = self._registry("ID")
        self._logout_claims = ClaimsRegistry(
            now=self._now, leeway=self.leeway,
            iss={"essential": True, "value": self.issuer},
            aud={"essential": True, "value": self.audience},
            typ={"essential": True, "value": "Logout"},
            iat={"essential": True}, events={"essential": True})
        # Apps see each access token on many requests: remember the payload of tokens whose
        # signature held (exact token text → payload JSON, per key set) to skip the RSA
        # check next time. Claims are re-parsed and re-checked (expiry) on every call.
        self._remember = remember_tokens
        self._seen: dict[str, tuple[int, str]] = {}

    def verify(self, token: object) -> dict[str, Any]:
        """The claims of a valid access token; ``InvalidToken`` for anything else."""
        if not isinstance(token, str) or len(token) > self.max_token_chars:
            raise InvalidToken("malformed token")
        generation = self.keys.generation  # read first: a key set swapped meanwhile wins
        seen = self._seen.get(token)
        if seen is not None and seen[0] == generation:
            self.keys.check_age()
            return self._checked(_json_object_text(seen[1]), self._access_claims)
        claims, text = self._verify(token, self._access_claims)
        if self._remember:
            if len(self._seen) >= self._remember:
                self._seen = {}  # crude but bounded; only genuine tokens get in
            self._seen[token] = (generation, text)
        return claims

    def verify_id_token(self, token: object, nonce: str | None = None,
                        access_token: str | None = None) -> dict[str, Any]:
        """The claims of a valid ID token (audience = the client id), checking ``nonce``.

        As OpenID Connect Core §3.1.3.7 asks of a client: ``iat`` present and not in the
        future; ``azp``, when present (required when there are several audiences), is the
        client id; and with ``access_token`` (the one issued beside it), ``at_hash``, when
        present, matches it (§3.1.3.8)."""
        registry = self._id_claims if nonce is None else self._registry("ID", nonce=nonce)
        if not isinstance(token, str) or len(token) > self.max_token_chars:
            raise InvalidToken("malformed token")
        claims = self._verify(token, registry)[0]
        azp, audience = claims.get("azp"), claims["aud"]
        several = isinstance(audience, list) and len(audience) > 1
        if (azp is not None or several) and azp != self.audience:
            raise InvalidToken("authorized party mismatch")
        if access_token is not None and "at_hash" in claims and not hmac.compare_digest(
                str(claims["at_hash"]), _left_hash(access_token, token)):
            raise InvalidToken("access token hash mismatch")
        return claims

    def verify_logout_token(self, token: object,
                            max_age_seconds: int | None = None) -> dict[str, Any]:
        """The claims of a valid OIDC back-channel logout token (audience = the client id).

        Keycloak marks them ``typ`` ``Logout``; they must carry the back-channel event, a
        ``sid`` or ``sub``, and never a ``nonce`` (so an ID token cannot pass for one).
        ``max_age_seconds``: refuse tokens issued longer ago than this (plus the leeway),
        and require a ``jti`` so that the caller can refuse a replay for as long.
        """
        if not isinstance(token, str) or len(token) > self.max_token_chars:
            raise InvalidToken("malformed token")
        claims = self._verify(token, self._logout_claims)[0]
        if max_age_seconds is not None:
            self._check_fresh(claims, max_age_seconds)
        events = claims.get("events")
        if not isinstance(events, dict) or BACKCHANNEL_LOGOUT_EVENT not in events:
            raise InvalidToken("not a back-channel logout event")
        if "nonce" in claims:
            raise InvalidToken("logout tokens carry no nonce")
        if not isinstance(claims.get("sid"), str) and not isinstance(claims.get("sub"), str):
            raise InvalidToken("missing claim sid or sub")
        return claims

    def _check_fresh(self, claims: dict[str, Any], max_age_seconds: int) -> None:
        issued = claims.get("iat")
        if not isinstance(issued, int | float) or isinstance(issued, bool):
            raise InvalidToken("invalid claim iat")
        if issued < self._now() - max_age_seconds - self.leeway:
            raise InvalidToken("logout token too old")
        jti = claims.get("jti")
        if not isinstance(jti, str) or not 0 < len(jti) <= 128:
            raise InvalidToken("missing claim jti")

    def _registry(self, typ: str, **extra: str) -> ClaimsRegistry:
        expected: dict[str, dict[str, Any]] = {
            name: {"essential": True, "value": value} for name, value in extra.items()}
        if typ == "ID":  # an ID token must say when it was issued (OIDC Core §2)
            expected["iat"] = {"essential": True}
        return ClaimsRegistry(
            now=self._now, leeway=self.leeway,
            iss={"essential": True, "value": self.issuer},
            aud={"essential": True, "value": self.audience},
            typ={"essential": True, "value": typ},
            exp={"essential": True}, sub={"essential": True},
            **expected)

    def _now(self) -> int:
        return int(self.clock())

    def _verify(self, token: str, registry: ClaimsRegistry) -> tuple[dict[str, Any], str]:
        """The checked claims and the payload's JSON text."""
        header, payload, signature = _segments(token)
        key = self.keys.key_for_header(header)
        try:
            key.verify(_b64decode(signature), token[:len(header) + len(payload) + 1].encode())
        except (InvalidSignature, ValueError):
            raise InvalidToken("bad signature") from None
        text = _utf8(_b64decode(payload))
        return self._checked(_json_object_text(text), registry), text

    @staticmethod
    def _checked(claims: dict[str, Any], registry: ClaimsRegistry) -> dict[str, Any]:
        try:
            registry.validate(claims)
        except JoseError as exc:
            raise InvalidToken(_claims_problem(exc)) from None
        return claims


class ClaimsRegistry(JWTClaimsRegistry):
    """joserfc's JWT claims rules, compiled once for one kind of token.

    The rules are joserfc's (``JWTClaimsRegistry``: essential claims, StringOrURI types,
    NumericDate times that are finite numbers and never booleans, ``exp``/``nbf``/``iat``
    with the leeway, expected values where a list claim may contain the expected one, no blank
    values) and so are the errors it raises. What changes is when the work happens: joserfc
    looks up options and validators per claim on every call and reads the clock once per time
    claim; here each claim's check is a closure built with its expected value, the clock is
    read once per token, and claims without a rule are not looked at. ``tests/tokens/
    test_contract.py`` holds it to joserfc's own registry on the same claims.
    """

    _REGISTERED = ("iss", "sub", "aud", "exp", "nbf", "iat", "jti")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._essential = tuple(sorted(self.essential_keys))
        names = dict.fromkeys((*self._REGISTERED, *self.options))
        self._checks = tuple((name, self._compile(name)) for name in names)

    def _compile(self, name: str) -> Callable[[Any, int], None]:
        expected = self._expected(name)
        shape = _SHAPES.get(name)
        if name in _TIMES:
            late, leeway = name == "exp", self.leeway

            def check_time(value: Any, now: int) -> None:
                if not _numeric_date(value):
                    raise InvalidClaimError(name)
                if late and value <= now - leeway:
                    raise ExpiredTokenError(name)
                if not late and value > now + leeway:
                    raise InvalidClaimError(name)
                expected(value)
            return check_time

        def check(value: Any, now: int) -> None:
            if shape is not None and not shape(value):
                raise InvalidClaimError(name)
            expected(value)
        return check

    def _expected(self, name: str) -> Callable[[Any], None]:
        """joserfc's ``check_value`` for one claim, with its option read once."""
        option = self.options.get(name)
        if not option:
            return _nothing
        blank_ok = bool(option.get("allow_blank"))
        values, value = option.get("values"), option.get("value")

        def matches(claim: Any) -> None:
            if not blank_ok and claim in (None, "", [], {}):
                raise InvalidClaimError(name)
            if values:
                found = any(v in claim for v in values) if isinstance(claim, list) \
                    else claim in values
                if not found:
                    raise InvalidClaimError(name)
            elif value is not None and claim != value and \
                    not (isinstance(claim, list) and value in claim):
                raise InvalidClaimError(name)
        return matches

    def validate(self, claims: dict[str, Any]) -> None:
        missing = [name for name in self._essential if claims.get(name) is None]
        if missing:
            raise MissingClaimError(",".join(missing))
        now = self.now
        for name, check in self._checks:
            if name in claims:
                check(claims[name], now)


_TIMES = frozenset({"exp", "nbf", "iat"})


def _nothing(value: Any) -> None:
    return None


def _numeric_date(value: Any) -> bool:
    # A JSON number that is neither a boolean nor NaN/Infinity (NaN would never expire).
    return not isinstance(value, bool) and (
        isinstance(value, int) or (isinstance(value, float) and math.isfinite(value)))


def _string_or_uri(value: Any) -> bool:
    return isinstance(value, str)


def _audience(value: Any) -> bool:
    return isinstance(value, str) or (
        isinstance(value, list) and all(isinstance(v, str) for v in value))


_SHAPES: dict[str, Callable[[Any], bool]] = {
    "iss": _string_or_uri, "sub": _string_or_uri, "jti": _string_or_uri, "aud": _audience}


class JwksCache:
    """The realm's signing keys, with bounded, non-blocking refreshes.

    Reads are lock-free (the key map is replaced whole, never changed in place). A refresh
    runs in a daemon thread; the lock only guards the bookkeeping of whether one may start.
    """

    def __init__(self, url: str, fetch_timeout_seconds: float = 3.0,
                 min_interval_seconds: float = 60.0, max_age_seconds: float = 300.0,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.url = url
        self.fetch_timeout = min(fetch_timeout_seconds, 3.0)
        self.min_interval = min_interval_seconds
        self.max_age = max_age_seconds
        self.monotonic = monotonic
        self.fetches = 0  # downloads started, for operators and tests
        self._current = _KeySet({}, loaded_at=-math.inf, generation=0)
        self._last_started = -math.inf
        self._running: threading.Event | None = None
        self._lock = threading.Lock()

    @property
    def generation(self) -> int:
        """Bumped whenever a new key set replaces the old one."""
        return self._current.generation

    @property
    def refreshing(self) -> bool:
        """Is a download under way?"""
        return self._running is not None

    def load(self, document: str | bytes) -> None:
        """Use this key set now (keys pinned in configuration, or tests); refreshes still run."""
        self._install(parse_jwks(document))

    def _install(self, keys: dict[str, _Key]) -> None:
        # One reference swap: readers see the old key set or the new one, never a mix.
        self._current = _KeySet(keys, self.monotonic(), self._current.generation + 1)

    def check_age(self) -> None:
        """Refresh in the background once the key set is older than its maximum age."""
        if self.monotonic() - self._current.loaded_at > self.max_age:
            self._start_refresh()

    def key_for_header(self, header: str) -> _Key:
        """The key a token's header names, refusing algorithms the key is not meant for."""
        current = self._current
        key = current.by_header.get(header)
        if key is None:
            return self._resolve(header, current)
        self.check_age()  # keep serving the current keys; removed keys drop soon
        return key

    def _resolve(self, header: str, current: _KeySet) -> _Key:
        if len(header) > _MAX_HEADER_CHARS:
            raise InvalidToken("malformed token")
        fields = _json_object(header)
        kid, alg = fields.get("kid"), fields.get("alg")
        if not isinstance(kid, str) or alg not in ALGORITHMS:
            raise InvalidToken("unsupported key or algorithm")
        if "crit" in fields:  # we understand no critical extensions (RFC 7515 §4.1.11)
            raise InvalidToken("unsupported critical header")
        key = current.keys.get(kid)
        if key is None:
            return self._check_algorithm(self._await_new_key(kid), alg)
        self._check_algorithm(key, alg)
        if len(current.by_header) >= _HEADER_CACHE_SIZE:
            current.by_header.clear()
        current.by_header[header] = key  # a key set replaced meanwhile takes its cache along
        return key

    @staticmethod
    def _check_algorithm(key: _Key, alg: str) -> _Key:
        if key.algorithm != alg:
            raise InvalidToken("algorithm does not match the key")
        return key

    def _await_new_key(self, kid: str) -> _Key:
        running = self._start_refresh()
        if running is not None:
            running.wait(self.fetch_timeout)
        key = self._current.keys.get(kid)
        if key is None:
            raise InvalidToken("unknown signing key")
        return key

    def _start_refresh(self) -> threading.Event | None:
        """Start one download unless one is running or the interval has not passed."""
        with self._lock:
            if self._running is not None:
                return self._running
            now = self.monotonic()
            interval = self.min_interval if self._current.keys else min(
                self.min_interval, _EMPTY_RETRY_SECONDS)
            if now - self._last_started < interval:
                return None
            self._last_started = now
            self.fetches += 1
            running = self._running = threading.Event()
        threading.Thread(target=self._refresh, args=(running,), name="jwks-refresh",
                         daemon=True).start()
        return running

    def _refresh(self, running: threading.Event) -> None:
        try:
            keys = parse_jwks(self._download_by_deadline())
        except Exception as exc:  # noqa: BLE001  (any failure keeps the keys we have)
            log.warning("could not refresh signing keys from %s: %s", self.url,
                        type(exc).__name__)
        else:
            self._install(keys)
        finally:
            with self._lock:
                self._running = None
            running.set()

    def _download_by_deadline(self) -> bytes:
        """The download, given up after ``fetch_timeout`` seconds of wall time however the
        server trickles: a read timeout restarts with every byte, so the slot is freed here
        by the clock, not by the socket. The abandoned download stops at its next read."""
        outcome: dict[str, Any] = {}
        finished = threading.Event()
        deadline = time.monotonic() + self.fetch_timeout

        def fetch() -> None:
            try:
                outcome["body"] = self._download(deadline)
            except Exception as exc:  # noqa: BLE001  (handed to the waiting thread)
                outcome["error"] = exc
            finally:
                finished.set()

        threading.Thread(target=fetch, name="jwks-download", daemon=True).start()
        if not finished.wait(self.fetch_timeout):
            raise TimeoutError("key set download passed its deadline")
        if "error" in outcome:
            raise outcome["error"]
        return bytes(outcome["body"])

    def _download(self, deadline: float) -> bytes:
        with requests.get(self.url, timeout=(self.fetch_timeout, self.fetch_timeout),
                          stream=True, allow_redirects=False,
                          headers={"Accept": "application/json"}) as response:
            if response.status_code != 200:  # redirects are not followed either
                raise requests.HTTPError(f"JWKS answered {response.status_code}")
            body = bytearray()
            while chunk := response.raw.read1(16 * 1024, decode_content=True):
                # read1: whatever has arrived, so the deadline is looked at every byte
                body += chunk
                if len(body) > _MAX_JWKS_BYTES or time.monotonic() > deadline:
                    raise TimeoutError("key set too large or too slow")
            return bytes(body)


def parse_jwks(document: str | bytes) -> dict[str, _Key]:
    """Signing keys by kid. Keys we cannot use (encryption keys, odd types) are skipped."""
    keys: dict[str, _Key] = {}
    for jwk in json.loads(document)["keys"]:
        if not isinstance(jwk, dict) or jwk.get("use", "sig") != "sig" \
                or not isinstance(jwk.get("kid"), str):
            continue
        try:
            public = JWKRegistry.import_key(jwk).raw_value
            algorithm = jwk.get("alg") or _default_algorithm(public)
            keys[jwk["kid"]] = _Key(jwk["kid"], algorithm, _verifier(algorithm, public))
        except (JoseError, ValueError, TypeError, KeyError, UnsupportedAlgorithm):
            log.warning("skipping unusable key %r in the JWKS", jwk.get("kid"))
    return keys


def _default_algorithm(public: object) -> str:
    if isinstance(public, rsa.RSAPublicKey):
        return "RS256"
    if isinstance(public, ec.EllipticCurvePublicKey):
        return next(alg for alg, (curve, _) in _EC_CURVES.items() if curve == public.curve.name)
    return "EdDSA"


def _verifier(algorithm: str, public: Any) -> Verify:
    """A function checking one algorithm's signatures with one key, built once per key."""
    if algorithm.startswith(("RS", "PS")) and isinstance(public, rsa.RSAPublicKey):
        if public.key_size < 2048:
            raise ValueError("RSA key shorter than 2048 bits")
        digest = _HASHES[algorithm[2:]]()
        scheme: padding.AsymmetricPadding = padding.PKCS1v15() if algorithm[0] == "R" else \
            padding.PSS(mgf=padding.MGF1(digest), salt_length=digest.digest_size)
        return lambda signature, data: public.verify(signature, data, scheme, digest)
    if algorithm in _EC_CURVES and isinstance(public, ec.EllipticCurvePublicKey):
        curve, size = _EC_CURVES[algorithm]
        if public.curve.name != curve:
            raise ValueError("curve does not match the algorithm")
        ecdsa = ec.ECDSA(_HASHES[algorithm[2:]]())

        def verify_ec(signature: bytes, data: bytes) -> None:
            if len(signature) != 2 * size:  # JWS carries r || s, not DER
                raise InvalidSignature
            r, s = int.from_bytes(signature[:size]), int.from_bytes(signature[size:])
            public.verify(encode_dss_signature(r, s), data, ecdsa)
        return verify_ec
    if algorithm == "EdDSA" and isinstance(public, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey):
        return public.verify
    raise ValueError(f"key cannot verify {algorithm}")


def _left_hash(value: str, token: str) -> str:
    """OIDC's ``at_hash``: the left half of the hash the token's algorithm uses, base64url
    (the header was checked already: it names one of ALGORITHMS)."""
    alg = str(_json_object(token.split(".", 1)[0]).get("alg"))
    digest = hashes.Hash(hashes.SHA512() if alg == "EdDSA" else _HASHES[alg[2:]]())
    digest.update(value.encode())
    half = digest.finalize()
    return base64.urlsafe_b64encode(half[:len(half) // 2]).rstrip(b"=").decode()


def _segments(token: str) -> tuple[str, str, str]:
    parts = token.split(".")
    if len(parts) != 3 or not all(parts):
        raise InvalidToken("malformed token")
    return parts[0], parts[1], parts[2]


def _b64decode(segment: str) -> bytes:
    try:
        data = segment.encode("ascii").translate(_B64URL)
        return binascii.a2b_base64(data + b"=" * (-len(data) % 4), strict_mode=True)
    except (UnicodeError, binascii.Error):
        raise InvalidToken("malformed token") from None


def _utf8(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidToken("malformed token") from None


def _json_object(segment: str) -> dict[str, Any]:
    return _json_object_text(_utf8(_b64decode(segment)))


def _json_object_text(text: str) -> dict[str, Any]:
    try:
        value = _decode_json(text)
    except (ValueError, RecursionError):  # bad JSON, over-long numbers, deep nesting
        raise InvalidToken("malformed token") from None
    if not isinstance(value, dict):
        raise InvalidToken("malformed token")
    return value


def _claims_problem(exc: JoseError) -> str:
    """A short reason naming the claim, e.g. 'token expired', 'audience mismatch'."""
    claim = str(getattr(exc, "claim", ""))
    if exc.error == "expired_token":
        return "token expired"
    if exc.error == "missing_claim":
        return f"missing claim {claim}"
    reasons = {"aud": "audience mismatch", "iss": "issuer mismatch", "nonce": "nonce mismatch",
               "typ": "token type mismatch", "nbf": "token not yet valid",
               "iat": "token issued in the future"}
    return reasons.get(claim, f"invalid claim {claim}")
