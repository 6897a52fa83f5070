"""What a load balancer and a log collector need from every node.

    /healthz   ops.healthz   200 while the process serves requests (touches nothing else)
    /readyz    ops.readyz    200 when the database, Redis (if configured) and the upload
                             storage answer; 503 naming the one that failed

Both are GET only (no CSRF), need no login and set no cookie. Every response carries an
`X-Request-ID` (the one the proxy sent, if it looks sane, or a new one). With
`LOG_FORMAT=json` each request is logged as one JSON line on the `deliberation.request` logger
(stderr): request id, method, path, status, duration in ms, user id.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid

from flask import Blueprint, Flask, Response, current_app, g, jsonify, request, session
from sqlalchemy import text

bp = Blueprint("ops", __name__)
log = logging.getLogger("deliberation.request")
REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
PROBES = ("/healthz", "/readyz")


@bp.get("/healthz")
def healthz() -> Response:
    return _probe({"ok": True, "status": "ok"}, 200)


@bp.get("/readyz")
def readyz() -> Response:
    checks: dict[str, str] = {}
    failed: list[str] = []
    for name, check in (("database", _database), ("redis", _redis), ("storage", _storage)):
        try:
            outcome = check()
        except Exception as exc:  # noqa: BLE001 - any failure means "not ready", named
            current_app.logger.warning("readyz: %s failed: %s", name, exc)
            checks[name] = f"failed: {type(exc).__name__}"
            failed.append(name)
        else:
            checks[name] = outcome
    body = {"ok": not failed, "status": "failed" if failed else "ok", "failed": failed, "checks": checks}
    return _probe(body, 503 if failed else 200)


def _probe(body: dict, status: int) -> Response:
    response = jsonify(body)
    response.status_code = status
    response.cache_control.no_store = True
    session.modified = False
    return response


def _database() -> str:
    from ..extensions import db

    with db.engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    return "ok"


def _redis() -> str:
    url = current_app.config.get("REDIS_URL")
    if not url:
        return "not configured"
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    finally:
        client.close()
    return "ok"


def _storage() -> str:
    from .storage import storage

    storage().check()
    return "ok"


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    if app.config.get("LOG_FORMAT") == "json":
        _json_handler()

    @app.before_request
    def _start() -> None:
        g.request_started = time.perf_counter()
        sent = request.headers.get("X-Request-ID", "")
        g.request_id = sent if REQUEST_ID.match(sent) else uuid.uuid4().hex

    @app.after_request
    def _finish(response: Response) -> Response:
        request_id = g.get("request_id") or uuid.uuid4().hex
        response.headers["X-Request-ID"] = request_id
        if current_app.config.get("LOG_FORMAT") == "json":
            started = g.get("request_started", time.perf_counter())
            log.info(json.dumps({
                "request_id": request_id,
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                "user_id": _user_id(),
            }, ensure_ascii=False))
        return response


def _user_id() -> int | None:
    user = g.get("_login_user")  # only if this request already loaded it: no extra query
    if user is None or not user.is_authenticated:
        return None
    return user.id


def _json_handler() -> None:
    if any(getattr(h, "_deliberation", False) for h in log.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler._deliberation = True  # type: ignore[attr-defined]
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
