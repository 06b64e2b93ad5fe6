"""axe-core (npm, pinned in package-lock.json) run inside a Playwright page: the WCAG 2.1 A/AA
audit every browser journey screen must pass with no serious or critical violation."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from idp_bridge.config import REPO_ROOT

AXE_JS = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = ("serious", "critical")


@dataclass(frozen=True)
class Violation:
    rule: str
    impact: str
    help: str
    targets: tuple[str, ...]

    def __str__(self) -> str:
        where = ", ".join(self.targets[:6]) + (" …" if len(self.targets) > 6 else "")
        return f"{self.rule} ({self.impact}): {self.help} — at {where}"


@cache
def _axe_source() -> str:
    if not AXE_JS.exists():
        raise RuntimeError(f"{AXE_JS} is missing: run `npm ci` (make setup does)")
    return AXE_JS.read_text(encoding="utf-8")


def audit(page: Any) -> list[Violation]:
    """Every WCAG 2.1 A/AA violation axe finds on the page as it is now."""
    # page.evaluate runs over the DevTools protocol, so the page's Content-Security-Policy
    # (our own scripts only) does not block the audit script, and the page stays as served.
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(_axe_source())
    found = page.evaluate(
        """async (tags) => (await axe.run(document, {
               runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})).violations
           .map(v => ({rule: v.id, impact: v.impact || 'minor', help: v.help,
                       targets: v.nodes.map(n => n.target.join(' '))}))""",
        WCAG_21_AA)
    return [Violation(v["rule"], v["impact"], v["help"], tuple(v["targets"])) for v in found]


def blocking(violations: list[Violation], known: frozenset[str] = frozenset()) -> list[Violation]:
    """The serious and critical ones, less the rules a caller tracks elsewhere (`known`)."""
    return [v for v in violations if v.impact in BLOCKING and v.rule not in known]


def report(screen: str, violations: list[Violation]) -> str:
    lines = "\n".join(f"  - {v}" for v in violations)
    return f"{screen}: {len(violations)} serious/critical WCAG 2.1 AA violation(s)\n{lines}"


def assert_accessible(page: Any, screen: str, known: frozenset[str] = frozenset()) -> None:
    found = blocking(audit(page), known)
    assert not found, report(screen, found)
