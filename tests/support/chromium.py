"""One Chromium for the whole test session (a pytest plugin registered by tests/conftest.py).

Playwright's sync API allows one running instance per process, so every suite that drives a
browser (the journeys, the Keycloak pages at phone width) shares this one.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.support.browser import SCREENSHOTS

CHROMIUM = "/usr/bin/chromium"  # Debian's (Playwright's own download is not reachable)


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
