"""The secret ballot box: sealed ballots that the database cannot read.

A member's vote is one transaction that marks them as having voted (`BallotCast`, which one
member can hold only once: its primary key) and drops one sealed ballot into `BallotBox`:

    receipt = 32 random bytes, returned to the voter's phone only (to change the vote)
    id      = SHA-256(receipt)                     random, so rows carry no order
    seal    = HMAC(ballot key, item | id | choice) unreadable without the key

The ballot key is derived from the server's SECRET_KEY, which lives with the application, never
in the database, its WAL, its MVCC metadata or its backups. Whoever holds only those sees that a
member voted and that a sealed ballot appeared in the same commit; the seal does not say which
choice it holds (every seal is distinct, so equal choices cannot even be grouped). The running
count is not kept: the seals are opened only when the vote closes, counted, and deleted, so
after the close the database holds the totals and who voted, nothing that joins the two.

Writing the mark and the ballot in one transaction keeps "one member, one counted ballot"
atomic: a crash leaves either both or neither. (A separate later write without a key would not
help: the commit that follows a member's mark would still be theirs.)
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections import Counter

from flask import current_app
from sqlalchemy import delete, func, insert, select

from ..extensions import db
from .models import BallotBox, BallotCast, Choice


class BoxError(Exception):
    """The box does not match who voted: a seal made under another key, or rows lost."""


def _key() -> bytes:
    secret = current_app.config["SECRET_KEY"]
    secret = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(secret, b"deliberation/secret-ballot/v1", hashlib.sha256).digest()


def _seal(key: bytes, item_id: int, box_id: str, choice: str) -> str:
    return hmac.new(key, f"{item_id}|{box_id}|{choice}".encode(), hashlib.sha256).hexdigest()


def box_id_of(receipt: str) -> str:
    return hashlib.sha256(receipt.encode()).hexdigest()


def drop(item_id: int, choice: str) -> str:
    """Put one sealed ballot in the box; returns its one-time receipt."""
    receipt = secrets.token_urlsafe(32)
    box_id = box_id_of(receipt)
    db.session.add(BallotBox(id=box_id, item_id=item_id, seal=_seal(_key(), item_id, box_id, choice)))
    return receipt


def take_back(item_id: int, receipt: str) -> bool:
    """Remove the ballot a receipt stands for (to replace it). False if it is not in the box."""
    taken = db.session.execute(delete(BallotBox).where(BallotBox.item_id == item_id,
                                                       BallotBox.id == box_id_of(receipt))
                               .returning(BallotBox.id)).scalar()
    return taken is not None


def open_and_empty(item_id: int) -> Counter:
    """At the close: open every seal, count, and empty the box. Raises BoxError (changing
    nothing) when the box and the who-voted list disagree."""
    key = _key()
    counts: Counter = Counter({c: 0 for c in Choice.values()})
    rows = db.session.execute(select(BallotBox.id, BallotBox.seal).where(BallotBox.item_id == item_id))
    for box_id, seal in rows:
        opened = [c for c in Choice.values() if hmac.compare_digest(seal, _seal(key, item_id, box_id, c))]
        if len(opened) != 1:
            raise BoxError("a ballot was sealed under another key")
        counts[opened[0]] += 1
    voters = db.session.scalar(select(func.count()).select_from(BallotCast)
                               .where(BallotCast.item_id == item_id)) or 0
    if sum(counts.values()) != voters:
        raise BoxError(f"{sum(counts.values())} ballots for {voters} voters")
    empty(item_id)
    return counts


def empty(item_id: int) -> None:
    db.session.execute(delete(BallotBox).where(BallotBox.item_id == item_id))


def reshuffle_voters(item_id: int) -> None:
    """Rewrite the who-voted rows in member order at the close, so their storage (PostgreSQL's
    row versions and heap order) no longer records in which order the members voted."""
    rows = [{"item_id": item_id, "user_id": u, "revision": r} for u, r in db.session.execute(
        select(BallotCast.user_id, BallotCast.revision).where(BallotCast.item_id == item_id)
        .order_by(BallotCast.user_id))]
    db.session.execute(delete(BallotCast).where(BallotCast.item_id == item_id)
                       .execution_options(synchronize_session=False))
    if rows:
        db.session.execute(insert(BallotCast.__table__), rows)
