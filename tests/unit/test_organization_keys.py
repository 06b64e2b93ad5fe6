"""An organization's key names its NPI and never its TIN (idp_bridge/organizations/keys.py)."""

from __future__ import annotations

from idp_bridge.organizations.keys import names_a_tin, organization_key

NPI, TIN = "1234567893", "415500026"


def test_the_key_names_the_npi_and_hides_the_tin() -> None:
    key = organization_key(NPI, TIN, "secret")
    assert key.startswith(f"{NPI}-") and TIN not in key
    assert not names_a_tin(key, [TIN])


def test_the_same_pair_always_gets_the_same_key() -> None:
    assert organization_key(NPI, TIN, "secret") == organization_key(NPI, TIN, "secret")


def test_one_npis_organizations_get_different_keys() -> None:
    assert organization_key(NPI, TIN, "secret") != organization_key(NPI, "415500027", "secret")


def test_without_the_secret_the_tin_cannot_be_tested_against_the_key() -> None:
    assert organization_key(NPI, TIN, "secret") != organization_key(NPI, TIN, "other")


def test_earlier_releases_keys_are_recognised() -> None:
    assert names_a_tin(f"{NPI}-{TIN}", [TIN])
    assert not names_a_tin(f"{NPI}-{TIN}", ["", "999999999"])
