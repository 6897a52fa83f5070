"""Database engine set-up: SQLite pragmas and BEGIN IMMEDIATE; PostgreSQL needs nothing extra.

SQLite: WAL so readers never wait for the writer, foreign keys on, a busy timeout, and every
transaction that may write begins with BEGIN IMMEDIATE (SQLAlchemy's documented pysqlite recipe),
so two writers queue on the busy timeout instead of failing with "database is locked" when a
deferred read transaction tries to upgrade. GET and HEAD requests begin deferred transactions,
which in WAL mode never block and are never blocked.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

from flask import has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

_force_write: ContextVar[bool] = ContextVar("force_write", default=False)
_deferred_outside_requests: ContextVar[bool] = ContextVar("deferred_outside_requests", default=False)


def configure_engine(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        # Hand transaction control to SQLAlchemy's "begin" event below.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if _wants_write() else "BEGIN")


def _wants_write() -> bool:
    if _force_write.get():
        return True
    if has_request_context():
        return request.method not in ("GET", "HEAD", "OPTIONS")
    return not _deferred_outside_requests.get()


@contextmanager
def deferred_outside_requests():
    """Code outside a request (a test watching a live server) reads without taking the write
    lock, so the server's writers never wait for it."""
    token = _deferred_outside_requests.set(True)
    try:
        yield
    finally:
        _deferred_outside_requests.reset(token)


@contextmanager
def write_transaction():
    """Within a GET request, make the next transaction a writing one (BEGIN IMMEDIATE).

    Used by reads that may have to write, such as moving on a matter whose window has ended.
    Whatever the session had open is committed first so the new transaction starts clean.
    """
    from .extensions import db

    db.session.commit()
    token = _force_write.set(True)
    try:
        yield
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    finally:
        _force_write.reset(token)


def dialect_insert(model):
    """INSERT for the bound dialect, so callers can use ON CONFLICT DO NOTHING/UPDATE ... RETURNING."""
    from sqlalchemy.dialects.postgresql import insert as pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    from .extensions import db

    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    return insert(model)
