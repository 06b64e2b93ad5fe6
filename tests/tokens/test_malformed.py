"""Whatever arrives as a token, the verifier answers with InvalidToken, never another error."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from idp_bridge.tokens import InvalidToken, TokenVerifier
from tests.support.tokens import access_claims, b64, sign, signed

FUZZ = settings(max_examples=300, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                 max_size=4),
    max_leaves=12)
# Headers that look like ours often enough to reach key lookup and signature checks.
headers = st.one_of(
    json_values,
    st.fixed_dictionaries({}, optional={
        "alg": st.sampled_from(["RS256", "HS256", "none", "ES256", "PS256", None, 7, ""]),
        "kid": st.sampled_from(["k1", "nope", "", None, 1, ["k1"]]),
        "typ": st.sampled_from(["JWT", None]),
        "crit": st.just(["exp"])}))
segments = st.text(max_size=60) | st.binary(max_size=60).map(b64)


@pytest.fixture(scope="module")
def verifier(jwks) -> TokenVerifier:
    verifier = TokenVerifier(jwks.issuer, "provider-apps")
    return verifier


def refused(verifier: TokenVerifier, token: object) -> None:
    with pytest.raises(InvalidToken):
        verifier.verify(token)
    with pytest.raises(InvalidToken):
        verifier.verify_id_token(token, nonce="n")
    with pytest.raises(InvalidToken):
        verifier.verify_logout_token(token)


@FUZZ
@given(header=headers, payload=json_values, signature=segments)
def test_random_headers_and_payloads_are_refused(verifier, header, payload, signature):
    token = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}.{signature}"
    refused(verifier, token)


@FUZZ
@given(payload=json_values | st.binary(max_size=80).map(lambda raw: raw))
def test_random_payloads_with_a_genuine_signature_are_refused(verifier, signing_key, payload):
    # The claims path gets garbage only when the signature holds: sign it for real.
    refused(verifier, signed(signing_key, {"alg": "RS256", "kid": "k1"}, payload))


@FUZZ
@given(parts=st.lists(segments, max_size=6))
def test_random_segments_are_refused(verifier, parts):
    refused(verifier, ".".join(parts))


@FUZZ
@given(changes=st.dictionaries(
    st.sampled_from(["iss", "aud", "typ", "exp", "nbf", "iat", "sub", "jti"]),
    json_values, min_size=1, max_size=3))
def test_claims_of_the_wrong_shape_are_refused_or_still_honour_the_contract(
        verifier, jwks, signing_key, changes):
    token = sign(signing_key, access_claims(jwks.issuer, **changes))
    try:
        claims = verifier.verify(token)
    except InvalidToken:
        return
    # Accepted only if every contract claim still holds (a change may have been harmless).
    assert claims["iss"] == jwks.issuer and claims["typ"] == "Bearer"
    assert "provider-apps" in ([claims["aud"]] if isinstance(claims["aud"], str)
                               else claims["aud"])


@pytest.mark.parametrize("header", [[], None, "RS256", 12, [{"alg": "RS256", "kid": "k1"}],
                                    {"alg": "RS256"}, {"kid": "k1"}, {"alg": "none", "kid": "k1"},
                                    {"alg": "RS256", "kid": 1}, {"alg": ["RS256"], "kid": "k1"}])
def test_headers_that_are_not_a_usable_json_object_are_refused(verifier, jwks, signing_key,
                                                               header):
    refused(verifier, signed(signing_key, header, access_claims(jwks.issuer)))


@pytest.mark.parametrize("token", [
    None, b"a.b.c", 42, ["a", "b", "c"], {"token": "x"}, "", "not-a-token", "a.b", "a.b.c.d",
    "a.b.c.d.e", "..", "a..c", "!!!.???.###", "eyJhbGciOiJSUzI1NiJ9.e30.", "é.é.é",
    "\ud800.a.b", "x" * 10_000_000, ".".join(["eyJ9"] * 3)])
def test_malformed_tokens_are_refused(verifier, token):
    refused(verifier, token)


def test_deeply_nested_json_is_refused_not_a_recursion_error(verifier, signing_key):
    ours = {"alg": "RS256", "kid": "k1"}
    refused(verifier, signed(signing_key, ours, b"[" * 100_000 + b"]" * 100_000))
    refused(verifier, f"{b64(b'[' * 1500)}.e30.c2ln")


def test_a_payload_with_an_enormous_number_is_refused(verifier, signing_key):
    ours = {"alg": "RS256", "kid": "k1"}
    refused(verifier, signed(signing_key, ours, b'{"exp": ' + b"9" * 50_000 + b"}"))


def test_padding_and_the_standard_alphabet_are_refused(verifier, jwks, signing_key):
    token = sign(signing_key, access_claims(jwks.issuer))
    assert verifier.verify(token)["typ"] == "Bearer"
    header, payload, signature = token.split(".")
    standard = signature.replace("-", "+").replace("_", "/")
    if standard != signature:
        refused(verifier, f"{header}.{payload}.{standard}")
    refused(verifier, f"{header}.{payload}.{signature}==")
    refused(verifier, f"{header}.{payload}.{signature[:-1]}")
