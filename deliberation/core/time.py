"""Time in one place: naive UTC in the database, so tests can move the clock."""

from __future__ import annotations

from datetime import UTC, datetime

from flask_babel import format_datetime

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


def localtime(value: datetime | None) -> str:
    """Stored naive UTC → the street's local time (Asia/Shanghai by default)."""
    return format_datetime(value, "yyyy-MM-dd HH:mm") if value else ""


def localdate(value: datetime | None) -> str:
    """Stored naive UTC → the street's local date."""
    return format_datetime(value, "yyyy-MM-dd") if value else ""
