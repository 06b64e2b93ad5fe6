"""Fast wizard tests: a draft put at any step (tests/support/drafts.py), no Keycloak."""

from tests.support.drafts import wizard_at

__all__ = ["wizard_at"]
