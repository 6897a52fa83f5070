"""Count the SQL statements a block of code sends: `with count_queries() as q: ...; q.count`.

Works across the test client's request contexts because it listens on the engine itself.
Use it to prove a page's query count does not grow with the number of items on it:

    with count_queries() as small:
        client.get("/matters/")
    ...add 90 more matters...
    with count_queries() as large:
        client.get("/matters/")
    assert large.count == small.count, large.diff(small)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import event

from deliberation.extensions import db

# Transaction and connection chatter, not the page's own work.
_IGNORED = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "PRAGMA")


@dataclass
class QueryLog:
    statements: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.statements)

    def diff(self, other: QueryLog) -> str:
        """A readable explanation for an assertion message."""
        lines = [f"{self.count} statements vs {other.count}:"]
        lines += [f"  + {s[:160]}" for s in self.statements if s not in other.statements]
        return "\n".join(lines)


@contextmanager
def count_queries(engine=None) -> Iterator[QueryLog]:
    engine = engine or db.engine
    log = QueryLog()

    def _before(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(_IGNORED):
            log.statements.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", _before)
    try:
        yield log
    finally:
        event.remove(engine, "before_cursor_execute", _before)


def page_queries(client, url: str) -> int:
    """How many statements one GET of `url` sends (the page must answer 200)."""
    with count_queries() as log:
        assert client.get(url).status_code == 200
    return log.count
