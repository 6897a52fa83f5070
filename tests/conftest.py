"""Shared fixtures: one migrated database per test session, emptied after every test.

`TEST_DATABASE_URL` (e.g. postgresql+psycopg://postgres@127.0.0.1/test) runs the suite on
PostgreSQL in a schema of its own; otherwise a SQLite file in a temporary folder.
`TEST_STORAGE=s3` keeps every upload in a bucket on a local S3 server (`tests/s3server.py`).
"""

from __future__ import annotations

import contextvars
import os
import re

import pytest
from flask import has_app_context
from flask.testing import FlaskClient
from sqlalchemy import text

from deliberation import create_app
from deliberation.core import time as clock
from deliberation.extensions import db, limiter

from . import factories, s3server

PG_SCHEMA = os.environ.get("TEST_PG_SCHEMA", "deliberation_test")
# Each run has a Redis database of its own (SQLite 1, PostgreSQL 2), so the two may run at once.
REDIS_URL = "redis://127.0.0.1:6379/" + os.environ.get(
    "TEST_REDIS_DB", "2" if os.environ.get("TEST_DATABASE_URL") else "1")


class Client(FlaskClient):
    """A test client that behaves like a browser against a real server.

    Each request runs in a fresh context, so it gets its own app context, `g` and database
    session, as in production (the test's own app context would otherwise be shared). The
    test's session is committed first: it ends the test's transaction, so SQLite's write lock
    is free for the request, and the test sees the request's changes afterwards.
    """

    def open(self, *args, **kwargs):
        if has_app_context():
            db.session.commit()
        return contextvars.Context().run(super().open, *args, **kwargs)

    def csrf_token(self) -> str:
        html = self.get("/").get_data(as_text=True)
        match = re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', html)
        assert match, "no CSRF token on the home page"
        return match.group(1)

    def post_form(self, url: str, data: dict | None = None, **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf_token())
        return self.post(url, data=data, **kwargs)


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")
    from sqlalchemy import create_engine

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {PG_SCHEMA}"))
    engine.dispose()
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{PG_SCHEMA}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    return _database_url(tmp_path_factory)


def make_app(database_url: str, tmp_path_factory, **overrides):
    instance = tmp_path_factory.mktemp("instance")
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "INSTANCE_PATH": str(instance),
        "LOGIN_RATE_LIMIT": "1000 per minute",
        "SERVER_NAME": None,
        **s3server.suite_storage(),
    }
    config.update(overrides)
    return create_app(config)


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    from flask_migrate import upgrade

    app = make_app(database_url, tmp_path_factory)
    app.test_client_class = Client
    with app.app_context():
        upgrade()
    return app


@pytest.fixture(autouse=True)
def _clean(app):
    """Each test starts with an empty database, an unfrozen clock and fresh rate limits."""
    ctx = app.app_context()
    ctx.push()
    try:
        yield
    finally:
        clock.freeze(None)
        db.session.rollback()
        db.session.remove()
        _empty_tables()
        if db.engine.dialect.name == "sqlite":
            # Fresh connections for the next test: some tests let other processes (ticks, a
            # dev server) write this file, and connections opened later beside the old ones
            # failed with SQLITE_IOERR_SHORT_READ under 20 parallel requests.
            db.engine.dispose()
        limiter.reset()
        ctx.pop()


def _empty_tables() -> None:
    tables = [t for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            # matter <-> agenda_item refer to each other: checked once all rows are gone.
            conn.exec_driver_sql("PRAGMA defer_foreign_keys=ON")
            for t in tables:
                conn.execute(t.delete())
            for extra in _sqlite_extra_tables(conn):
                conn.execute(text(f'DELETE FROM "{extra}"'))


def _sqlite_extra_tables(conn) -> list[str]:
    """Tables that migrations create outside the models (for example full-text indexes)."""
    known = {t.name for t in db.metadata.sorted_tables} | {"alembic_version"}
    rows = conn.execute(text(
        "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
        "AND sql NOT LIKE 'CREATE VIRTUAL TABLE%'")).scalars()
    return [r for r in rows if r not in known and not re.search(r"_(data|idx|content|docsize|config)$", r)]


@pytest.fixture
def client(app) -> Client:
    return app.test_client()


@pytest.fixture
def world():
    """A small street: see `factories.World`."""
    return factories.World.build()


@pytest.fixture
def login(app):
    """`login(user)` returns a client logged in as that user (a fresh client each call)."""

    def _login(user) -> Client:
        c = app.test_client()
        response = c.post_form("/login", {"phone": user.phone, "password": factories.PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return c

    return _login


@pytest.fixture
def redis_db():
    """This run's Redis database, empty before and after; the limiter's storage is put back (it
    is one object per process, and the rest of the suite counts in memory)."""
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.flushdb()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"no Redis at {REDIS_URL} (.ci/run starts one)")
    saved = (limiter._storage, limiter._limiter)
    yield client
    client.flushdb()
    limiter._storage, limiter._limiter = saved
