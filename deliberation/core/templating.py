"""Jinja filters and globals shared by every template (the packages add their own at start)."""

from __future__ import annotations

from flask import Flask

from . import labels
from .time import localdate, localtime


def init_app(app: Flask) -> None:
    app.jinja_env.filters["localtime"] = localtime
    app.jinja_env.filters["localdate"] = localdate
    app.jinja_env.globals.update(action_label=labels.action_label)
