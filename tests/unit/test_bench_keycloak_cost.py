"""bench/keycloak_cost.py sorts Keycloak's CPU samples into the parts of a sign-in."""

from __future__ import annotations

from bench.keycloak_cost import categorize


def _sample(*frames: str) -> str:
    lines = "\n".join(f"      {frame}(...) line: 1" for frame in frames)
    return f"jdk.ExecutionSample {{\n  startTime = 07:00:00\n  stackTrace = [\n{lines}\n  ]\n}}\n"


def test_samples_go_to_the_first_part_one_of_their_frames_belongs_to():
    text = (_sample("org.bouncycastle.crypto.generators.Argon2BytesGenerator.fillBlock",
                    "org.keycloak.credential.hash.Argon2PasswordHashProvider.verify")
            + _sample("java.math.BigInteger.modPow",
                      "org.keycloak.crypto.AsymmetricSignatureSignerContext.sign")
            + _sample("org.idpbridge.keycloak.phone.PhoneCodeAuthenticator.action",
                      "org.keycloak.authentication.AuthenticationProcessor.authenticate")
            + _sample("java.util.HashMap.get", "org.keycloak.services.Something.run"))
    result = categorize(text)
    assert result["samples"] == 4
    assert result["share"] == {"password hash (Argon2)": 0.25, "token signing (RSA)": 0.25,
                               "our plugin (phone code, hand-off, claim mapper)": 0.25,
                               "other Keycloak and JVM": 0.25}
    assert result["other_by_package"] == {"java.util.HashMap": 0.25}


def test_no_samples_is_an_empty_profile_not_a_division_by_zero():
    assert categorize("") == {"samples": 0, "share": {}, "other_by_package": {}}
