"""The two health-plan brands this system serves at the same time (one per user guide).

A brand is defined here once: its names and wording, colours, logo panel, the Keycloak
client it signs people in through (whose login theme carries the same name and colours —
tests/unit/test_brands.py fails when the theme drifts from this definition) and the host
name its guide gives. Which brand a request is for is decided by the address it came to
(``routing.py``); ``current_brand()`` answers for the request being served.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import has_request_context, request


@dataclass(frozen=True)
class Brand:
    key: str  # also the Keycloak login theme's name and the user attribute ``brand``
    plan_name: str
    portal_name: str
    reviewing_admin: str
    company: str
    # The logo panel: the plan's name over its tagline (Dean's guide: "A member of SSM Health").
    tagline: str
    primary_color: str  # header, headings
    accent_color: str  # card edge, tips
    accent_dark_color: str  # hover, links
    button_color: str  # buttons: dark enough for white text (WCAG AA)
    client_id: str  # this brand's OIDC client in the realm
    host: str  # where the guide sends providers (production)

    def css_variables(self) -> dict[str, str]:
        """The custom properties the brand's Keycloak theme (css/brand.css) sets."""
        return {"--portal-primary": self.primary_color, "--portal-accent": self.accent_color,
                "--portal-accent-dark": self.accent_dark_color,
                "--portal-button": self.button_color}


BRANDS = {
    "dean": Brand(
        key="dean",
        plan_name="Dean Health Plan",
        portal_name="Dean Health Plan Provider Portal",
        reviewing_admin="Dean Health Plan Administrator",
        company="SSM Health Plan",
        tagline="A member of SSM Health",
        primary_color="#0b3a5d",
        accent_color="#00857c",
        accent_dark_color="#006b63",
        button_color="#00857c",
        client_id="idp-bridge",
        host="provider.deancare.com",
    ),
    "wellfirst": Brand(
        key="wellfirst",
        plan_name="WellFirst Health",
        portal_name="WellFirst Health Provider Portal",
        reviewing_admin="Prevea360 Health Plan Administrator",
        company="SSM Health Insurance Company and SSM Health Plan",
        tagline="SSM Health Insurance Company and SSM Health Plan",
        primary_color="#4b2a7b",
        accent_color="#e07a1f",
        accent_dark_color="#8f4207",
        button_color="#b35309",
        client_id="idp-bridge-wellfirst",
        host="providerauth.wellfirstbenefits.com",
    ),
}

# Served where a request's address names no brand, and outside requests (CLI, deliverer).
DEFAULT_BRAND = "dean"

# WSGI environ key the router (routing.py) stores the request's brand under.
ENVIRON_KEY = "idp_bridge.brand"


def brand_url_setting(key: str) -> str:
    """The setting naming a brand's public address, e.g. IDP_WELLFIRST_URL."""
    return f"IDP_{key.upper()}_URL"


def current_brand() -> Brand:
    """The brand of the request being served (the default brand outside a request)."""
    if has_request_context():
        return BRANDS.get(request.environ.get(ENVIRON_KEY, DEFAULT_BRAND),
                          BRANDS[DEFAULT_BRAND])
    return BRANDS[DEFAULT_BRAND]


def request_brand_key() -> str:
    """Column default for rows that remember their brand: the request's."""
    return current_brand().key


def brand_or_default(key: str | None) -> Brand:
    """A stored brand key (organization, membership, email) as a Brand; rows made before
    brands were stored belong to the default brand."""
    return BRANDS.get(key or DEFAULT_BRAND, BRANDS[DEFAULT_BRAND])
