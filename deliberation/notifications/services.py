"""Who hears about a matter, and the bell's queries."""

from __future__ import annotations

from sqlalchemy import func, select, update

from ..core.audit import AuditEntry
from ..core.time import utcnow
from ..database import dialect_insert
from ..extensions import db
from ..matters.models import Follow, Matter
from .messages import Message, as_parts, render_default
from .models import Notification


def follow(matter: Matter, user_id: int) -> None:
    """Idempotent: following twice (or in parallel) leaves one row."""
    _insert_ignore(Follow, matter_id=matter.id, user_id=user_id)


def unfollow(matter: Matter, user_id: int) -> None:
    db.session.execute(
        Follow.__table__.delete().where(Follow.matter_id == matter.id, Follow.user_id == user_id)
    )


def is_following(matter: Matter, user_id: int) -> bool:
    return db.session.scalar(
        select(func.count()).select_from(Follow)
        .where(Follow.matter_id == matter.id, Follow.user_id == user_id)
    ) > 0


def followers(matter: Matter) -> set[int]:
    ids = set(db.session.scalars(select(Follow.user_id).where(Follow.matter_id == matter.id)))
    if matter.proposer_id:
        ids.add(matter.proposer_id)
    return ids


def notify_followers(matter: Matter, entry: AuditEntry, *, exclude: int | None = None,
                     message: Message = "") -> int:
    """Queue one notification per follower (the proposer included) except the actor."""
    recipients = followers(matter) - {exclude} if exclude else followers(matter)
    notify_users(recipients, kind=entry.action, message=message or entry.reason or "",
                 matter=matter, entry=entry)
    return len(recipients)


def notify_users(user_ids: set[int], *, kind: str, message: Message,
                 matter: Matter | None = None, entry: AuditEntry | None = None,
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


def notify_committee(matter: Matter, *, kind: str, message: Message,
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


def _insert_ignore(model, **values) -> None:
    db.session.execute(dialect_insert(model).values(**values).on_conflict_do_nothing())
