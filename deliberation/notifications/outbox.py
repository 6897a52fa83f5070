"""The transactional outbox: a notice's SMS and email deliveries, written with the notice.

Each person's choice (preferences.py) decides the channels; a delivery that cannot go (no
verified phone, no email address) is written as `suppressed` so staff can see why; an SMS
written at night is `held` until 08:00 street time; an email for a digest reader is `held`
for the daily digest. Nothing here sends.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import insert, select

from ..accounts.models import User
from ..core.time import utcnow
from ..directory.models import Membership
from ..extensions import db
from . import preferences
from .models import Delivery, DeliveryState, Notification, NotificationPreference

S = DeliveryState


def email_enabled() -> bool:
    return bool(current_app.config.get("MAIL_SERVER"))


def write_deliveries(notes: list[Notification]) -> int:
    """Insert the outbox rows for these (flushed) notifications; returns how many."""
    ids = {n.user_id for n in notes}
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}
    prefs = {p.user_id: p for p in db.session.scalars(
        select(NotificationPreference).where(NotificationPreference.user_id.in_(ids)))}
    members = set(db.session.scalars(select(Membership.user_id).where(Membership.user_id.in_(ids))))
    now = utcnow()
    rows = []
    for note in notes:
        user = users.get(note.user_id)
        if user is None or not user.active:
            continue
        chosen = preferences.choice(user, prefs.get(user.id), loaded=True,
                                    is_member=user.id in members)
        group = preferences.group_of(note.kind)
        if group in chosen.sms:
            rows.append(_row(note, "sms", now, *_sms_state(user, now)))
        if group in chosen.email_groups and email_enabled():
            if not chosen.email:
                rows.append(_row(note, "email", now, S.SUPPRESSED, None, "no email address"))
            elif chosen.digest:
                rows.append(_row(note, "email", now, S.HELD, None, None, digest=True))
            else:
                rows.append(_row(note, "email", now, S.PENDING, now, None))
    if rows:
        ids = db.session.scalars(insert(Delivery).returning(Delivery.id, sort_by_parameter_order=True),
                                 rows).all()
        # Due now: enqueued for the RQ workers once this transaction commits (worker.py).
        db.session.info.setdefault("deliveries_new", []).extend(
            i for i, r in zip(ids, rows, strict=True) if r["state"] == S.PENDING)
    return len(rows)


def _sms_state(user: User, now) -> tuple[str, object, str | None]:
    if not preferences.phone_verified(user):
        return S.SUPPRESSED, None, "phone not verified"
    morning = preferences.quiet_until(now)
    if morning is not None:
        return S.HELD, morning, None
    return S.PENDING, now, None


def _row(note: Notification, channel: str, now, state: str, due, error: str | None, *,
         digest: bool = False) -> dict:
    return {"notification_id": note.id, "user_id": note.user_id, "channel": channel,
            "state": state, "digest": digest, "attempts": 0, "next_attempt_at": due,
            "last_error": error, "created_at": now}
