"""The public blueprint; its routes live in views.py, exports.py and opendata.py."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("public", __name__)


@bp.app_template_global()
def optional_url(*endpoints: str, **values):
    """`url_for` for endpoints of packages that may not be installed: None when none exists."""
    from .sources import optional_url as _optional_url

    return _optional_url(*endpoints, **values)
