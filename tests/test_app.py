"""The application factory, configuration and database set-up."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from deliberation import create_app
from deliberation.config import ConfigError, normalise_database_url
from deliberation.extensions import db


def test_missing_secret_key_in_production_is_a_startup_error(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("APP_ENV", "production")
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({"INSTANCE_PATH": str(tmp_path), "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_development_generates_and_keeps_a_secret(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("APP_ENV", "development")
    first = create_app({"INSTANCE_PATH": str(tmp_path), "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    second = create_app({"INSTANCE_PATH": str(tmp_path), "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert len(first.config["SECRET_KEY"]) == 64
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]


def test_environment_and_instance_file_configure_the_app(tmp_path, monkeypatch):
    (tmp_path / "config.py").write_text("PAGE_SIZE = 7\nLOGIN_RATE_LIMIT = '3 per minute'\n")
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db.example/deliberation")
    monkeypatch.setenv("LOGIN_RATE_LIMIT", "5 per minute")
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["SECRET_KEY"] == "from-the-environment"
    assert app.config["PAGE_SIZE"] == 7  # instance file
    assert app.config["LOGIN_RATE_LIMIT"] == "5 per minute"  # environment beats instance file
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.example/deliberation"
    assert app.config["SESSION_COOKIE_SECURE"] is True  # production defaults


def test_default_database_is_sqlite_under_instance(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("SECRET_KEY", "x")
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/deliberation.sqlite3"


def test_normalise_database_url():
    assert normalise_database_url("postgresql://a/b") == "postgresql+psycopg://a/b"
    assert normalise_database_url("sqlite:///x") == "sqlite:///x"


def test_sqlite_pragmas_and_begin_immediate(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite-specific pragmas")
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 15000
    statements = []
    from sqlalchemy import event

    def capture(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        with db.engine.begin() as conn:
            conn.execute(text("SELECT 1"))
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    assert statements[0] == "BEGIN IMMEDIATE"


def test_get_requests_read_in_deferred_transactions(app, client):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite-specific transaction mode")
    seen = []
    from sqlalchemy import event

    def capture(conn, cursor, statement, *args):
        if statement.startswith("BEGIN"):
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        client.get("/stats")
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    assert seen and all(s == "BEGIN" for s in seen)


def test_schema_matches_models(app):
    """The committed migrations create exactly what the models describe (no drift)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from deliberation.matters.search import autogenerate_include_name

    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": autogenerate_include_name})
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_health(client):
    assert client.get("/healthz").get_json()["status"] == "ok"


def test_a_database_error_gets_the_chinese_error_page_for_a_signed_in_user(
        database_url, tmp_path_factory, world):
    """The 500 page reads the signed-in user again: the failed transaction is rolled back first
    (before, the handler itself failed and the user saw Werkzeug's bare English page)."""
    from tests.conftest import make_app
    from tests.factories import PASSWORD

    app = make_app(database_url, tmp_path_factory, PROPAGATE_EXCEPTIONS=False)

    @app.post("/boom")
    def boom():
        from deliberation.directory.models import Community

        db.session.add(Community(name=None))  # the flush fails: the session needs a rollback
        db.session.flush()
        return "unreachable"

    name, phone = world.resident_a.display_name, world.resident_a.phone
    db.session.commit()  # each request of the second app has a session (and app context) of its own
    client = app.test_client()
    assert client.post("/login", data={"phone": phone, "password": PASSWORD,
                                       "csrf_token": _csrf_token(client)}).status_code == 302
    response = client.post("/boom", data={"csrf_token": _csrf_token(client, "/account/password")})
    page = response.get_data(as_text=True)
    assert response.status_code == 500 and "服务器出错了" in page
    assert name in page  # the header still knows who is signed in


def _csrf_token(client, path: str = "/login") -> str:
    import re

    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
