"""An organization's key names its NPI and never its TIN (idp_bridge/organizations/keys.py)."""

from __future__ import annotations

from idp_bridge.organizations.keys import earlier_releases_key, organization_key

NPI, TIN = "1234567893", "415500026"


def test_the_key_names_the_npi_and_hides_the_tin() -> None:
    key = organization_key(NPI, TIN, "secret")
    assert key.startswith(f"{NPI}-") and TIN not in key
    assert not earlier_releases_key(key, [(NPI, TIN)])


def test_the_same_pair_always_gets_the_same_key() -> None:
    assert organization_key(NPI, TIN, "secret") == organization_key(NPI, TIN, "secret")


def test_one_npis_organizations_get_different_keys() -> None:
    assert organization_key(NPI, TIN, "secret") != organization_key(NPI, "415500027", "secret")


def test_without_the_secret_the_tin_cannot_be_tested_against_the_key() -> None:
    assert organization_key(NPI, TIN, "secret") != organization_key(NPI, TIN, "other")


def test_earlier_releases_keys_are_recognised() -> None:
    assert earlier_releases_key(f"{NPI}-{TIN}", [(NPI, TIN)])
    assert not earlier_releases_key(f"{NPI}-{TIN}", [(NPI, "999999999")])


def test_a_tin_that_is_part_of_its_own_npi_is_not_mistaken_for_an_old_key() -> None:
    npi, tin = "1415500026", "415500026"  # the TIN is the NPI's last nine digits
    key = organization_key(npi, tin, "secret")
    assert tin in key and not earlier_releases_key(key, [(npi, tin)])
