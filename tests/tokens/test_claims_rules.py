"""The verifier's compiled claims rules decide exactly as joserfc's own registry does.

``idp_bridge.tokens.ClaimsRegistry`` builds each claim's check once (for speed, see
bench/NOTES.md); joserfc's ``JWTClaimsRegistry`` is the reference. Over any claims — right,
wrong, missing, of any JSON shape, at any time — both accept the same tokens and refuse the
others with the same error and the same claim named. (Where several claims are wrong, the
one named depends on the order claims are looked at: joserfc goes in the payload's order, ours
in a fixed one, so joserfc is handed the payload in that order.)
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from joserfc.errors import JoseError
from joserfc.jwt import JWTClaimsRegistry

from idp_bridge.tokens import ClaimsRegistry

NOW = 1_800_000_000
ISSUER = "https://login.example.org/realms/provider-portal"

OPTIONS: dict[str, Any] = dict(
    iss={"essential": True, "value": ISSUER},
    aud={"essential": True, "value": "provider-apps"},
    typ={"essential": True, "value": "Bearer"},
    exp={"essential": True}, sub={"essential": True},
    nonce={"essential": False, "values": ["n-1", "n-2"]})

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner,
                                                                 max_size=3),
    max_leaves=6)
times = st.integers(NOW - 100, NOW + 100) | st.floats(allow_nan=True) | json_values
claims = st.fixed_dictionaries({}, optional={
    "iss": st.sampled_from([ISSUER, ISSUER + "/", ""]) | json_values,
    "aud": st.sampled_from(["provider-apps", ["account", "provider-apps"], ["account"], []])
    | json_values,
    "typ": st.sampled_from(["Bearer", "ID", ""]) | json_values,
    "sub": st.sampled_from(["u-1", ""]) | json_values,
    "jti": st.text(max_size=3) | json_values,
    "nonce": st.sampled_from(["n-1", "n-3", ["n-2"], []]) | json_values,
    "exp": times, "nbf": times, "iat": times, "azp": json_values})


def outcome(registry: JWTClaimsRegistry, payload: dict[str, Any]) -> tuple[str, str] | None:
    try:
        registry.validate(payload)
    except JoseError as exc:
        return exc.error, str(getattr(exc, "claim", ""))
    return None


@settings(max_examples=800)
@given(claims, st.integers(0, 60))
def test_compiled_claims_rules_match_joserfc(payload, leeway):
    ours = ClaimsRegistry(now=lambda: NOW, leeway=leeway, **OPTIONS)
    theirs = JWTClaimsRegistry(now=lambda: NOW, leeway=leeway, **OPTIONS)
    order = [name for name, _ in ours._checks]
    in_our_order = dict(sorted(payload.items(), key=lambda item: order.index(item[0])
                               if item[0] in order else len(order)))
    assert outcome(ours, payload) == outcome(theirs, in_our_order)
