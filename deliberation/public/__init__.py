"""Public pages: the board, statistics, decisions, exports and open data (reads only)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from . import more_exports

    more_exports.register_all()
