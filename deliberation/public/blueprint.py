"""The public blueprint; its routes live in views.py, exports.py and opendata.py."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("public", __name__)


def register(app: Flask) -> None:
    from .views import exports, opendata, pages  # noqa: F401  (their routes join the blueprint)

    app.register_blueprint(bp)
