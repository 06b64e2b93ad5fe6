"""The two health-plan brands this system serves (one per user guide), chosen per deployment."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Brand:
    key: str
    plan_name: str
    portal_name: str
    reviewing_admin: str
    primary_color: str
    accent_color: str
    company: str


BRANDS = {
    "dean": Brand(
        key="dean",
        plan_name="Dean Health Plan",
        portal_name="Dean Health Plan Provider Portal",
        reviewing_admin="Dean Health Plan Administrator",
        primary_color="#0b3a5d",
        accent_color="#00857c",
        company="SSM Health Plan",
    ),
    "wellfirst": Brand(
        key="wellfirst",
        plan_name="WellFirst Health",
        portal_name="WellFirst Health Provider Portal",
        reviewing_admin="Prevea360 Health Plan Administrator",
        primary_color="#4b2a7b",
        accent_color="#e07a1f",
        company="SSM Health Insurance Company and SSM Health Plan",
    ),
}


def get_brand(key: str) -> Brand:
    try:
        return BRANDS[key]
    except KeyError:
        raise ValueError(f"Unknown brand {key!r}; expected one of {sorted(BRANDS)}") from None
