"""The key the test stack gives an organization registered with a pair (the stack runs in
dev mode, so with the dev secret): tests name an organization's group and addresses by it
before and after the organization exists."""

from __future__ import annotations

from collections.abc import Mapping

from idp_bridge.config import dev_environment
from idp_bridge.organizations.keys import organization_key

DEV_SECRET = dev_environment()["IDP_SECRET_KEY"]


def org_key(org: Mapping[str, str]) -> str:
    """``org`` has ``npi`` and ``tin`` (with or without its dash)."""
    return organization_key(org["npi"], org["tin"].replace("-", ""), DEV_SECRET)
