"""The range of dates the app accepts, in one place.

A meeting in year 1 or 9999 cannot be shifted to UTC (or put in an iCal feed) without
overflowing `datetime`, and no deliberation happens then: every date a person types (meetings,
due dates, phases, spending) must lie in EARLIEST..LATEST. Forms say so next to the field and
keep what was typed; services refuse the same dates for any other caller.
"""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import gettext
from wtforms.validators import ValidationError

EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)


def problem(value: date | datetime | None) -> str | None:
    """A message when `value` lies outside the accepted range (None when it is fine or empty)."""
    if value is None:
        return None
    day = value.date() if isinstance(value, datetime) else value
    if EARLIEST <= day <= LATEST:
        return None
    return gettext("请填写 %(a)d 年到 %(b)d 年之间的日期（您填的是 %(v)s）。",
                   a=EARLIEST.year, b=LATEST.year, v=day.isoformat())


class InRange:
    """WTForms validator: the field's date (or date and time) lies in EARLIEST..LATEST."""

    def __call__(self, form, field) -> None:
        if (message := problem(field.data)) is not None:
            raise ValidationError(message)
