"""The one address formatter: the review page, the questionnaire and exports all use it.

No imports from the rest of the bridge, so the registry's records (``npi.registry``) can use
it too.
"""

from __future__ import annotations


def format_address(line1: str, line2: str, city: str, state: str, postal_code: str) -> str:
    """``3300 GALLOWS RD, FALLS CHURCH, VA 22042``: empty parts leave no gap or stray space
    (ZIP+4 is shown as its first five digits, as the registry's pages do)."""
    street = " ".join(p.strip() for p in (line1, line2) if p and p.strip())
    place = " ".join(p.strip() for p in (state, postal_code[:5]) if p and p.strip())
    return ", ".join(p for p in (street, city.strip(), place) if p)
