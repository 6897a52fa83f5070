"""The statistics page's query: an allow-listed set of parameters, each checked.

Only `period`, `start` and `end` are read. Parameters the page does not know are ignored,
not refused: chat apps append their own (WeChat adds `from=singlemessage&isappinstalled=0`)
and a shared link must still open. A known parameter with a bad value is a 400 with a reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask_babel import format_date, gettext, to_utc

PRESETS: dict[str, int | None] = {"30": 30, "90": 90, "365": 365, "all": None}
DEFAULT_PRESET = "365"
EARLIEST = date(2000, 1, 1)


class BadQuery(ValueError):
    """A parameter's value is not acceptable; `str(error)` tells the user why, in Chinese."""


@dataclass(frozen=True)
class Period:
    start: date | None      # first local day included; None = since the beginning
    end: date               # last local day included
    preset: str             # one of PRESETS, or "custom"

    @property
    def start_utc(self) -> datetime | None:
        return to_utc(datetime.combine(self.start, time())) if self.start else None

    @property
    def end_utc(self) -> datetime:
        """Exclusive: the first instant after the last day."""
        return to_utc(datetime.combine(self.end + timedelta(days=1), time()))

    @property
    def label(self) -> str:
        if self.start is None:
            return gettext("截至 %(end)s 的全部议题", end=format_date(self.end, "yyyy-MM-dd"))
        return gettext("%(start)s 至 %(end)s 提交的议题",
                       start=format_date(self.start, "yyyy-MM-dd"),
                       end=format_date(self.end, "yyyy-MM-dd"))

    def query_args(self) -> dict[str, str]:
        if self.preset == "custom":
            return {"start": self.start.isoformat() if self.start else "", "end": self.end.isoformat()}
        return {"period": self.preset}


def _day(value: str, name: str) -> date:
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise BadQuery(gettext("“%(name)s”的日期格式不对，应写成 2024-05-01 这样。",
                               name=name)) from None
    if day < EARLIEST:
        raise BadQuery(gettext("日期不能早于 2000 年。"))
    return day


def parse(args, today: date) -> Period:
    """Read the period from request args; raises BadQuery on a bad value."""
    start_arg, end_arg = (args.get("start") or "").strip(), (args.get("end") or "").strip()
    if start_arg or end_arg:
        start = _day(start_arg, gettext("开始日期")) if start_arg else None
        end = _day(end_arg, gettext("结束日期")) if end_arg else today
        if end > today:
            end = today
        if start and start > end:
            raise BadQuery(gettext("开始日期不能晚于结束日期。"))
        return Period(start, end, "custom")
    preset = args.get("period", DEFAULT_PRESET)
    if preset not in PRESETS:
        raise BadQuery(gettext("不认识的统计时段：“%(value)s”。", value=preset[:20]))
    days = PRESETS[preset]
    start = today - timedelta(days=days - 1) if days else None
    return Period(start, today, preset)
