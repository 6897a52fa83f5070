"""Versioned static URLs: `?v=<content hash>` lets browsers cache files for a year."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from flask import Flask, current_app, url_for


@cache
def _digest(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def static_url(filename: str) -> str:
    path = Path(current_app.static_folder) / filename
    version = _digest(str(path)) if path.is_file() else "0"
    return url_for("static", filename=filename, v=version)


def init_app(app: Flask) -> None:
    app.jinja_env.globals["static_url"] = static_url
