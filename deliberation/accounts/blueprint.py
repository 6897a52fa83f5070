"""The accounts blueprint; its routes are in `views/` (each module's docstring holds its URL
table)."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("accounts", __name__)


def register(app: Flask) -> None:
    from .views import accounts, code, verify  # noqa: F401  (their routes join the blueprint)

    app.register_blueprint(bp)
