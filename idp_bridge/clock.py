"""The bridge's one notion of "now": naive UTC, as every table stores it, or seconds since
the epoch where a time is kept as a number (a session's or a draft's JSON, a float column)."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def epoch() -> float:
    """Seconds since 1970 (what ``time.time()`` answers), from the same clock."""
    return datetime.now(UTC).timestamp()
