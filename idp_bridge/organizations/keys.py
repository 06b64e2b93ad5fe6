"""An organization's key: the name of its Keycloak group.

The key travels far: every member's tokens carry it in the ``groups`` claim (to every
health-plan application that trusts them), the portal's addresses contain it, the audit trail
records it. So it names the NPI, which is public, and never the TIN: a sole proprietor's TIN
may be their Social Security number. The rest of the key is a keyed digest of the NPI/TIN
pair: one NPI's organizations (one per TIN) stay apart, the same pair always gives the same
key (a retried registration finds the group its first attempt made), and nobody without the
bridge's secret can test TINs against it (there are only a billion).

Stored keys never change when the secret does; only new organizations use the new secret.
"""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app

DIGEST_LENGTH = 12  # hex characters: 48 bits, far beyond the TINs one NPI ever has


def organization_key(npi: str, tin: str, secret: str) -> str:
    """``<npi>-<digest>`` for the pair (``tin`` as nine digits)."""
    message = f"organization-key\x00{npi}\x00{tin}".encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return f"{npi}-{digest[:DIGEST_LENGTH]}"


def key_for(npi: str, tin: str) -> str:
    """The key a new organization registered with this pair gets, in the running app."""
    return organization_key(npi, tin, current_app.config["SECRET_KEY"])


def earlier_releases_key(key: str, pairs: list[tuple[str, str]]) -> bool:
    """Whether ``key`` is ``<npi>-<tin>`` of one of these (NPI, TIN) pairs, as keys were
    before. (Not "contains a TIN": a TIN can be nine digits of its own NPI.)"""
    return any(key == f"{npi}-{tin}" for npi, tin in pairs)
