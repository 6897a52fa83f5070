"""Who hears about a matter, and the bell's queries."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import func, select, update

from ..core.audit import AuditEntry
from ..core.time import utcnow
from ..extensions import db
from .messages import Message, as_parts, render_default
from .models import Notification

if TYPE_CHECKING:
    from typing import Protocol

    class Subject(Protocol):  # a matter, as far as the bell needs one
        id: int
        community_id: int


def notify_users(user_ids: set[int], *, kind: str, message: Message,
                 matter: Subject | None = None, entry: AuditEntry | None = None,
                 meeting=None) -> None:
    """`message` is typed text (a str) or message keys (messages.N_), rendered when read.
    The SMS and email deliveries each person chose are written in the same transaction
    (the outbox, see delivery.py); nothing is sent here."""
    parts = as_parts(message)
    fallback = render_default(parts)
    notes = [Notification(
        user_id=user_id, matter_id=matter.id if matter else None,
        audit_entry_id=entry.id if entry else None, kind=kind, message=fallback,
        body=parts or None, meeting_id=meeting.id if meeting is not None else None,
    ) for user_id in sorted(user_ids)]
    db.session.add_all(notes)
    db.session.flush()
    if notes:
        from .outbox import write_deliveries

        write_deliveries(notes)


def display_text(note: Notification) -> str:
    """The notice in the reader's language; rows from before message keys show their text."""
    from .messages import render

    return render(note.body) if note.body else note.message


def committee_ids(community_id: int) -> set[int]:
    """Members of the community's residents' committee (who screen and moderate there)."""
    from ..directory.models import Body, BodyKind, Membership

    return set(db.session.scalars(select(Membership.user_id).join(Body).where(
        Body.kind == BodyKind.COMMITTEE.value, Body.community_id == community_id)))


def notify_committee(matter: Subject, *, kind: str, message: Message,
                     entry: AuditEntry | None = None, exclude: set[int] = frozenset()) -> set[int]:
    """Tell the matter's committee, once: a member who has not yet read this kind of notice
    about this matter gets no second one (a burst of reports makes one notice, not ten)."""
    recipients = committee_ids(matter.community_id) - set(exclude)
    if recipients:
        recipients -= set(db.session.scalars(select(Notification.user_id).where(
            Notification.matter_id == matter.id, Notification.kind == kind,
            Notification.read_at.is_(None), Notification.user_id.in_(recipients))))
    notify_users(recipients, kind=kind, message=message, matter=matter, entry=entry)
    return recipients


def unread_count(user_id: int) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
    ) or 0


def mark_all_read(user_id: int) -> None:
    db.session.execute(
        update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
