"""In-app notifications (the bell)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..core.time import utcnow
from ..extensions import db


class Notification(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    matter_id: Mapped[int | None] = mapped_column(ForeignKey("matter.id", ondelete="CASCADE"))
    audit_entry_id: Mapped[int | None] = mapped_column(ForeignKey("audit_entry.id"))
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
