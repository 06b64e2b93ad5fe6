"""Both brands from one bridge: the request's address picks the brand, and the brand's
definition (idp_bridge/brand) is the one the Keycloak realm and login themes carry."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from flask import Flask, url_for
from werkzeug.test import EnvironBuilder

from idp_bridge.brand import BRANDS, DEFAULT_BRAND, brand_url_setting, current_brand
from idp_bridge.brand.routing import BrandRouter, addresses, external_url, select
from idp_bridge.config import REPO_ROOT
from idp_bridge.mail import enqueue

PRODUCTION = {"dean": "https://provider.deancare.com",
              "wellfirst": "https://providerauth.wellfirstbenefits.com"}
DEV = {"dean": "http://127.0.0.1:5000", "wellfirst": "http://127.0.0.1:5000/b/wellfirst"}
THEMES = REPO_ROOT / "keycloak" / "src" / "main" / "resources" / "theme"
REALM = REPO_ROOT / "keycloak" / "realm" / "provider-portal-realm.json"


def _brand(urls: dict[str, str], host: str, path: str) -> str | None:
    route = select(addresses(urls), host, path)
    return route.brand if route else None


@pytest.mark.parametrize(("host", "path", "brand"), [
    ("provider.deancare.com", "/register", "dean"),
    ("providerauth.wellfirstbenefits.com", "/register", "wellfirst"),
    ("PROVIDERAUTH.WellFirstBenefits.com", "/", "wellfirst"),
    ("providerauth.wellfirstbenefits.com:443", "/", "wellfirst"),  # https's default port
    ("evil.example.org", "/", None),
    ("provider.deancare.com.evil.example.org", "/", None),
    # In production the dev path means nothing: Dean's host stays Dean's.
    ("provider.deancare.com", "/b/wellfirst/register", "dean"),
])
def test_production_host_names_choose_the_brand(host, path, brand):
    assert _brand(PRODUCTION, host, path) == brand


@pytest.mark.parametrize(("host", "path", "brand"), [
    ("127.0.0.1:5000", "/", "dean"),
    ("127.0.0.1:5000", "/register/account", "dean"),
    ("127.0.0.1:5000", "/b/wellfirst", "wellfirst"),
    ("127.0.0.1:5000", "/b/wellfirst/register/account", "wellfirst"),
    ("127.0.0.1:5000", "/b/wellfirstx/register", "dean"),  # a path, not a prefix of a word
    ("127.0.0.1:5001", "/b/wellfirst/", None),  # another port is another address
])
def test_in_dev_one_host_serves_both_brands_by_path(host, path, brand):
    assert _brand(DEV, host, path) == brand


def test_each_brand_page_is_its_own_and_links_stay_on_its_address(client):
    dean = client.get("/register/account", base_url="http://127.0.0.1:5000",
                      follow_redirects=True).get_data(as_text=True)
    wellfirst = client.get("/b/wellfirst/register/account", base_url="http://127.0.0.1:5000",
                           follow_redirects=True)
    page = wellfirst.get_data(as_text=True)
    assert "Dean Health Plan Provider Portal" in dean and "WellFirst" not in dean
    assert "WellFirst Health Provider Portal" in page and "Dean Health Plan" not in page
    assert BRANDS["wellfirst"].primary_color in page
    assert 'href="/b/wellfirst/static/portal.css' in page
    started = client.get("/b/wellfirst/register", base_url="http://127.0.0.1:5000")
    assert started.status_code == 302
    assert started.headers["Location"].startswith("/b/wellfirst/register")


def test_an_unknown_host_is_served_as_the_default_brand(client):
    page = client.get("/register/account", base_url="http://portal.invalid",
                      follow_redirects=True).get_data(as_text=True)
    assert BRANDS[DEFAULT_BRAND].portal_name in page


def test_brands_keep_separate_sessions_on_a_shared_host(client):
    client.get("/b/wellfirst/register", base_url="http://127.0.0.1:5000")
    names = {cookie.key for cookie in client._cookies.values()}
    assert "session-wellfirst" in names and "session" not in names


def test_sign_in_redirects_and_mail_use_the_requests_brand(app: Flask):
    seen: dict[str, object] = {}

    def probe(environ, start_response):  # a WSGI app behind the router
        with app.request_context(environ):
            seen["brand"] = current_brand().key
            seen["callback"] = external_url(url_for("auth.callback"))
            seen["email_brand"] = enqueue("test", "a@clinic.test", "s", "b").brand
        return []

    router = BrandRouter(probe, {key: app.config[brand_url_setting(key)] for key in BRANDS})
    environ = EnvironBuilder(path="/b/wellfirst/register",
                             base_url="http://127.0.0.1:5000").get_environ()
    with app.app_context():
        router(environ, lambda *_: None)
    assert seen == {"brand": "wellfirst",
                    "callback": "http://127.0.0.1:5000/b/wellfirst/auth/callback",
                    "email_brand": "wellfirst"}


def test_rows_made_in_a_request_remember_its_brand(app: Flask, client):
    from idp_bridge.extensions import db
    from idp_bridge.registration.models import RegistrationDraft

    client.get("/b/wellfirst/register", base_url="http://127.0.0.1:5000")
    with app.app_context():
        assert [d.brand for d in db.session.scalars(db.select(RegistrationDraft))] == [
            "wellfirst"]


# The definition and what Keycloak carries -------------------------------------------------


def _css_variables(path: Path) -> dict[str, str]:
    return dict(re.findall(r"(--portal-[a-z-]+)\s*:\s*([^;]+);", path.read_text()))


def _messages(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines()
             if "=" in line and not line.startswith("#"))
    return {key.strip(): value.strip().replace("''", "'") for key, value in pairs}


@pytest.mark.parametrize("key", sorted(BRANDS))
def test_each_login_theme_carries_its_brands_name_and_colours(key):
    brand = BRANDS[key]
    login = THEMES / key / "login"
    css = _css_variables(login / "resources" / "css" / "brand.css")
    expected = brand.css_variables()
    if "--portal-button" not in css:  # the theme's buttons fall back to the accent
        assert expected.pop("--portal-button") == brand.accent_color
    assert {name: value.lower() for name, value in css.items()} == {
        name: value.lower() for name, value in expected.items()}
    words = _messages(login / "messages" / "messages_en.properties")
    assert words["planName"] == brand.plan_name
    assert words["loginTitleHtml"] == brand.portal_name
    assert words["reviewingAdministrator"] == brand.reviewing_admin


@pytest.mark.parametrize("key", sorted(BRANDS))
def test_keycloak_sent_emails_carry_the_brands_name_tagline_and_colour(key):
    """Keycloak's emails (password reset) pick the brand by the user's attribute ``brand``
    from one email theme that holds every brand's words."""
    brand = BRANDS[key]
    words = _messages(THEMES / "provider-portal" / "email" / "messages" / "messages_en.properties")
    assert words[f"brandName.{key}"] == brand.plan_name
    assert words[f"brandTagline.{key}"] == brand.tagline
    assert words[f"brandColor.{key}"].lower() == brand.primary_color


