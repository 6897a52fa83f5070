"""The two attacks on secret ballots that the tests run, written as an attacker would.

1. SQLite WAL replay: from a copy of the database file taken before the vote and the `-wal`
   file after it, rebuild the database as it stood after every commit, and link each voter to
   the choice whose count moved in the commit that marked them (or in the next commit that
   moved a count while exactly one marked voter was waiting: a "separate write" scheme).
2. PostgreSQL xmin join: rows written by one transaction share `xmin`; a row that shares its
   transaction with exactly one voter's `ballot_cast` row and holds a choice names that voter.

Both are generic: they read every table, not only the ones today's code writes.
"""

from __future__ import annotations

import sqlite3
import struct
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

CHOICES = ("yes", "no", "abstain")


def replay(base: bytes, wal: bytes) -> Iterator[bytes]:
    """Database images after each commit in `wal`, applied frame by frame onto `base`."""
    if len(wal) < 32:
        return
    _magic, _version, page_size, _seq, salt1, salt2, _c1, _c2 = struct.unpack(">8I", wal[:32])
    pages: dict[int, bytes] = {}
    offset = 32
    while offset + 24 + page_size <= len(wal):
        pgno, db_pages, s1, s2, _k1, _k2 = struct.unpack(">6I", wal[offset:offset + 24])
        if (s1, s2) != (salt1, salt2):
            break  # frames left over from an earlier generation of the WAL
        pages[pgno] = wal[offset + 24:offset + 24 + page_size]
        offset += 24 + page_size
        if db_pages:  # a commit frame: the database as this transaction left it
            image = bytearray(base[:db_pages * page_size].ljust(db_pages * page_size, b"\0"))
            for number, page in pages.items():
                if number <= db_pages:
                    image[(number - 1) * page_size:number * page_size] = page
            yield bytes(image)


def observe(image: bytes, workdir: Path, n: int, item_id: int) -> tuple[dict[int, int], Counter]:
    """What an attacker reads from one image: who has voted (member -> revision) and every
    per-choice count visible anywhere (choice columns, tallies, the item's totals)."""
    path = workdir / f"commit-{n}.sqlite3"
    path.write_bytes(image)
    conn = sqlite3.connect(path)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        voters = {}
        if "ballot_cast" in tables:
            voters = dict(conn.execute("SELECT user_id, revision FROM ballot_cast WHERE item_id = ?",
                                       (item_id,)))
        visible: Counter = Counter()
        for table in tables:
            columns = [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]
            if "choice" in columns:
                weight = "count" if "count" in columns else "1"
                for choice, k in conn.execute(f'SELECT choice, sum({weight}) FROM "{table}" GROUP BY choice'):
                    if choice in CHOICES:
                        visible[choice] += k or 0
        if "agenda_item" in tables:
            row = conn.execute("SELECT yes, no, abstain FROM agenda_item WHERE id = ?", (item_id,)).fetchone()
            for choice, k in zip(CHOICES, row or (), strict=False):
                visible[choice] += k or 0
        return voters, visible
    finally:
        conn.close()


def link_by_wal(base: bytes, wal: bytes, workdir: Path, item_id: int) -> tuple[dict[int, str], int]:
    """The attacker's best guess of each voter's (last) choice, and how many commits it read."""
    links: dict[int, str] = {}
    waiting: list[int] = []
    before_voters: dict[int, int] = {}
    before_counts: Counter = Counter()
    commits = 0
    for n, image in enumerate(replay(base, wal)):
        commits += 1
        voters, counts = observe(image, workdir, n, item_id)
        actors = [u for u, rev in voters.items() if before_voters.get(u, 0) < rev]
        waiting.extend(u for u in actors if u not in waiting)
        moved = {c: counts[c] - before_counts[c] for c in CHOICES if counts[c] != before_counts[c]}
        gained = [c for c, d in moved.items() if d == 1]
        lost = [c for c, d in moved.items() if d == -1]
        # One voter acted (now or just before) and exactly one count went up by one (and at
        # most one went down by one: a changed vote): that choice is theirs.
        unit = len(gained) == 1 and len(lost) <= 1 and len(moved) == len(gained) + len(lost)
        if len(waiting) == 1 and unit:
            links[waiting.pop()] = gained[0]
        elif moved:
            waiting.clear()  # several voters or a bulk change: this commit names nobody
        before_voters, before_counts = voters, counts
    return links, commits


def named_by_xmin(conn, item_id: int, tables: list[str], who_voted: str = "ballot_cast") -> dict[int, str]:
    """PostgreSQL: voters named by a choice written in their own transaction."""
    from sqlalchemy import text

    voters_of: dict[str, list[int]] = {}
    for xmin, user_id in conn.execute(text(
            f'SELECT xmin::text, user_id FROM "{who_voted}" WHERE item_id = :i'), {"i": item_id}):
        voters_of.setdefault(xmin, []).append(user_id)
    named: dict[int, str] = {}
    for table in tables:
        rows = conn.execute(text(f'SELECT t.xmin::text, row_to_json(t)::jsonb FROM "{table}" t'))
        for xmin, row in rows:
            alone = voters_of.get(xmin, [])
            choices = [v for v in row.values() if isinstance(v, str) and v in CHOICES]
            if len(alone) == 1 and len(choices) == 1:
                named[alone[0]] = choices[0]
    return named
