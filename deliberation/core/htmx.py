"""Page or partial: the same template pieces serve a full page and an htmx swap."""

from __future__ import annotations

from flask import make_response, render_template, request
from werkzeug.wrappers import Response


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def render(page: str, partial: str | None = None, status: int = 200, **context) -> Response:
    """Render `partial` for htmx requests and `page` otherwise; always `Vary: HX-Request`."""
    template = partial if partial and is_htmx() else page
    response = make_response(render_template(template, **context), status)
    response.headers.add("Vary", "HX-Request")
    return response
