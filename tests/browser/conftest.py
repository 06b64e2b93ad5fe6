"""Playwright driving Debian's Chromium against the real bridge and the real Keycloak.

Screenshots of every key screen land in ``test-artifacts/screenshots/<brand>/<journey>/``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from idp_bridge.brand import BRANDS, brand_url_setting
from tests.support.browser import DESKTOP, SCREENSHOTS, Journey


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
