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
    journey = Journey(page, SCREENSHOTS / brand / name)
    yield journey
    page = journey.page  # the last person's browser
    if request.node.stash.get(CALL_FAILED, False):
        # What the browser showed when the test gave up: the page and its address.
        folder = SCREENSHOTS / brand / name
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / "failure.png"), full_page=True)
        (folder / "failure.html").write_text(f"<!-- {page.url} -->\n{page.content()}")
    page.context.close()


CALL_FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):  # type: ignore[no-untyped-def]
    report = (yield).get_result()
    if report.when == "call":
        item.stash[CALL_FAILED] = report.failed
