"""bench/keycloak_cost.py sorts Keycloak's CPU samples into the parts of a sign-in; its row
says which Keycloak it measured."""

from __future__ import annotations

from bench import report
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


def _cost(**extra: object) -> dict[str, object]:
    return {"mode": "production", "cpu_ms_per_step": {"password": 38.6}, "cpu_ms_per_sign_in": 76.3,
            "jit_ms_per_sign_in": 39.1, "sizing_guide_ms": 66.7,
            "memory_before": {"heap_used_mib": 75.0, "rss_mib": 554.0},
            "memory_after": {"heap_used_mib": 85.0, "rss_mib": 587.0, "extra_sessions": 10_000},
            **extra}


def test_keycloaks_cost_row_says_whether_the_password_hash_ran_inlined():
    """The hash is half of a sign-in's cost and its speed was a draw per start until the
    tenth pass of issue 26: the row says which Keycloak it measured."""
    def row(**extra: object) -> str:
        return report.rows({"sections": {"keycloak_cost": _cost(**extra)}})[0][1]

    assert "password hash" not in row()  # runs from before the recording
    assert "the password hash: its Blake2b steps inlined" in row(
        keycloak_inlined=["org/bouncycastle/crypto/generators/Argon2BytesGenerator.F"])
    assert "the password hash: the JIT's default" in row(keycloak_inlined=[])
