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

from idp_bridge.brand import BRANDS, brand_url_setting
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


@pytest.fixture(params=sorted(BRANDS))
def brand(request) -> str:
    """Each health plan's brand, both served by the SAME running bridge and Keycloak."""
    return str(request.param)


@pytest.fixture
def site(brand, bridge, live_app) -> str:  # bridge: the running server behind the address
    """The brand's own address on the running bridge (the default brand at its root, the
    other under its path, e.g. /b/wellfirst: the bridge's dev and test routing)."""
    return str(live_app.config[brand_url_setting(brand)]).rstrip("/")


@pytest.fixture
def journey(browser, brand, request) -> Iterator[Journey]:
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.set_default_timeout(20_000)
    name = re.sub(r"\[.*\]$", "", request.node.name).removeprefix("test_")
    yield Journey(page, SCREENSHOTS / brand / name)
    context.close()