def test_the_realm_has_one_client_per_brand_showing_its_theme():
    realm = json.loads(REALM.read_text())
    clients = {client["clientId"]: client for client in realm["clients"]}
    for brand in BRANDS.values():
        client = clients[brand.client_id]
        assert client["attributes"]["login_theme"] == brand.key
        assert (THEMES / brand.key / "login" / "theme.properties").exists()
        assert all("/auth/callback" in uri for uri in client["redirectUris"])
    dean, wellfirst = clients["idp-bridge"], clients["idp-bridge-wellfirst"]
    # The same tokens either way: the same claims (groups, roles, audience, amr).
    assert [m["name"] for m in dean["protocolMappers"]] == [
        m["name"] for m in wellfirst["protocolMappers"]]
    assert "IDP_WELLFIRST_URL" in wellfirst["redirectUris"][0]


def test_the_realm_user_profile_declares_the_brand_attribute():
    realm = json.loads(REALM.read_text())
    provider = realm["components"]["org.keycloak.userprofile.UserProfileProvider"][0]
    profile = json.loads(provider["config"]["kc.user.profile.config"][0])
    brand = next(a for a in profile["attributes"] if a["name"] == "brand")
    assert brand["validations"]["options"]["options"] == sorted(BRANDS)
    assert brand["permissions"]["edit"] == ["admin"]  # a user cannot move themselves


@pytest.mark.parametrize("base", ["/", "/b/wellfirst/"])
@pytest.mark.parametrize("address", ["", "Signin", "signin"])
def test_the_guides_addresses_lead_to_the_log_in_page(client, base, address):
    """Dean's guide gives the portal's root, WellFirst's ``…/Signin``: signed out, both go to
    the Log In page (``/login``, which hands on to Keycloak's), on the brand's own address."""
    answer = client.get(base + address, base_url="http://127.0.0.1:5000")
    assert answer.status_code == 302
    assert answer.headers["Location"] == base.rstrip("/") + "/login"


def test_the_guides_addresses_ignore_a_next(client):
    answer = client.get("/b/wellfirst/Signin?next=https://evil.example/",
                        base_url="http://127.0.0.1:5000")
    assert answer.headers["Location"] == "/b/wellfirst/login"
