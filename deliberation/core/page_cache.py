"""Pages shared by every visitor who is not signed in, and small answers remembered between
writes, both invalidated by the next write anywhere in the installation.

Most requests read: the home board, the needs list and a matter page look the same to every
visitor who is not signed in (in one language, one text size), and a member's phone asking
"has the live meeting changed?" gets the same answer until somebody writes. Rendering those
again costs 10-30 ms each; answering from memory costs well under one.

**The generation.** Every database transaction that writes bumps one counter when it commits,
whatever wrote it (a request, `flask tick`, a worker, a command). Entries are kept under the
counter's value read at the *start* of the request that made them, and under the current
*time slot* (`PAGE_CACHE_SECONDS`, default 5 s, by the app's clock), so:

- the next request after a write, on any worker or node, misses and renders afresh: nobody,
  least of all the person who wrote, sees a page from before their own write;
- a page that changes with time alone (a deadline passing) is at most one slot old;
- an entry rendered while a write was committing is stored under the old value, which the
  bump has already left behind: it is never served.

The counter is bumped after the commit (when the connection goes back to the pool), never
before, so a reader cannot see the new value and then read the old rows.

Where the counter lives: Redis (`INCR`) when `REDIS_URL` is set, which is what several nodes
need; otherwise a file beside the SQLite database (or in the instance folder), whose size grows
by one byte a write (an append is atomic, `stat` is a microsecond), which every process on the
machine sees. Without Redis, several *machines* would not see each other's writes for up to a
slot: they need `REDIS_URL` anyway (rate limits, the live screens), or `PAGE_CACHE=0`.

**What is shared.** A view opts in with `@shared_page`. Its response is kept only for a GET by
a visitor with no account in the session (the session holds nothing but the CSRF token: no
login, no flashed message, no remember-me cookie), when it is a 200 HTML page that sets no
cookie of its own. The key is the generation, the slot, scheme, host, path with query, the
language, the text size and whether htmx asked. The page's CSRF token is cut out when it is
kept and each visitor's own token is put back when it is served, so the session, the token and
`Set-Cookie` stay exactly what an uncached page gives. Everything after the view (security
headers, compression, the request id, the log line) still runs on every response.

**Remembered answers.** `remember(name, parts, value)` / `recall(name, parts)` keep a small
value under the same generation and slot, for an endpoint that registers an early answer with
`answers_early`: the function runs before any other hook (before the signed-in user is loaded)
and may answer from what a full request of the same person stored, such as the live poll's
"unchanged" (204). It must key on the person, and only store after the full request checked
their permission.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, g, request, session
from sqlalchemy import event, exc
from sqlalchemy.engine import Engine

from . import time as clock

log = logging.getLogger(__name__)

REDIS_KEY = "deliberation:page-generation"
PLACEHOLDER = b"\x00csrf-token\x00"  # a NUL never occurs in a rendered page
_WROTE = "page_cache_wrote"            # Connection.info: this transaction sent a write
_COMMITTED = "page_cache_committed"    # ...and committed it: bump once the connection is back
_ANONYMOUS_SESSION_KEYS = {"csrf_token"}
_EARLY: dict[str, Callable[[], Any]] = {}
_EPOCH = datetime(2000, 1, 1)


def shared_page(view: Callable) -> Callable:
    """Mark a view whose response for visitors without an account may be shared (see above).
    Put it below the route decorator: `@bp.get(...)` then `@shared_page`."""
    view._shared_page = True  # type: ignore[attr-defined]
    return view


def answers_early(endpoint: str, answer: Callable[[], Any]) -> None:
    """`answer()` runs first for requests to `endpoint`; a return value other than None is the
    response, and nothing else (the user loader included) runs before the after-request hooks."""
    _EARLY[endpoint] = answer


# --- the generation: one counter bumped by every committed write --------------------------------

class FileGeneration:
    """A file's size (and inode) is the counter; one byte is appended per write."""

    MAX_BYTES = 1 << 20

    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> str | None:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return "0"
        except OSError:
            return None
        return f"{st.st_ino}:{st.st_size}"

    def bump(self) -> None:
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                size = os.fstat(fd).st_size
                os.write(fd, b".")
            finally:
                os.close(fd)
            if size >= self.MAX_BYTES:  # start a new file: a new inode, so no old value returns
                fresh = self.path.with_name(self.path.name + f".{os.getpid()}.new")
                fresh.write_bytes(b".")
                os.replace(fresh, self.path)
        except OSError:
            log.exception("page cache: could not bump %s", self.path)


