"""Refuse input no database can store: a NUL character in a query or form value, an id
beyond 64 bits.

PostgreSQL text cannot hold NUL (psycopg raises, which would be a 500), and no person types
one; the request is answered 400 before any view sees it. A 25-digit number overflows SQLite's
INTEGER (OverflowError, a 500): `<int:>` in every route stops at the largest 64-bit id (so
such a URL is a 404), and `int_arg` reads numeric form and query fields the same way.
"""

from __future__ import annotations

from flask import Flask, abort, request
from werkzeug.routing import IntegerConverter

MAX_ID = 2**63 - 1  # the largest value of a signed 64-bit column (SQLite INTEGER, bigint)


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` that does not match numbers no id column can hold (werkzeug answers 404).

    The digit count is in the pattern, so a longer number matches no rule at all (404 for every
    method); `max` catches the 19-digit numbers above the limit.
    """

    regex = r"\d{1,19}"

    def __init__(self, map, *args, **kwargs) -> None:  # noqa: A002  (werkzeug's name)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def int_arg(raw: object, *, default: int | None = None) -> int | None:
    """A positive id typed into a form or query field, or `default` when it is not one."""
    text = str(raw or "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > 19:
        return default
    value = int(text)
    return value if 0 < value <= MAX_ID else default


def init_app(app: Flask) -> None:
    # Before any blueprint is registered: rules pick their converter when they are added.
    app.url_map.converters["int"] = BoundedIntConverter

    @app.before_request
    def _refuse_nul():
        values = list(request.args.values())
        if request.method in ("POST", "PUT", "PATCH") and request.mimetype in (
                "application/x-www-form-urlencoded", "multipart/form-data"):
            values += list(request.form.values())
        if any("\x00" in v for v in values):
            abort(400)
