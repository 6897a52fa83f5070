"""Decisions as the public record shows them: read from the matter's public audit entries.

Only a whitelist of numbers is taken from an entry's details (the aggregate count of a vote),
so nothing else a service put there (a vote id, anything of a secret ballot) can leak out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from ..core.audit import AuditEntry
from ..extensions import db
from ..matters.models import Matter
from ..matters.states import MatterState as S

DECISION_ACTIONS = ("adopt", "not_adopt")
COUNT_KEYS = ("yes", "no", "abstain", "present")


@dataclass(frozen=True)
class Decision:
    matter: Matter
    entry_id: int  # the audit entry's id: stable from the moment it is written
    adopted: bool
    at: datetime
    counts: dict[str, int]

    @property
    def outcome_label(self) -> str:
        return (S.ADOPTED if self.adopted else S.NOT_ADOPTED).label


def public_counts(details: dict | None) -> dict[str, int]:
    raw = (details or {}).get("counts") or {}
    out = {}
    for key in COUNT_KEYS:
        value = raw.get(key) if isinstance(raw, dict) else None
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            out[key] = value
    return out


def _decision(entry: AuditEntry, matter: Matter) -> Decision:
    return Decision(matter, entry.id, entry.action == "adopt", entry.created_at,
                    public_counts(entry.details))


def latest(matter: Matter) -> Decision | None:
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.subject_type == "matter",
                                 AuditEntry.subject_id == matter.id,
                                 AuditEntry.action.in_(DECISION_ACTIONS),
                                 AuditEntry.public.is_(True))
        .order_by(AuditEntry.id.desc()).limit(1))
    return _decision(entry, matter) if entry else None


def recent(limit: int = 50) -> list[Decision]:
    """The latest public decisions on public matters, newest first."""
    rows = db.session.execute(
        select(AuditEntry, Matter).join(Matter, Matter.id == AuditEntry.subject_id)
        .where(AuditEntry.subject_type == "matter", AuditEntry.action.in_(DECISION_ACTIONS),
               AuditEntry.public.is_(True), Matter.state != S.WITHDRAWN.value)
        .order_by(AuditEntry.id.desc()).limit(limit)).all()
    return [_decision(entry, matter) for entry, matter in rows]


def for_matters(matter_ids: list[int]) -> list[Decision]:
    """The latest public decision of each of these matters (those that have one)."""
    if not matter_ids:
        return []
    rows = db.session.execute(
        select(AuditEntry, Matter).join(Matter, Matter.id == AuditEntry.subject_id)
        .where(AuditEntry.subject_type == "matter", AuditEntry.subject_id.in_(matter_ids),
               AuditEntry.action.in_(DECISION_ACTIONS), AuditEntry.public.is_(True))
        .order_by(AuditEntry.id)).all()
    latest = {matter.id: _decision(entry, matter) for entry, matter in rows}
    return list(latest.values())