class RedisGeneration:
    def __init__(self, url: str) -> None:
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)

    def read(self) -> str | None:
        try:
            value = self.client.get(REDIS_KEY)
        except Exception:  # noqa: BLE001 (Redis down: render, keep nothing)
            return None
        return value.decode() if value else "0"

    def bump(self) -> None:
        try:
            self.client.incr(REDIS_KEY)
        except Exception:  # noqa: BLE001
            log.exception("page cache: could not bump the generation in Redis")


class MemoryGeneration:
    """An in-memory SQLite database lives in one process: a counter in that process."""

    def __init__(self) -> None:
        self.value = 0
        self.lock = threading.Lock()

    def read(self) -> str | None:
        return str(self.value)

    def bump(self) -> None:
        with self.lock:
            self.value += 1


_READ_PREFIXES = ("SELECT", "PRAGMA", "BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK", "COMMIT",
                  "SHOW", "SET ", "EXPLAIN", "VALUES")


def is_write(statement: str) -> bool:
    """Whether a SQL statement may change rows (conservative: anything not known to be a read)."""
    head = statement.lstrip()[:10].upper()
    if head.startswith("WITH"):
        upper = statement.upper()
        return any(word in upper for word in ("INSERT", "UPDATE", "DELETE"))
    return not head.startswith(_READ_PREFIXES)


def watch(engine: Engine, generation) -> None:
    """Bump `generation` after every transaction on `engine` that wrote and committed."""

    @event.listens_for(engine, "before_cursor_execute")
    def _statement(conn, _cursor, statement, _params, _context, _many) -> None:
        info = conn.info
        if info.pop(_COMMITTED, False):  # a long-lived connection goes on after a commit
            generation.bump()
        if _WROTE not in info and is_write(statement):
            info[_WROTE] = True

    @event.listens_for(engine, "commit")
    def _commit(conn) -> None:
        info = _info(conn)
        if info is not None and info.pop(_WROTE, False):
            info[_COMMITTED] = True

    @event.listens_for(engine, "rollback")
    def _rollback(conn) -> None:
        info = _info(conn)
        if info is not None:
            info.pop(_WROTE, None)

    @event.listens_for(engine.pool, "checkin")
    def _checkin(_dbapi_connection, record) -> None:
        if record is not None and record.info.pop(_COMMITTED, False):
            generation.bump()


def _info(conn) -> dict | None:
    """The DBAPI connection's info, or None once the connection was invalidated (its info goes
    with it; asking would raise while the invalid transaction is being rolled back)."""
    if conn.invalidated or conn.closed:
        return None
    try:
        return conn.info
    except exc.SQLAlchemyError:
        return None


def _generation_for(app: Flask):
    if app.config.get("REDIS_URL"):
        return RedisGeneration(app.config["REDIS_URL"])
    from ..extensions import db

    url = db.engine.url
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            return MemoryGeneration()
        return FileGeneration(Path(url.database).with_name(Path(url.database).name + "-pages"))
    return FileGeneration(Path(app.instance_path) / "page-generation")


# --- the entries ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Page:
    body: bytes
    headers: list[tuple[str, str]]
    has_token: bool

    def __len__(self) -> int:
        return len(self.body) + 200


