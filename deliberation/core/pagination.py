"""Pagination. Offset pages for small admin lists; keyset cursors live with the big lists."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select

from ..extensions import db


@dataclass
class Page:
    items: list[Any]
    number: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def page_number(page: str | int | None) -> int:
    try:
        return max(1, min(int(page or 1), 10_000))
    except (TypeError, ValueError):
        return 1


def paginate_list(items: list[Any], page: str | int | None, *, per_page: int = 20) -> Page:
    """A page of a list already in memory (one sorted by a score computed in Python)."""
    number = page_number(page)
    start = (number - 1) * per_page
    return Page(items[start:start + per_page], number, per_page, len(items))


def paginate(query: Select, page: str | int | None, *, per_page: int = 20,
             rows: bool = False) -> Page:
    """Offset pagination; `rows=True` returns row tuples for multi-entity selects."""
    number = page_number(page)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    limited = query.limit(per_page).offset((number - 1) * per_page)
    items = db.session.execute(limited).all() if rows else db.session.scalars(limited).all()
    return Page(list(items), number, per_page, total or 0)
