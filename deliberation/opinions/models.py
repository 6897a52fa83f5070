"""Opinions (意见) on a matter before its meeting: replies, agrees, reports and the summary.

An opinion is either top level (it has a stance) or a reply to a top-level opinion (no stance);
the database holds both rules. `agree_count` is kept beside the agree rows so a page of opinions
sorts and shows counts without counting per opinion.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..core.enums import LabeledEnum
from ..core.time import utcnow
from ..extensions import db


class Stance(LabeledEnum):
    FOR = ("for", "支持", "ok")
    AGAINST = ("against", "反对", "bad")
    SUGGESTION = ("suggestion", "建议", "pending")


class Visibility(LabeledEnum):
    SHOWN = ("shown", "公开")
    PENDING = ("pending", "多人举报，待居委会审核")
    HIDDEN = ("hidden", "已被居委会隐藏")


class ReportReason(LabeledEnum):
    ABUSE = ("abuse", "辱骂或人身攻击")
    PRIVACY = ("privacy", "泄露他人隐私")
    OFF_TOPIC = ("off_topic", "与议题无关")
    ADVERT = ("advert", "广告或刷屏")
    FALSE = ("false", "明显不实的信息")


class Resolution(LabeledEnum):
    HIDDEN = ("hidden", "已隐藏")
    DISMISSED = ("dismissed", "举报不成立")


class Opinion(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    matter_id: Mapped[int] = mapped_column(ForeignKey("matter.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("opinion.id", ondelete="CASCADE"))
    stance: Mapped[str | None] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    # A photo stored by core.photos (generated key); served by opinions.photo, which checks
    # that the opinion is visible to the viewer.
    photo_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Whether the author sat on the matter's community committee when posting (the badge).
    by_committee: Mapped[bool] = mapped_column(default=False)
    visibility: Mapped[str] = mapped_column(String(10), default=Visibility.SHOWN.value)
    hidden_reason: Mapped[str] = mapped_column(Text, default="")
    moderated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    moderated_at: Mapped[datetime | None] = mapped_column()
    agree_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column()

    author: Mapped[User] = relationship(foreign_keys=[author_id])

    __table_args__ = (
        CheckConstraint(Visibility.check_sql("visibility"), name="visibility"),
        CheckConstraint("stance IS NULL OR " + Stance.check_sql("stance"), name="stance"),
        # Top-level opinions take a stance; replies do not.
        CheckConstraint("(parent_id IS NULL AND stance IS NOT NULL) OR "
                        "(parent_id IS NOT NULL AND stance IS NULL)", name="stance_iff_top"),
        CheckConstraint("parent_id IS NULL OR parent_id != id", name="not_own_parent"),
        CheckConstraint("visibility != 'hidden' OR length(hidden_reason) > 0",
                        name="hidden_has_reason"),
        CheckConstraint("agree_count >= 0", name="agree_count_positive"),
        CheckConstraint("length(text) >= 1", name="text_not_empty"),
        Index("ix_opinion_matter_new", "matter_id", "parent_id", "created_at", "id"),
        Index("ix_opinion_matter_top", "matter_id", "parent_id", "agree_count", "id"),
        Index("ix_opinion_parent", "parent_id", "created_at", "id"),
    )

    @property
    def is_reply(self) -> bool:
        return self.parent_id is not None

    @property
    def is_shown(self) -> bool:
        return self.visibility == Visibility.SHOWN.value

    @property
    def stance_enum(self) -> Stance | None:
        return Stance(self.stance) if self.stance else None


class OpinionAgree(db.Model):
    """A resident's "agree" with an opinion: once per resident per opinion."""

    id: Mapped[int] = mapped_column(primary_key=True)
    opinion_id: Mapped[int] = mapped_column(ForeignKey("opinion.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("opinion_id", "user_id"),)


class OpinionReport(db.Model):
    """A report that an opinion breaks the rules: once per person per opinion."""

    id: Mapped[int] = mapped_column(primary_key=True)
    opinion_id: Mapped[int] = mapped_column(ForeignKey("opinion.id", ondelete="CASCADE"))
    reporter_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column()
    resolution: Mapped[str | None] = mapped_column(String(10))
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    __table_args__ = (
        UniqueConstraint("opinion_id", "reporter_id"),
        CheckConstraint(ReportReason.check_sql("reason"), name="reason"),
        CheckConstraint("resolution IS NULL OR " + Resolution.check_sql("resolution"),
                        name="resolution"),
        CheckConstraint("(resolved_at IS NULL AND resolution IS NULL) OR "
                        "(resolved_at IS NOT NULL AND resolution IS NOT NULL)",
                        name="resolved_together"),
        Index("ix_opinion_report_open", "resolved_at", "opinion_id"),
    )


class OpinionSummary(db.Model):
    """The committee's summary of the opinions (意见汇总), one per matter, for the meeting."""

    id: Mapped[int] = mapped_column(primary_key=True)
    matter_id: Mapped[int] = mapped_column(ForeignKey("matter.id", ondelete="CASCADE"),
                                           unique=True)
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User] = relationship()

    __table_args__ = (CheckConstraint("length(text) >= 1", name="text_not_empty"),)
