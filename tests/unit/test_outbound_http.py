"""Keycloak calls read the proxy and CA settings once, when their session is made (requests
would otherwise scan the environment on every call: bench/NOTES.md), and still obey them."""

from __future__ import annotations

import pytest
import requests

from idp_bridge.keycloak.http import environment_read_once

KEYCLOAK = "https://sso.plan.example/realms/provider-portal/protocol/openid-connect/token"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy",
                 "https_proxy", "all_proxy", "no_proxy", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)


def test_a_proxy_in_the_environment_is_used_without_reading_it_per_call(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.plan.example:3128")
    session = environment_read_once(requests.Session(), KEYCLOAK)
    assert session.trust_env is False
    assert session.proxies["https"] == "http://proxy.plan.example:3128"
    # What requests would do per call, from the session alone now.
    monkeypatch.delenv("HTTPS_PROXY")
    prepared = session.prepare_request(requests.Request("POST", KEYCLOAK))
    settings = session.merge_environment_settings(prepared.url, {}, None, None, None)
    assert settings["proxies"]["https"] == "http://proxy.plan.example:3128"


def test_no_proxy_for_keycloaks_host_is_honoured(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.plan.example:3128")
    monkeypatch.setenv("NO_PROXY", "sso.plan.example")
    assert "https" not in environment_read_once(requests.Session(), KEYCLOAK).proxies


def test_a_ca_bundle_in_the_environment_is_kept(monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    bundle = tmp_path / "plan-ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    assert environment_read_once(requests.Session(), KEYCLOAK).verify == str(bundle)


def test_nothing_in_the_environment_leaves_verification_on() -> None:
    session = environment_read_once(requests.Session(), KEYCLOAK)
    assert session.verify is True and not session.proxies
