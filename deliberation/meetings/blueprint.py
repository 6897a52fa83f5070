"""The meetings blueprint (/meetings/...); its routes are in `views/` (each module's docstring
holds its URL table): views/meetings.py (plan, agenda, publish, minutes, rule sets),
views/live.py (check-in, the chair's and members' live screens, votes), views/notice.py
(resolution notices and objections, and the matter page's meetings section)."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("meetings", __name__, url_prefix="/meetings")


def register(app: Flask) -> None:
    from .views import live, meetings, notice  # noqa: F401  (their routes join the blueprint)

    app.register_blueprint(bp)
