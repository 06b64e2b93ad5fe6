"""Only an access token for our audience from our realm, signed with a published key, passes."""

from __future__ import annotations

import hmac
import json
import time

import pytest
from joserfc.jwk import ECKey, RSAKey

from idp_bridge.tokens import InvalidToken, TokenVerifier
from tests.support.tokens import access_claims, b64, sign, signed


@pytest.fixture(scope="module")
def verifier(jwks) -> TokenVerifier:
    return TokenVerifier(jwks.issuer, "provider-apps")


def test_a_keycloak_shaped_access_token_is_accepted(verifier, jwks, signing_key):
    claims = verifier.verify(sign(signing_key, access_claims(jwks.issuer)))
    assert claims["groups"] == ["/provider-orgs/org-1", "/provider-orgs/org-1/roles/claims"]


@pytest.mark.parametrize("typ", ["ID", "Refresh", "Offline", "Logout", "bearer", None])
def test_tokens_of_other_types_are_refused_as_access_tokens(verifier, jwks, signing_key, typ):
    token = sign(signing_key, access_claims(jwks.issuer, typ=typ, aud="provider-apps"))
    with pytest.raises(InvalidToken, match="token type|typ"):
        verifier.verify(token)


def test_id_tokens_verify_only_as_id_tokens_with_their_nonce(jwks, signing_key):
    verifier = TokenVerifier(jwks.issuer, "idp-bridge")
    id_token = sign(signing_key, access_claims(jwks.issuer, typ="ID", aud="idp-bridge",
                                               nonce="n-123"))
    assert verifier.verify_id_token(id_token, nonce="n-123")["nonce"] == "n-123"
    assert verifier.verify_id_token(id_token)["typ"] == "ID"
    with pytest.raises(InvalidToken, match="nonce"):
        verifier.verify_id_token(id_token, nonce="someone-elses")
    with pytest.raises(InvalidToken, match="token type"):
        verifier.verify(id_token)
    access = sign(signing_key, access_claims(jwks.issuer, aud="idp-bridge"))
    with pytest.raises(InvalidToken, match="token type"):
        verifier.verify_id_token(access)


def _at_hash(access_token: str) -> str:
    import hashlib
    return b64(hashlib.sha256(access_token.encode()).digest()[:16])


def test_id_tokens_are_held_to_the_clients_checks_of_oidc_core(jwks, signing_key):
    """What the bridge's callback asks of an ID token beyond an access token's checks
    (OpenID Connect Core 3.1.3.7-8, as authlib's CodeIDToken checked them): iat present,
    azp the client when present or when there are several audiences, at_hash matching the
    access token issued beside it."""
    verifier = TokenVerifier(jwks.issuer, "idp-bridge")
    access = sign(signing_key, access_claims(jwks.issuer, aud="idp-bridge"))

    def id_token(**changes: object) -> str:
        fields = {"typ": "ID", "aud": "idp-bridge", "nonce": "n-1",
                  "at_hash": _at_hash(access), **changes}
        return sign(signing_key, access_claims(jwks.issuer, **fields))

    claims = verifier.verify_id_token(id_token(), nonce="n-1", access_token=access)
    assert claims["azp"] == "idp-bridge"
    refused = {
        "iat": (id_token(iat=None), "missing claim iat"),
        "azp of another client": (id_token(azp="provider-apps"), "authorized party"),
        "several audiences, no azp": (id_token(aud=["idp-bridge", "account"], azp=None),
                                      "authorized party"),
        "at_hash of another token": (id_token(at_hash=_at_hash(access + "x")),
                                     "access token hash"),
        "no nonce": (id_token(nonce=None), "nonce"),
    }
    for name, (token, reason) in refused.items():
        with pytest.raises(InvalidToken, match=reason):
            verifier.verify_id_token(token, nonce="n-1", access_token=access)
            pytest.fail(name)
    # Several audiences with this client as azp, and no at_hash at all, are fine.
    assert verifier.verify_id_token(id_token(aud=["idp-bridge", "account"], at_hash=None),
                                    nonce="n-1", access_token=access)["sub"]


