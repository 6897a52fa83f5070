"""Static files: versioned URLs (`?v=<content hash>`) cached for a year, no session on them,
and the web-app manifest with the same versioned icon URLs as the page's own links.

A static file is the same for everyone, so its response neither reads nor writes the session:
no `Set-Cookie` and no `Vary: Cookie`, which would make shared caches (and some browsers)
treat every user's copy as different. The manifest's icons used to be plain relative paths
while the page linked the same files with `?v=`: two URLs, so every icon was fetched twice.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path

from flask import Flask, Response, current_app, request, url_for
from flask.sessions import SecureCookieSessionInterface

MANIFEST = "manifest.webmanifest"
SESSIONLESS = {"static", "manifest"}


@cache
def _digest(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def static_url(filename: str) -> str:
    path = Path(current_app.static_folder) / filename
    version = _digest(str(path)) if path.is_file() else "0"
    return url_for("static", filename=filename, v=version)


class SessionInterface(SecureCookieSessionInterface):
    """The signed-cookie session, left alone on responses that are the same for everyone."""

    def save_session(self, app, session, response) -> None:
        if request.endpoint in SESSIONLESS:
            return
        super().save_session(app, session, response)


def manifest() -> Response:
    data = json.loads((Path(current_app.static_folder) / MANIFEST).read_text(encoding="utf-8"))
    for icon in data.get("icons", []):
        icon["src"] = static_url(icon["src"])
    response = current_app.response_class(json.dumps(data, ensure_ascii=False),
                                          mimetype="application/manifest+json")
    response.cache_control.public = True
    response.cache_control.max_age = 86400
    return response


def init_app(app: Flask) -> None:
    app.jinja_env.globals["static_url"] = static_url
    app.session_interface = SessionInterface()
    app.add_url_rule(f"/{MANIFEST}", "manifest", manifest)
