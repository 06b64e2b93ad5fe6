"""What every browser screen must pass, at desktop width and at 390 px: axe-core's WCAG 2.1
A/AA audit (npm, pinned in package-lock.json; no serious or critical violation) and a phone's
viewport with nothing cut off."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from playwright.sync_api import Page, ViewportSize

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


def audit(page: Page) -> list[Violation]:
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


# Screens at both widths ----------------------------------------------------------------------

PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1280, "height": 900}

# Every control a person acts on: after scrolling it into view (inside its table's own box if
# need be) it must lie wholly within the phone's viewport and not be clipped by a parent.
_CUT_OFF_CONTROLS = """() => {
  const width = document.documentElement.clientWidth;
  const words = (el) => (el.innerText || el.value || el.name || '').trim().slice(0, 30);
  const describe = (el) => el.id ? `#${el.id}` : `${el.tagName.toLowerCase()} "${words(el)}"`;
  const problems = [];
  const controls = document.querySelectorAll('a[href], button, input:not([type=hidden]), ' +
      'select, textarea, [tabindex]:not([tabindex="-1"])');
  for (const el of controls) {
    const box = el.getBoundingClientRect();
    if (!el.getClientRects().length || (box.width <= 1 && box.height <= 1)) continue;
    if (getComputedStyle(el).visibility === 'hidden') continue;
    el.scrollIntoView({block: 'nearest', inline: 'nearest'});
    const r = el.getBoundingClientRect();
    if (r.left < -0.5 || r.right > width + 0.5) {
      problems.push(`${describe(el)} spans ${Math.round(r.left)}..${Math.round(r.right)}px`);
      continue;
    }
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (getComputedStyle(p).overflowX === 'visible') continue;
      const clip = p.getBoundingClientRect();
      if (r.left < clip.left - 0.5 || r.right > clip.right + 0.5) {
        problems.push(`${describe(el)} is cut off by its container`);
        break;
      }
    }
  }
  window.scrollTo(0, 0);
  return problems;
}"""


# The innermost elements reaching past the viewport's right edge: what makes a page scroll.
_SIDEWAYS = """() => {
  const width = document.documentElement.clientWidth;
  const past = [...document.body.querySelectorAll('*')].filter(
      (el) => el.getBoundingClientRect().right > width + 0.5);
  return past.filter((el) => !past.some((other) => other !== el && el.contains(other)))
      .slice(0, 4).map((el) => `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}` +
          `${el.classList.length ? '.' + el.classList[0] : ''}`);
}"""


def phone_problems(page: Page, screen: str) -> list[str]:
    """At 390 px: the page itself never scrolls sideways, every control can be reached."""
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    problems = []
    if scroll_width > PHONE["width"]:
        widest = page.evaluate(_SIDEWAYS)
        problems.append(f"{screen}: {scroll_width}px wide at a {PHONE['width']}px viewport "
                        f"(past the edge: {', '.join(widest)})")
    problems += [f"{screen}: {p}" for p in page.evaluate(_CUT_OFF_CONTROLS)]
    return problems


def axe_problems(page: Page, screen: str) -> list[str]:
    # The screen as the user gets it: loaded, with its own scripts run (Keycloak's pages
    # label the attempted username from a script at DOMContentLoaded).
    page.wait_for_load_state("load")
    found = blocking(audit(page))
    return [report(screen, found)] if found else []


# Headings, buttons and codes whose box is narrower than one of their words: the browser
# shows that word cut in two ("Organizatio n", "APPROV E", "191876803 1").
_CUT_WORDS = """() => {
  const probe = document.createElement('span');
  probe.style.whiteSpace = 'nowrap';
  probe.style.position = 'absolute';
  probe.style.visibility = 'hidden';
  document.body.appendChild(probe);
  const cut = [];
  for (const el of document.querySelectorAll('thead th, td button, td.keep')) {
    const style = getComputedStyle(el);
    const inner = el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    if (inner < 2) continue;  // not shown (a phone layout hides the table's headings)
    probe.style.font = style.font;
    probe.style.letterSpacing = style.letterSpacing;
    probe.style.textTransform = style.textTransform;
    for (const word of el.innerText.split(/\\s+/).filter(Boolean)) {
      probe.textContent = word;
      if (probe.getBoundingClientRect().width > inner + 0.5) { cut.push(word); break; }
    }
  }
  probe.remove();
  return cut;
}"""


def cut_words(page: Page, screen: str) -> list[str]:
    return [f"{screen}: the word {word!r} is cut in two" for word in page.evaluate(_CUT_WORDS)]


def screen_problems(page: Page, screen: str) -> list[str]:
    """The audit at the page's current width, then the phone checks and the audit at 390 px;
    the viewport is put back as it was."""
    size = page.viewport_size or DESKTOP
    problems = axe_problems(page, f"{screen} @{size['width']}px")
    problems += cut_words(page, f"{screen} @{size['width']}px")
    page.set_viewport_size(PHONE)
    try:
        problems += phone_problems(page, screen)
        problems += axe_problems(page, f"{screen} @{PHONE['width']}px")
    finally:
        page.set_viewport_size(size)
    return problems


def assert_screen_ok(page: Page, screen: str) -> None:
    problems = screen_problems(page, screen)
    assert not problems, "\n".join(problems)
