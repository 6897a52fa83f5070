"""The append-only, hash-chained audit log.

Each entry's hash is SHA-256 over its own content and the previous entry's hash, so editing,
deleting or inserting a row anywhere breaks the chain from that row on. Services write entries
with `record()`; nothing updates or deletes them. A matter's public timeline reads its public
entries.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, select, text
from sqlalchemy.orm import Mapped, mapped_column, relationship, selectinload

from ..extensions import db
from .time import utcnow

GENESIS = "0" * 64


class AuditEntry(db.Model):
    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(unique=True)
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
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    actor = relationship("User")

    __table_args__ = (
        Index("ix_audit_subject", "subject_type", "subject_id", "seq"),
        CheckConstraint("seq > 0", name="seq_positive"),
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
    """Append one entry to the chain (in the caller's transaction) and flush it."""
    _lock_chain()
    last = db.session.execute(
        select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    seq, prev = (last.seq + 1, last.hash) if last else (1, GENESIS)
    entry = AuditEntry(
        seq=seq,
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
        prev_hash=prev,
    )
    entry.hash = entry.compute_hash()
    db.session.add(entry)
    db.session.flush()
    return entry


def _lock_chain() -> None:
    """Serialise appends. SQLite's BEGIN IMMEDIATE already does; PostgreSQL needs a lock."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(728361)"))


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    broken_seq: int | None = None
    problem: str = ""


def verify(batch: int = 5000) -> VerifyResult:
    """Walk the whole chain in order; report the first entry whose hash or link is wrong."""
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
    """The present head of the chain (0 and the genesis hash for an empty log)."""
    last = db.session.execute(
        select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)).first()
    return Checkpoint(last.seq, last.hash) if last else Checkpoint(0, GENESIS)


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
    return list(db.session.scalars(query.order_by(AuditEntry.seq)).all())