IN_TWO_MINUTES = object()


@pytest.mark.parametrize(("changes", "reason"), [
    ({"iss": "http://127.0.0.1:1/realms/provider-portal"}, "issuer"),
    ({"iss": ["x"]}, "issuer"),
    ({"aud": ["account"]}, "audience"),
    ({"aud": "idp-bridge"}, "audience"),
    ({"aud": None}, "missing claim aud"),
    ({"exp": int(time.time()) - 31}, "expired"),
    ({"exp": None}, "missing claim exp"),
    ({"exp": "9999999999"}, "exp"),
    # Relative times are worked out when the test runs, not when it is collected: a long
    # session would otherwise turn "two minutes from now" into the past.
    ({"nbf": IN_TWO_MINUTES}, "not yet valid"),
    ({"iat": IN_TWO_MINUTES}, "issued in the future"),
    ({"sub": None}, "missing claim sub"),
    ({"typ": None}, "missing claim typ"),
])
def test_claims_are_checked(verifier, jwks, signing_key, changes, reason):
    changes = {k: int(time.time()) + 120 if v is IN_TWO_MINUTES else v
               for k, v in changes.items()}
    with pytest.raises(InvalidToken, match=reason):
        verifier.verify(sign(signing_key, access_claims(jwks.issuer, **changes)))


def test_clock_skew_is_tolerated_up_to_the_leeway(jwks, signing_key):
    token = sign(signing_key, access_claims(jwks.issuer, iat=999_999_700,
                                                      exp=1_000_000_000))
    assert TokenVerifier(jwks.issuer, "provider-apps",
                         clock=lambda: 1_000_000_029).verify(token)
    with pytest.raises(InvalidToken, match="expired"):
        TokenVerifier(jwks.issuer, "provider-apps", clock=lambda: 1_000_000_031).verify(token)


def test_tampered_payload_fails_the_signature(verifier, jwks, signing_key):
    header, payload, signature = sign(signing_key, access_claims(jwks.issuer)).split(".")
    forged = b64(json.dumps(access_claims(jwks.issuer, groups=["/provider-orgs/x"])).encode())
    with pytest.raises(InvalidToken, match="signature"):
        verifier.verify(f"{header}.{forged}.{signature}")


def test_algorithm_confusion_is_refused(verifier, jwks, signing_key):
    claims = access_claims(jwks.issuer)
    # HS256 keyed with the published public key: the classic RS/HS confusion.
    signing_input = f"{b64(json.dumps({'alg': 'HS256', 'kid': 'k1'}).encode())}." \
                    f"{b64(json.dumps(claims).encode())}"
    mac = hmac.new(signing_key.as_pem(private=False), signing_input.encode(), "sha256")
    with pytest.raises(InvalidToken, match="algorithm"):
        verifier.verify(f"{signing_input}.{b64(mac.digest())}")
    unsigned = f"{b64(json.dumps({'alg': 'none', 'kid': 'k1'}).encode())}." \
               f"{b64(json.dumps(claims).encode())}."
    with pytest.raises(InvalidToken):
        verifier.verify(unsigned)
    # The key is published for RS256: a PS256 signature by the same key is not accepted.
    with pytest.raises(InvalidToken, match="algorithm"):
        verifier.verify(signed(signing_key, {'alg': 'PS256', 'kid': 'k1'}, claims, pss=True))


def test_a_key_we_do_not_publish_is_refused_even_with_a_known_kid(verifier, jwks):
    stranger = ECKey.generate_key("P-256", parameters={"kid": "k1"})
    with pytest.raises(InvalidToken):
        verifier.verify(sign(stranger, access_claims(jwks.issuer), alg="ES256"))