class Store:
    """Least recently used entries, bounded in bytes; one per process, shared by its threads."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.entries: OrderedDict[tuple, Any] = OrderedDict()
        self.size = 0
        self.lock = threading.Lock()

    def value(self, key: tuple) -> Any:
        with self.lock:
            found = self.entries.get(key)
            if found is None:
                return None
            self.entries.move_to_end(key)
            return found[0]

    def put(self, key: tuple, value: Any, size: int) -> None:
        if size > self.max_bytes // 4:
            return
        with self.lock:
            old = self.entries.pop(key, None)
            if old is not None:
                self.size -= old[1]
            self.entries[key] = (value, size)
            self.size += size
            while self.size > self.max_bytes and self.entries:
                _, (_, dropped) = self.entries.popitem(last=False)
                self.size -= dropped



class PageCache:
    def __init__(self, app: Flask, generation) -> None:
        self.generation = generation
        self.store = Store(int(app.config.get("PAGE_CACHE_BYTES", 16 * 1024 * 1024)))
        self.slot_seconds = float(app.config.get("PAGE_CACHE_SECONDS", 5))

    def stamp(self) -> tuple | None:
        """(generation, time slot) now, or None when the generation cannot be read."""
        value = self.generation.read()
        if value is None:
            return None
        slot = int((clock.utcnow() - _EPOCH).total_seconds() // self.slot_seconds)
        return value, slot


def _cache() -> PageCache | None:
    if not current_app.config.get("PAGE_CACHE", True):
        return None
    return current_app.extensions.get("page_cache")


def _anonymous() -> bool:
    if not _ANONYMOUS_SESSION_KEYS.issuperset(session.keys()):
        return False
    return current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") not in request.cookies


def _page_key(stamp: tuple) -> tuple:
    from flask_babel import get_locale

    return ("page", stamp, request.scheme, request.host, request.full_path, str(get_locale()),
            request.cookies.get("text") == "large", request.headers.get("HX-Request") == "true")


def remember(name: str, parts: tuple, value: Any) -> None:
    """Keep `value` under the generation and slot read when this request began (if it was)."""
    cache, stamp = _cache(), g.get("page_stamp")
    if cache is not None and stamp is not None:
        cache.store.put((name, stamp, *parts), value, 64 + len(str(value)))


def recall(name: str, parts: tuple) -> Any:
    """A value a request since the last write kept with `remember`, or None."""
    cache, stamp = _cache(), g.get("page_stamp")
    if cache is None or stamp is None:
        return None
    return cache.store.value((name, stamp, *parts))


def _answer_first():
    if request.method != "GET":
        return None
    early = _EARLY.get(request.endpoint)
    view = current_app.view_functions.get(request.endpoint)
    shared = getattr(view, "_shared_page", False)
    if early is None and not shared:
        return None
    cache = _cache()
    if cache is None:
        return None
    stamp = cache.stamp()
    if stamp is None:
        return None
    g.page_stamp = stamp
    if early is not None:
        answer = early()
        if answer is not None:
            return answer
    if not shared or not _anonymous():
        return None
    key = _page_key(stamp)
    page = cache.store.value(key)
    if page is None:
        g.page_key = key
        return None
    body = page.body
    if page.has_token:
        from flask_wtf.csrf import generate_csrf

        body = body.replace(PLACEHOLDER, generate_csrf().encode())
    return Response(body, 200, headers=page.headers)


def _keep(response: Response) -> Response:
    key = g.pop("page_key", None)
    cache = _cache()
    if (key is None or cache is None or response.status_code != 200 or response.direct_passthrough
            or response.is_streamed or response.mimetype != "text/html"
            or "Set-Cookie" in response.headers or not _anonymous()):
        return response
    body = response.get_data()
    token = g.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))
    has_token = bool(token) and token.encode() in body
    if has_token:
        body = body.replace(token.encode(), PLACEHOLDER)
    headers = [(k, v) for k, v in response.headers.items()
               if k.lower() not in ("content-length", "x-request-id")]
    page = Page(body, headers, has_token)
    cache.store.put(key, page, len(page))
    return response


def init_app(app: Flask) -> None:
    """Needs the database extension set up (the engine is watched for writes); `keep_pages`
    adds the hook that keeps pages."""
    from ..extensions import db

    with app.app_context():
        generation = _generation_for(app)
        watch(db.engine, generation)
    app.extensions["page_cache"] = PageCache(app, generation)
    app.before_request_funcs.setdefault(None, []).insert(0, _answer_first)


def keep_pages(app: Flask) -> None:
    """Register the hook that keeps pages; register it just before the request's commit hook,
    so it runs after the commit (after-request hooks run in reverse) and before compression."""
    app.after_request(_keep)
