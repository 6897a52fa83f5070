"""Refuse input no database can store: a NUL character in a query or form value.

PostgreSQL text cannot hold NUL (psycopg raises, which would be a 500), and no person types
one; the request is answered 400 before any view sees it.
"""

from __future__ import annotations

from flask import Flask, abort, request


def init_app(app: Flask) -> None:
    @app.before_request
    def _refuse_nul():
        values = list(request.args.values())
        if request.method in ("POST", "PUT", "PATCH") and request.mimetype in (
                "application/x-www-form-urlencoded", "multipart/form-data"):
            values += list(request.form.values())
        if any("\x00" in v for v in values):
            abort(400)
