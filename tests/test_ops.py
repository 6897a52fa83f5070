"""Issue 13: /healthz and /readyz for the load balancer, JSON request logs with a request id."""

from __future__ import annotations

import json
import logging

import pytest
from sqlalchemy import event

from deliberation.extensions import db, limiter

from . import s3server
from .conftest import REDIS_URL, Client, make_app


@pytest.fixture
def node(database_url, tmp_path_factory):
    """`node(**config)`: another app node on the test database."""
    saved = (limiter._storage, limiter._limiter)

    def _node(**config):
        app = make_app(database_url, tmp_path_factory, **config)
        app.test_client_class = Client
        return app

    yield _node
    limiter._storage, limiter._limiter = saved


def test_healthz_answers_without_touching_the_database(app, client):
    seen = []

    def capture(*_args):
        seen.append(1)

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        response = client.get("/healthz")
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    assert response.status_code == 200 and response.get_json()["status"] == "ok"
    assert seen == []
    assert "Set-Cookie" not in response.headers


def test_readyz_checks_database_redis_and_storage(node):
    app = node(REDIS_URL=REDIS_URL, RATELIMIT_STORAGE_URI="memory://",
               **s3server.storage_config())
    response = app.test_client().get("/readyz")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["checks"] == {"database": "ok", "redis": "ok", "storage": "ok"}


def test_readyz_without_redis_says_so(client):
    body = client.get("/readyz").get_json()
    assert body["status"] == "ok" and body["checks"]["redis"] == "not configured"


@pytest.mark.parametrize("broken, config", [
    ("storage", {"STORAGE_URL": "s3://no-such-bucket-m13/x"}),
    ("redis", {"REDIS_URL": "redis://127.0.0.1:5399/0", "RATELIMIT_STORAGE_URI": "memory://"}),
    ("database", {"SQLALCHEMY_DATABASE_URI": "sqlite:////nonexistent-dir-m13/db.sqlite3"}),
])
def test_readyz_is_503_naming_what_failed(node, broken, config):
    if broken == "storage":
        config = {**config, "STORAGE_S3_ENDPOINT_URL": s3server.endpoint(),
                  "STORAGE_S3_REGION": "us-east-1"}
    response = node(**config).test_client().get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["failed"] == [broken]
    assert body["checks"][broken].startswith("failed")


def test_request_id_is_kept_or_made_and_returned(client):
    sent = client.get("/healthz", headers={"X-Request-ID": "lb-1234.abc"})
    assert sent.headers["X-Request-ID"] == "lb-1234.abc"
    made = client.get("/healthz").headers["X-Request-ID"]
    assert len(made) == 32 and made != client.get("/healthz").headers["X-Request-ID"]
    # Something that is not an id (log injection) is replaced, not echoed.
    odd = client.get("/healthz", headers={"X-Request-ID": "x\" injected"}).headers["X-Request-ID"]
    assert odd != "x\" injected" and len(odd) == 32


def test_json_logs_one_line_per_request(node, world):
    from .factories import PASSWORD

    app = node(LOG_FORMAT="json")
    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record):
            lines.append(record.getMessage())

    logger = logging.getLogger("deliberation.request")
    keep = Keep()
    logger.addHandler(keep)
    try:
        c = app.test_client()
        c.post_form("/login", {"phone": world.resident_a.phone, "password": PASSWORD})
        lines.clear()
        response = c.get("/matters/", headers={"X-Request-ID": "req-42"})
    finally:
        logger.removeHandler(keep)
    assert response.status_code == 200
    assert len(lines) == 1
    entry = json.loads(lines[0])
    assert entry["request_id"] == "req-42" and entry["method"] == "GET"
    assert entry["path"] == "/matters/" and entry["status"] == 200
    assert isinstance(entry["duration_ms"], float) and entry["duration_ms"] >= 0
    assert entry["user_id"] == world.resident_a.id


def test_without_log_format_json_nothing_is_logged_per_request(client, caplog):
    with caplog.at_level(logging.INFO, logger="deliberation.request"):
        client.get("/healthz")
    assert not [r for r in caplog.records if r.name == "deliberation.request"]
