"""Security headers on every response, and long-lived caching for versioned static files."""

from __future__ import annotations

from flask import Flask, Response, request

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
])


def init_app(app: Flask) -> None:
    @app.after_request
    def _security_headers(response: Response) -> Response:
        h = response.headers
        h.setdefault("Content-Security-Policy", CSP)
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("Referrer-Policy", "same-origin")
        h.setdefault("X-Frame-Options", "DENY")
        h.setdefault("Permissions-Policy", "geolocation=(), microphone=(), camera=(self)")
        h.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if not app.debug and request.is_secure:
            h.setdefault("Strict-Transport-Security", "max-age=31536000")
        if request.endpoint == "static":
            # Flask sends files with `no-cache` (SEND_FILE_MAX_AGE_DEFAULT unset), which would
            # make the browser revalidate every file on every page.
            response.cache_control.no_cache = None
            response.cache_control.public = True
            if request.args.get("v"):
                response.cache_control.max_age = 31536000
                response.cache_control.immutable = True
            else:  # an old or hand-typed URL: cached for a day, then revalidated by ETag
                response.cache_control.max_age = 86400
        elif response.mimetype == "text/html":
            response.cache_control.no_store = True
        return response
