"""Browser journeys' screenshots and the phone-width check (Playwright pages)."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page

from idp_bridge.config import REPO_ROOT
from tests.support.axe import assert_screen_ok

SCREENSHOTS = REPO_ROOT / "test-artifacts" / "screenshots"
PHONE_WIDTH = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


class Journey:
    """A browser tab that files numbered screenshots and checks each screen fits a phone."""

    def __init__(self, page: Page, folder: Path) -> None:
        self.page = page
        self.folder = folder
        self.count = 0

    def new_person(self) -> Page:
        """Someone else at the keyboard: a fresh browser (no cookies, no storage, no page
        state), as when the next person in the guide sits down; the old one is closed."""
        old = self.page.context
        assert old.browser is not None
        context = old.browser.new_context(viewport=self.page.viewport_size or DESKTOP)
        self.page = context.new_page()
        self.page.set_default_timeout(20_000)
        old.close()
        return self.page

    def shot(self, name: str) -> None:
        self.count += 1
        self.folder.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(self.folder / f"{self.count:02d}-{name}.png"),
                             full_page=True)

    def fits_phone(self) -> None:
        """No horizontal scrolling at a phone's width."""
        size = self.page.viewport_size
        self.page.set_viewport_size(PHONE_WIDTH)
        overflow = self.page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth")
        self.page.set_viewport_size(size or DESKTOP)
        assert overflow <= 0, f"{self.page.url} scrolls sideways by {overflow}px on a phone"

    def step(self, name: str) -> None:
        """A screen of the journey: axe-core's WCAG 2.1 AA audit at this width and at 390 px,
        where nothing may be cut off either (tests/support/axe.py), then its screenshot."""
        assert_screen_ok(self.page, name)
        self.shot(name)
