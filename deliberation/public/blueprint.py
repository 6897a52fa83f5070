"""The public blueprint; its routes live in views.py, exports.py and opendata.py."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("public", __name__)
