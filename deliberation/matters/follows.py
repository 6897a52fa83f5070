"""Who follows a matter (the proposer always does), and telling them of a step."""

from __future__ import annotations

from sqlalchemy import func, select

from ..core.audit import AuditEntry
from ..database import insert_once
from ..extensions import db
from ..notifications.messages import Message
from ..notifications.services import notify_users
from .models import Follow, Matter


def follow(matter: Matter, user_id: int) -> None:
    """Idempotent: following twice (or in parallel) leaves one row."""
    insert_once(Follow, matter_id=matter.id, user_id=user_id)


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