def test_critical_header_extensions_are_refused(verifier, jwks, signing_key):
    token = signed(signing_key, {"alg": "RS256", "kid": "k1", "crit": ["exp"], "exp": 1},
                   access_claims(jwks.issuer))
    with pytest.raises(InvalidToken, match="critical"):
        verifier.verify(token)


def test_ec_and_pss_keys_verify_when_published_for_them(jwks):
    from tests.support.tokens import JwksServer

    with JwksServer() as server:
        ec_key = ECKey.generate_key("P-256", parameters={"kid": "ec", "alg": "ES256",
                                                         "use": "sig"})
        server.keys.append(ec_key)  # type: ignore[arg-type]
        pss_key = server.add_key("pss", alg="PS256")
        verifier = TokenVerifier(server.issuer, "provider-apps")
        assert verifier.verify(sign(ec_key, access_claims(server.issuer), alg="ES256"))
        assert verifier.verify(sign(pss_key, access_claims(server.issuer), alg="PS256"))


def test_a_remembered_token_is_still_checked_for_expiry_and_key_withdrawal(jwks, signing_key):
    now = [time.time()]
    verifier = TokenVerifier(jwks.issuer, "provider-apps", clock=lambda: now[0])
    token = sign(signing_key, access_claims(jwks.issuer))
    first = verifier.verify(token)
    first["groups"].append("/provider-orgs/mallory")  # callers get their own copy
    assert verifier.verify(token)["groups"] == ["/provider-orgs/org-1",
                                                "/provider-orgs/org-1/roles/claims"]
    now[0] += 400
    with pytest.raises(InvalidToken, match="expired"):
        verifier.verify(token)
    now[0] -= 400
    other = ECKey.generate_key("P-256", parameters={"kid": "other", "use": "sig"})
    verifier.keys.load(json.dumps({"keys": [other.as_dict(private=False)]}))  # k1 withdrawn
    with pytest.raises(InvalidToken, match="unknown signing key"):
        verifier.verify(token)


def test_logout_tokens_verify_only_as_logout_tokens(jwks, signing_key):
    verifier = TokenVerifier(jwks.issuer, "idp-bridge")
    event = {"http://schemas.openid.net/event/backchannel-logout": {}}

    def logout(**changes):
        claims = {"typ": "Logout", "aud": "idp-bridge", "sid": "s-1", "events": event}
        return sign(signing_key, access_claims(jwks.issuer, **{**claims, **changes}))

    assert verifier.verify_logout_token(logout())["sid"] == "s-1"
    with pytest.raises(InvalidToken, match="token type"):  # even where the audience fits
        TokenVerifier(jwks.issuer, "provider-apps").verify(logout(aud="provider-apps"))
    for changes, reason in [({"events": {"other": {}}}, "back-channel"),
                            ({"nonce": "n"}, "nonce"), ({"sid": None, "sub": None}, "sid or sub"),
                            ({"typ": "ID"}, "token type"), ({"aud": "provider-apps"}, "audience"),
                            ({"iat": None}, "missing claim iat")]:
        with pytest.raises(InvalidToken, match=reason):
            verifier.verify_logout_token(logout(**changes))


@pytest.mark.filterwarnings("ignore:Key size should be")  # joserfc warns; we skip the key
def test_a_published_rsa_key_shorter_than_2048_bits_is_not_used():
    from tests.support.tokens import JwksServer

    with JwksServer() as server:
        weak = RSAKey.generate_key(1024, parameters={"kid": "weak", "alg": "RS256",
                                                     "use": "sig"}, private=True)
        server.keys.append(weak)
        strong = server.add_key("strong")
        verifier = TokenVerifier(server.issuer, "provider-apps")
        assert verifier.verify(sign(strong, access_claims(server.issuer)))
        with pytest.raises(InvalidToken, match="unknown signing key"):
            verifier.verify(sign(weak, access_claims(server.issuer)))
