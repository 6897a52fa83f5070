"""The notifications blueprint; its routes are in `views/` (each module's docstring holds its URL
table)."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


def register(app: Flask) -> None:
    from .views import bell, delivery, preferences  # noqa: F401  (their routes join the blueprint)

    app.register_blueprint(bp)
