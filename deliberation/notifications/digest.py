"""The daily digest: a reader who chose it gets one email a morning with yesterday's notices.

`run_digest(now)` is called by the periodic tick: after 08:00 street time it sends, per reader,
the held digest rows written before today began (street time), in one email, and marks them
sent with that email's message id. A failed send leaves them held for the next tick.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, time
from email.message import EmailMessage

from flask import current_app, render_template, url_for
from flask_babel import force_locale, gettext
from sqlalchemy import select, update

from ..accounts.models import User
from ..extensions import db
from . import preferences
from .channels import DeliveryError, notice_text, reader_locale, send_email, unsubscribe_token
from .models import Delivery, DeliveryState, Notification

S = DeliveryState
DIGEST_HOUR = time(8, 0)


def run(now: datetime) -> int:
    return run_digest(now)


def run_digest(now: datetime) -> int:
    """Send the digests that are due; returns how many emails went out."""
    here = preferences.local(now)
    if here.time() < DIGEST_HOUR:
        return 0
    day_start = preferences.to_utc(datetime.combine(here.date(), time(0, 0)))
    rows = db.session.execute(
        select(Delivery.id, Delivery.user_id, Delivery.notification_id)
        .where(Delivery.state == S.HELD, Delivery.digest.is_(True), Delivery.channel == "email",
               Delivery.created_at < day_start)
        .order_by(Delivery.user_id, Delivery.id)).all()
    by_user: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for delivery_id, user_id, note_id in rows:
        by_user[user_id].append((delivery_id, note_id))
    sent = 0
    from .delivery import _link_context

    for user_id, items in by_user.items():
        user = db.session.get(User, user_id)
        address = preferences.choice(user).email
        ids = [d for d, _ in items]
        if not address:
            _mark(ids, state=S.SUPPRESSED, last_error="no email address")
            continue
        try:
            with _link_context():
                message_id = send_email(_compose(user, address, [n for _, n in items]), address)
        except DeliveryError as exc:
            _mark(ids, state=S.FAILED if exc.permanent else S.HELD, last_error=str(exc))
            continue
        _mark(ids, state=S.SENT, provider_message_id=message_id, sent_at=now, last_error=None,
              attempts=Delivery.attempts + 1)
        sent += 1
    return sent


def _mark(ids: list[int], **values) -> None:
    db.session.execute(update(Delivery).where(Delivery.id.in_(ids), Delivery.state == S.HELD)
                       .values(**values))
    db.session.commit()


def _compose(user: User, address: str, note_ids: list[int]) -> EmailMessage:
    notes = list(db.session.scalars(select(Notification).where(Notification.id.in_(note_ids))
                                    .order_by(Notification.id)))
    items = [notice_text(n, user) for n in notes]
    unsubscribe = url_for("notifications.preferences", _external=True)
    with force_locale(reader_locale(user)):
        subject = gettext("社区议事厅：今日通知摘要（%(n)d 条）", n=len(items))
        context = {"items": items, "user": user, "settings": unsubscribe,
                   "link": url_for("notifications.index", _external=True)}
        plain = render_template("notifications/digest.txt", **context)
        html = render_template("notifications/digest.html", **context)
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = current_app.config.get("MAIL_FROM") or "noreply@localhost"
    msg["To"] = address
    from email.utils import make_msgid

    msg["Message-ID"] = make_msgid()
    group = "matters"
    one_click = url_for("notifications.unsubscribe", token=unsubscribe_token(user.id, group),
                        _external=True)
    msg["List-Unsubscribe"] = f"<{one_click}>"
    msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg.set_content(plain)
    msg.add_alternative(html, subtype="html")
    return msg
