"""Time in one place: naive UTC in the database, so tests can move the clock."""

from __future__ import annotations

from datetime import UTC, datetime

_frozen: datetime | None = None


def utcnow() -> datetime:
    """The current time as naive UTC (what the database stores)."""
    if _frozen is not None:
        return _frozen
    return datetime.now(UTC).replace(tzinfo=None)


def freeze(moment: datetime | None) -> None:
    """Fix the clock (tests and the demo data use this); `None` releases it."""
    global _frozen
    _frozen = moment
