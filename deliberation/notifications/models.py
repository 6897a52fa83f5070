"""In-app notifications (the bell)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..core.time import utcnow
from ..extensions import db


class Notification(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    matter_id: Mapped[int | None] = mapped_column(ForeignKey("matter.id", ondelete="CASCADE"))
    audit_entry_id: Mapped[int | None] = mapped_column(ForeignKey("audit_entry.id"))
    # A meeting's notice carries its meeting (the email attaches the iCal file).
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meeting.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(40))
    # The text in the default language (what rows before body existed hold, and a fallback).
    message: Mapped[str] = mapped_column(Text)
    # Message keys with parameters (see messages.py), rendered in the reader's language.
    body: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON(none_as_null=True))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column()

    __table_args__ = (
        Index("ix_notification_user_unread", "user_id", "read_at", "id"),
        Index("ix_notification_matter", "matter_id", "kind"),
    )


class DeliveryState:
    """The states of an outbox row (a CHECK constraint keeps the column to these)."""

    PENDING = "pending"        # due at next_attempt_at (a first try or a retry)
    # Claimed by a worker until next_attempt_at (its lease). Still "sending" when the lease has
    # run out means the worker died before it recorded an answer: the next claim first asks
    # the provider whether that attempt's message went out.
    SENDING = "sending"
    HELD = "held"              # waiting on purpose: quiet hours (until 08:00) or the daily digest
    SENT = "sent"
    FAILED = "failed"          # refused for good by the provider, or out of attempts
    SUPPRESSED = "suppressed"  # not sent by design: no verified phone, no address, unsubscribed

    ALL = (PENDING, SENDING, HELD, SENT, FAILED, SUPPRESSED)
    LABELS = {PENDING: "待发送", SENDING: "发送中", HELD: "暂缓", SENT: "已发送", FAILED: "发送失败",
              SUPPRESSED: "未发送"}


class Delivery(db.Model):
    """The transactional outbox: one row per notification and channel (email, sms), written in
    the notification's own transaction; workers send it later, once (the unique key)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notification.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(10))
    state: Mapped[str] = mapped_column(String(12), default=DeliveryState.PENDING)
    # Held for the daily digest (email only): sent by run_digest, not by deliver_due.
    digest: Mapped[bool] = mapped_column(default=False)
    attempts: Mapped[int] = mapped_column(default=0)
    # When a worker may take the row next; a claim pushes it ahead by a lease, so a crashed
    # worker's row comes due again by itself.
    next_attempt_at: Mapped[datetime | None] = mapped_column()
    provider_message_id: Mapped[str | None] = mapped_column(String(100))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column()

    __table_args__ = (
        UniqueConstraint("notification_id", "channel", name="uq_delivery_notification_channel"),
        CheckConstraint("state IN ('pending', 'sending', 'held', 'sent', 'failed', 'suppressed')",
                        name="delivery_state"),
        CheckConstraint("channel IN ('email', 'sms')", name="delivery_channel"),
        Index("ix_delivery_due", "state", "next_attempt_at"),
    )

    @property
    def state_label(self) -> str:
        from flask_babel import gettext

        return gettext(DeliveryState.LABELS[self.state])


class SmsConsoleMessage(db.Model):
    """What the `console` SMS provider 'sent': kept in the database so every worker's messages
    show on the staff delivery page (development and trials without an SMS contract)."""

    __tablename__ = "sms_console_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(40), unique=True)
    phone: Mapped[str] = mapped_column(String(20), index=True)
    template: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict[str, str]] = mapped_column(JSON)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class NotificationPreference(db.Model):
    """What one person chose; without a row the defaults for their role apply (preferences.py).

    `sms` and `email` hold the kind groups (preferences.GROUPS) sent on that channel."""

    __tablename__ = "notification_preference"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    email: Mapped[str | None] = mapped_column(String(254))
    sms: Mapped[list[str]] = mapped_column(JSON, default=list)
    email_groups: Mapped[list[str]] = mapped_column("email_kinds", JSON, default=list)
    digest: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
