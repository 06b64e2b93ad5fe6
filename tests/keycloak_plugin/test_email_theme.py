"""The email theme (realm-wide, both brands) names each brand as the brand definition does
(idp_bridge/brand): the plan's name, the logo panel's tagline and colour. No server needed."""

from __future__ import annotations

from pathlib import Path

import pytest

from idp_bridge.brand import BRANDS
from idp_bridge.config import REPO_ROOT

EMAIL_THEME = REPO_ROOT / "keycloak/src/main/resources/theme/provider-portal/email"


def properties(path: Path) -> dict[str, str]:
    """Java properties as Keycloak reads them (MessageFormat's '' is one quote)."""
    found: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            found[key.strip()] = value.strip().replace("''", "'")
    return found


@pytest.mark.parametrize("key", sorted(BRANDS))
def test_each_brand_has_its_words_in_the_email_theme(key):
    words = properties(EMAIL_THEME / "messages" / "messages_en.properties")
    brand = BRANDS[key]
    assert words[f"brandName.{key}"] == brand.plan_name
    assert words[f"brandTagline.{key}"] == brand.tagline
    assert words[f"brandColor.{key}"].lower() == brand.primary_color.lower()


def test_the_email_theme_defaults_to_dean():
    """A user without a brand attribute, or with one the theme has no words for, gets Dean's
    (tests/keycloak_plugin/test_reset.py sends real emails for both brands)."""
    chooser = (EMAIL_THEME / "brand.ftl").read_text(encoding="utf-8")
    assert '(user.attributes.brand)!"dean"' in chooser
    assert '?then(key, "dean")' in chooser
