"""The messages table: every code has words, and a brand's own wording where its guide has one."""

from __future__ import annotations

import re
from pathlib import Path

from idp_bridge.messages import BRAND_TEXTS, TEXTS, message

PACKAGE = Path(__file__).resolve().parents[3] / "idp_bridge"
CALL = re.compile(r"""(?:problem|message|Refused|CodeRefused|InvalidIdentifier)\(\s*"""
                  r"""["']([a-z_]+(?:\.[a-z_]+)+)["']""")


def test_every_code_used_in_the_wizard_and_pairs_has_words():
    used: set[str] = set()
    sources = [*(PACKAGE / "registration").rglob("*.py"),
               *(PACKAGE / "registration").rglob("*.html"), PACKAGE / "npi" / "pairs.py",
               PACKAGE / "npi" / "identifiers.py", PACKAGE / "approvals" / "identifiers.py"]
    for path in sources:
        used |= set(CALL.findall(path.read_text()))
    assert used, "the pattern found no codes"
    assert used <= set(TEXTS), sorted(used - set(TEXTS))


def test_brand_wording_overrides_only_known_codes():
    for texts in BRAND_TEXTS.values():
        assert set(texts) <= set(TEXTS)


def test_the_brand_fills_its_names_in():
    assert "Prevea360 Health Plan Administrator" in message("org.denied", brand="wellfirst")
    assert "Dean Health Plan Provider Relations" in message("org.denied", brand="dean")
    assert message("wizard.welcome") == (  # outside a request: the default brand
        "Thank you, and welcome to the Dean Health Plan Provider Portal!")
