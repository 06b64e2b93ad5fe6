"""Operations unit tests use the fast wizard (tests/support/drafts.py)."""

from tests.support.drafts import wizard_at

__all__ = ["wizard_at"]
