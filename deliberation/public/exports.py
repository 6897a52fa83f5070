"""CSV exports for station staff, as a registry: each export is one small function.

URL table:
    /exports                 public.exports        the list (staff)
    /exports/<name>.csv      public.export_csv     one export (staff)
    /exports/<name>.xlsx     public.export_xlsx    the same rows as an Excel workbook (staff)

Files are UTF-8 with a byte-order mark, so Excel opens the Chinese correctly. Every export
shows only what the public record shows: a hidden proposer appears as 匿名居民, and no phone
number, internal note or individual secret-ballot choice is ever a column. A cell that starts
like a formula is prefixed with an apostrophe so a spreadsheet does not run it.
The meetings and tracking exports are in `more_exports.py`, registered at app start.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from flask import url_for
from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..core.spreadsheet import cell
from ..extensions import db
from ..matters.models import Channel, Matter
from ..matters.states import MatterState as S

BOM = "\ufeff"


@dataclass(frozen=True)
class Export:
    name: str
    label: str
    header: list[str]
    rows: Callable[[], Iterable[list]]


REGISTRY: dict[str, Export] = {}


def register(name: str, label: str, header: list[str]):
    """Decorator: `rows()` yields one list per line, in the header's order."""
    def wrap(rows: Callable[[], Iterable[list]]) -> Callable[[], Iterable[list]]:
        REGISTRY[name] = Export(name, label, header, rows)
        return rows
    return wrap


def when(value) -> str:
    return format_datetime(value, "yyyy-MM-dd HH:mm") if value else ""


def lines(export: Export) -> Iterator[str]:
    """The CSV text, line by line; rows are read from the database in batches."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def flush() -> str:
        out = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return out

    writer.writerow(export.header)
    yield BOM + flush()
    for row in export.rows():
        writer.writerow([cell(v) for v in row])
        yield flush()


def _batched(query, size: int = 500) -> Iterator:
    """Rows by id in batches, so memory stays flat on a large table."""
    last = 0
    model = query.column_descriptions[0]["entity"]
    while True:
        batch = db.session.scalars(query.where(model.id > last).order_by(model.id).limit(size)).all()
        if not batch:
            return
        yield from batch
        last = batch[-1].id


@register("matters", _l("议题（需求清单）"), [
    _l("编号"), _l("标题"), _l("社区"), _l("类别"), _l("地点"),
    _l("状态"), _l("公开说明或结果"), _l("提议人"), _l("来源渠道"), _l("附议数"),
    _l("提交时间"), _l("初审答复时间"), _l("表决时间"), _l("销号时间"), _l("链接")])
def matter_rows() -> Iterator[list]:
    query = (select(Matter).where(Matter.state != S.WITHDRAWN.value)
             .options(selectinload(Matter.community), selectinload(Matter.category),
                      selectinload(Matter.proposer)))
    for m in _batched(query):
        yield [m.id, m.title, m.community.name, m.category.name, m.place, m.status.label,
               m.state_reason, m.public_proposer_name(), Channel(m.channel).label,
               m.cosign_count, when(m.created_at), when(m.first_answer_at), when(m.decided_at),
               when(m.closed_at), url_for("matters.detail", matter_id=m.id, _external=True)]
