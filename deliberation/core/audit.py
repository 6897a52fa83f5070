"""The append-only, hash-chained audit log.

Each sealed entry's hash is SHA-256 over its own content and the previous entry's hash, so
editing, deleting or inserting a row anywhere breaks the chain from that row on. Services write
entries with `record()`; nothing updates or deletes them. A matter's public timeline reads its
public entries (in the order they were written: `id`).

Writing and chaining are two steps, so concurrent writers never wait for each other:

- `record()` inserts the entry in the caller's transaction with only its `id` (the arrival
  number) and its content: no `seq`, no hashes, no lock.
- `seal()` runs after every commit that wrote an entry (and from `flask tick`, and as
  `flask audit seal`): in a short transaction of its own, under one lock (a PostgreSQL advisory
  lock taken with try-lock, so a second sealer leaves at once instead of queuing; SQLite's write
  lock), it gives the committed unsealed entries, oldest id first, the next `seq` numbers and
  chains their hashes, in batches. The chain's order is the order of sealing.

`verify()` checks the sealed chain and reports the entries not sealed yet (how many, oldest).
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    event,
    func,
    select,
    text,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship, selectinload

from ..extensions import db
from .time import utcnow

GENESIS = "0" * 64
LOCK_KEY = 728361  # the PostgreSQL advisory lock of the sealer (was the writers' lock)
SEAL_BATCH = 500
_PENDING = "audit_unsealed"  # Session.info key: this transaction recorded an entry
_COMMITTED = "audit_committed"  # ... and committed: seal once the connection is back
log = logging.getLogger(__name__)


class AuditEntry(db.Model):
    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Chain position, given by the sealer (None until sealed); `id` is the arrival order.
    seq: Mapped[int | None] = mapped_column(unique=True)
    created_at: Mapped[datetime] = mapped_column()
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    subject_type: Mapped[str] = mapped_column(String(30))
    subject_id: Mapped[int] = mapped_column()
    action: Mapped[str] = mapped_column(String(40))
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str | None] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    public: Mapped[bool] = mapped_column(default=True)
    prev_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    hash: Mapped[str | None] = mapped_column(String(64), unique=True)

    actor = relationship("User")

    __table_args__ = (
        Index("ix_audit_subject_id", "subject_type", "subject_id", "id"),
        # The sealer's queue: only the few entries not sealed yet are in this index.
        Index("ix_audit_unsealed", "id", postgresql_where=text("seq IS NULL"),
              sqlite_where=text("seq IS NULL")),
        CheckConstraint("seq > 0", name="seq_positive"),
        # Sealed entries carry all three; unsealed ones none.
        CheckConstraint("(seq IS NULL AND prev_hash IS NULL AND hash IS NULL) OR "
                        "(seq IS NOT NULL AND prev_hash IS NOT NULL AND hash IS NOT NULL)",
                        name="sealed_whole"),
    )

    def content(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "created_at": self.created_at.isoformat(timespec="microseconds"),
            "actor_id": self.actor_id,
            "subject_type": self.subject_type,
            "subject_id": self.subject_id,
            "action": self.action,
            "from_state": self.from_state,
            "to_state": self.to_state,
            "reason": self.reason or "",
            "details": self.details or {},
            "public": bool(self.public),
            "prev_hash": self.prev_hash,
        }

    def compute_hash(self) -> str:
        payload = json.dumps(self.content(), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def record(
    *,
    actor_id: int | None,
    subject_type: str,
    subject_id: int,
    action: str,
    from_state: str | None = None,
    to_state: str | None = None,
    reason: str = "",
    details: dict[str, Any] | None = None,
    public: bool = True,
) -> AuditEntry:
    """Write one entry (in the caller's transaction, no lock) and flush it; `seal()` chains it
    after the transaction commits."""
    entry = AuditEntry(
        created_at=utcnow().replace(tzinfo=None),
        actor_id=actor_id,
        subject_type=subject_type,
        subject_id=subject_id,
        action=action,
        from_state=from_state,
        to_state=to_state,
        reason=reason or "",
        details=details or {},
        public=public,
    )
    db.session.add(entry)
    db.session.flush()
    db.session.info[_PENDING] = True
    return entry


def _head(session: Session) -> tuple[int, str]:
    last = session.execute(
        select(AuditEntry.seq, AuditEntry.hash).where(AuditEntry.seq.is_not(None))
        .order_by(AuditEntry.seq.desc()).limit(1)).first()
    return (last.seq, last.hash) if last else (0, GENESIS)


def seal(*, batch: int = SEAL_BATCH, wait: bool = False) -> int:
    """Chain every committed unsealed entry, oldest id first, in batches of `batch` (one short
    transaction each, on a session of its own). Returns how many entries it sealed.

    PostgreSQL: one sealer at a time under an advisory lock; with `wait=False` a sealer that
    finds the lock taken returns 0 at once (the one holding it, or the next one, seals what is
    left). SQLite: the transaction begins with BEGIN IMMEDIATE, which serialises sealers.
    """
    from ..database import forced_write

    sealed = 0
    while True:
        with forced_write(), Session(db.engine, expire_on_commit=False) as session:
            if session.get_bind().dialect.name == "postgresql":
                fn = func.pg_advisory_xact_lock if wait else func.pg_try_advisory_xact_lock
                got = session.execute(select(fn(LOCK_KEY))).scalar()
                if not wait and not got:
                    return sealed
            seq, prev = _head(session)
            rows = session.scalars(select(AuditEntry).where(AuditEntry.seq.is_(None))
                                   .order_by(AuditEntry.id).limit(batch)).all()
            if not rows:
                session.rollback()
                return sealed
            for entry in rows:
                seq += 1
                entry.seq, entry.prev_hash = seq, prev
                entry.hash = prev = entry.compute_hash()
            session.commit()
            sealed += len(rows)
        if len(rows) < batch:
            return sealed


def seal_quietly() -> int:
    """`seal()` for the after-commit hook: a failure is logged, never raised into the request
    whose work is already committed (the next seal, at the latest the next tick, retries)."""
    try:
        return seal()
    except Exception:  # noqa: BLE001 (the entries stay unsealed and are sealed later)
        log.exception("sealing the audit log failed; the next seal or tick retries")
        return 0


@event.listens_for(Session, "after_commit")
def _seal_after_commit(session: Session) -> None:
    # A savepoint's release fires this too: wait for the real commit. The seal itself waits
    # for the end of the transaction (below), when the session has given its connection back:
    # sealing here would hold two of the pool's connections at once, and with as many threads
    # as connections every committer would wait for a second one that never comes.
    if not session.in_nested_transaction() and session.info.pop(_PENDING, None):
        session.info[_COMMITTED] = True


@event.listens_for(Session, "after_transaction_end")
def _seal_or_forget(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_PENDING, None)  # rolled back (a commit has popped it already)
        if session.info.pop(_COMMITTED, None):
            seal_quietly()


@dataclass
class Unsealed:
    count: int
    oldest: datetime | None


def unsealed() -> Unsealed:
    """The entries written but not chained yet: how many, and when the oldest was written."""
    count, oldest = db.session.execute(
        select(func.count(), func.min(AuditEntry.created_at)).where(AuditEntry.seq.is_(None))).one()
    return Unsealed(int(count), oldest)


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    broken_seq: int | None = None
    problem: str = ""
    # Written but not sealed yet (not covered by the check): how many, the oldest's time.
    unsealed: int = 0
    oldest_unsealed: datetime | None = None


def verify(batch: int = 5000) -> VerifyResult:
    """Walk the whole sealed chain in order; report the first entry whose hash or link is
    wrong, and how many entries are not sealed yet."""
    pending = unsealed()
    result = _verify_sealed(batch)
    result.unsealed, result.oldest_unsealed = pending.count, pending.oldest
    return result


def _verify_sealed(batch: int) -> VerifyResult:
    prev = GENESIS
    expected_seq = 1
    checked = 0
    last_seq = 0
    while True:
        rows = db.session.scalars(
            select(AuditEntry).where(AuditEntry.seq > last_seq).order_by(AuditEntry.seq).limit(batch)
        ).all()
        if not rows:
            return VerifyResult(True, checked)
        for entry in rows:
            if entry.seq != expected_seq:
                return VerifyResult(False, checked, entry.seq,
                                    f"sequence gap: expected {expected_seq}, found {entry.seq}")
            if entry.prev_hash != prev:
                return VerifyResult(False, checked, entry.seq, "link to the previous entry is broken")
            if entry.compute_hash() != entry.hash:
                return VerifyResult(False, checked, entry.seq, "content does not match its hash")
            prev = entry.hash
            expected_seq += 1
            checked += 1
            last_seq = entry.seq
        db.session.expunge_all()


@dataclass(frozen=True)
class Checkpoint:
    """The chain's head at one moment: how many entries, and the newest one's hash.

    The chain alone cannot show that its newest entries were deleted (what remains is still a
    valid chain); a checkpoint kept outside the database (printed, mailed, another machine) can:
    `verify(expect=...)` fails when the chain is shorter or that entry's hash differs.
    """

    count: int
    hash: str

    def __str__(self) -> str:
        return f"{self.count}:{self.hash}"

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        count, _, digest = text.strip().partition(":")
        if not (count.isdigit() and len(digest) == 64
                and all(c in "0123456789abcdef" for c in digest)):
            raise ValueError(f"not a checkpoint (COUNT:SHA256-HEX): {text!r}")
        return cls(int(count), digest)


def checkpoint() -> Checkpoint:
    """The present head of the sealed chain (0 and the genesis hash for an empty log)."""
    return Checkpoint(*_head(db.session()))


def check_against(result: VerifyResult, expected: Checkpoint) -> VerifyResult:
    """An intact chain must still hold the entry a checkpoint names, with the same hash."""
    if not result.ok or expected.count == 0:
        return result
    if result.checked < expected.count:
        return VerifyResult(False, result.checked, None,
                            f"chain has {result.checked} entries, checkpoint {expected} expects "
                            f"at least {expected.count}: the newest entries were deleted")
    found = db.session.scalar(select(AuditEntry.hash).where(AuditEntry.seq == expected.count))
    if found != expected.hash:
        return VerifyResult(False, result.checked, expected.count,
                            f"entry seq={expected.count} does not match checkpoint {expected}: "
                            "the chain was rewritten from there on")
    return result


def timeline(subject_type: str, subject_id: int, *, include_internal: bool = False) -> list[AuditEntry]:
    query = select(AuditEntry).where(
        AuditEntry.subject_type == subject_type, AuditEntry.subject_id == subject_id
    )
    if not include_internal:
        query = query.where(AuditEntry.public.is_(True))
    # Actors loaded in one query, not one per entry (tests/test_query_counts.py).
    query = query.options(selectinload(AuditEntry.actor))
    return list(db.session.scalars(query.order_by(AuditEntry.id)).all())
