"""Playwright driving Debian's Chromium against the real bridge and the real Keycloak.

Screenshots of every key screen land in ``test-artifacts/screenshots/<brand>/<journey>/``.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from idp_bridge.brand import get_brand
from tests.support.browser import DESKTOP, SCREENSHOTS, Journey

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (see .ci/run)")
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)  # this run's screenshots only
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"])
        yield browser
        browser.close()


@pytest.fixture(params=["dean", "wellfirst"])
def brand(request, live_app, keycloak) -> Iterator[str]:
    """Run the journey as one health plan's deployment: the bridge's brand and Keycloak's
    login theme (when the plugin's brand themes are installed) switch together."""
    key = request.param
    live_app.extensions["brand"] = get_brand(key)
    themes = {t["name"] for t in keycloak.admin.get_server_info()["themes"].get("login", [])}
    if key in themes:
        keycloak.admin.update_realm(keycloak.realm, {"loginTheme": key})
    yield key
    live_app.extensions["brand"] = get_brand("dean")
    if "dean" in themes:
        keycloak.admin.update_realm(keycloak.realm, {"loginTheme": "dean"})


@pytest.fixture
def journey(browser, brand, request) -> Iterator[Journey]:
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.set_default_timeout(20_000)
    name = re.sub(r"\[.*\]$", "", request.node.name).removeprefix("test_")
    yield Journey(page, SCREENSHOTS / brand / name)
    context.close()
