"""Database engine set-up: SQLite pragmas and BEGIN IMMEDIATE; PostgreSQL needs nothing extra.

SQLite: WAL so readers never wait for the writer, foreign keys on, a busy timeout, and every
transaction that may write begins with BEGIN IMMEDIATE (SQLAlchemy's documented pysqlite recipe),
so two writers queue on the busy timeout instead of failing with "database is locked" when a
deferred read transaction tries to upgrade. GET and HEAD requests begin deferred transactions,
which in WAL mode never block and are never blocked.

Slow work that needs no database (decoding an uploaded photo) runs inside `without_write_lock()`:
the request's transaction, which has only read so far, ends first, so the lock a POST took is not
held while Pillow works and the next statement begins a fresh BEGIN IMMEDIATE.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

from flask import has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

_force_write: ContextVar[bool] = ContextVar("force_write", default=False)
_deferred_outside_requests: ContextVar[bool] = ContextVar("deferred_outside_requests", default=False)
_force_read: ContextVar[bool] = ContextVar("force_read", default=False)
_WROTE = "wrote"  # Session.info key: this transaction has sent a write to the database


def configure_engine(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return

    # WAL is a property of the database file: set once, by the engine's first connection.
    # Setting it again on every new connection reads the file's header outside any lock, and a
    # connection opened while others write and checkpoint could fail with a short read
    # (SQLITE_IOERR_SHORT_READ, "disk I/O error": seen with 20 parallel requests).
    wal = {"set": False}

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        # Hand transaction control to SQLAlchemy's "begin" event below.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout=15000")  # first: what follows may wait for a lock
        if not wal["set"]:
            cursor.execute("PRAGMA journal_mode=WAL")
            wal["set"] = True
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if _wants_write() else "BEGIN")


def _wants_write() -> bool:
    if _force_read.get():
        return False
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


@contextmanager
def forced_write():
    """Transactions begun inside the block are writing ones (BEGIN IMMEDIATE on SQLite), even
    within a GET request: for work on a session of its own, such as sealing the audit log."""
    token = _force_write.set(True)
    read = _force_read.set(False)
    try:
        yield
    finally:
        _force_read.reset(read)
        _force_write.reset(token)


@event.listens_for(Session, "after_flush")
def _mark_flushed(session, _context) -> None:
    session.info[_WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _mark_bulk_write(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[_WROTE] = True


@event.listens_for(Session, "after_transaction_end")
def _forget_writes(session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_WROTE, None)


class WroteAlready(RuntimeError):
    """`without_write_lock()` was entered after the transaction had written: ending it would
    lose or commit that work behind the request's back."""


@contextmanager
def without_write_lock():
    """Run slow work that needs no database, such as decoding photos, with no write transaction
    open. Allowed only before the request writes: the transaction that has only read so far is
    ended (the objects it loaded are read again when next used, in the write transaction that
    follows, so checks made there see fresh data). Queries inside the block are deferred reads."""
    from .extensions import db

    session = db.session()  # the request's Session itself, not the scoped proxy
    _end_read_only_transaction(session)
    token = _force_read.set(True)
    try:
        yield
    finally:
        _force_read.reset(token)
        _end_read_only_transaction(session)


def _end_read_only_transaction(session: Session) -> None:
    if session.new or session.dirty or session.deleted or session.info.get(_WROTE):
        raise WroteAlready("without_write_lock() after the transaction wrote")
    if session.in_transaction():
        session.rollback()


def dialect_insert(model):
    """INSERT for the bound dialect, so callers can use ON CONFLICT DO NOTHING/UPDATE ... RETURNING."""
    from sqlalchemy.dialects.postgresql import insert as pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    from .extensions import db

    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    return insert(model)


def insert_once(model, returning=None, **values) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING: True if this call wrote the row, False if one
    with the same unique key was there already (of parallel callers exactly one gets True).

    RETURNING names the row only when it was inserted: rowcount is not reliable for ON CONFLICT
    DO NOTHING on every driver. `returning` is the column to return (the model's id by default).
    """
    from .extensions import db

    column = model.id if returning is None else returning
    statement = dialect_insert(model).values(**values).on_conflict_do_nothing().returning(column)
    return db.session.execute(statement).scalar() is not None
