"""Matters (议题), their co-signs, followers and photos.

A matter's `state` is assigned only in `matters/workflow.py`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, ClassVar

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.enums import LabeledEnum
from ..core.time import utcnow
from ..directory.models import Category, Community
from ..extensions import db
from .states import COSIGN_OPEN, DECIDED, MatterState

if TYPE_CHECKING:
    from ..accounts.models import User


class Channel(LabeledEnum):
    ONLINE = ("online", "居民自行提交")
    VISIT = ("visit", "上门走访")
    PHONE = ("phone", "电话")
    OFFLINE_MEETING = ("offline_meeting", "线下议事会")
    SUGGESTION_BOX = ("suggestion_box", "意见箱")


def first_answer_due(created_at: datetime, target_days: int) -> datetime:
    """When the committee's first answer is due: the street's target (first_answer_days)."""
    return created_at + timedelta(days=target_days)


def first_answer_overdue(state: str, first_answer_at: datetime | None, created_at: datetime,
                         target_days: int, now: datetime) -> bool:
    """The one overdue rule for a first answer (matter page, screening queue, statistics):
    still waiting for its first answer after the due moment."""
    return (state == MatterState.SUBMITTED.value and first_answer_at is None
            and first_answer_due(created_at, target_days) < now)


# States a matter reaches only through a meeting's vote (adopt / not_adopt) and keeps after it.
DECIDED_SQL = ", ".join(sorted(f"'{s.value}'" for s in DECIDED))


class Matter(db.Model):
    # Explicit: the id is also part of the agenda-item keys below, which would otherwise turn off
    # SQLAlchemy's autoincrement for it.
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"))
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"))
    title: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(Text)
    place: Mapped[str] = mapped_column(String(120), default="")
    # The motion's scope as the committee wrote it on accepting (optional).
    scope: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(20), default=MatterState.SUBMITTED.value)
    # The latest public reason for the state (rejection reason, referral note, what is missing).
    state_reason: Mapped[str] = mapped_column(Text, default="")
    proposer_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    filed_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    channel: Mapped[str] = mapped_column(String(20), default=Channel.ONLINE.value)
    hide_name: Mapped[bool] = mapped_column(default=False)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("matter.id"))
    cosign_count: Mapped[int] = mapped_column(default=0)
    # A token from the filing form: a double tap or a resent form finds the first matter.
    submit_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    state_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    first_answer_at: Mapped[datetime | None] = mapped_column()
    decided_at: Mapped[datetime | None] = mapped_column()
    closed_at: Mapped[datetime | None] = mapped_column()
    # When the current window (notice or evaluation) ends; NULL when no window is running.
    window_ends_at: Mapped[datetime | None] = mapped_column()
    # The agenda item (议程项) of the matter's current or latest scheduling, set by `schedule`,
    # and the one whose vote made the standing decision, set by `adopt` / `not_adopt`. The vote
    # belongs to the agenda item (its count is on the item; open ballots add a row per member,
    # secret and show-of-hands ballots none), so the item is what a decision references.
    # Both point at an item of this very matter (composite keys below).
    agenda_item_id: Mapped[int | None] = mapped_column()
    decided_by_item_id: Mapped[int | None] = mapped_column()

    community: Mapped[Community] = relationship()
    category: Mapped[Category] = relationship()
    proposer: Mapped[User | None] = relationship(foreign_keys=[proposer_id])
    filed_by: Mapped[User] = relationship(foreign_keys=[filed_by_id])
    merged_into: Mapped[Matter | None] = relationship(remote_side=[id], foreign_keys=[merged_into_id])
    photos: Mapped[list[MatterPhoto]] = relationship(
        back_populates="matter", order_by="MatterPhoto.position", cascade="all, delete-orphan"
    )

    __table_args__ = (
        CheckConstraint(MatterState.check_sql("state"), name="state"),
        CheckConstraint(Channel.check_sql("channel"), name="channel"),
        CheckConstraint("state != 'merged' OR merged_into_id IS NOT NULL", name="merged_has_target"),
        CheckConstraint("merged_into_id IS NULL OR merged_into_id != id", name="not_merged_into_self"),
        CheckConstraint("cosign_count >= 0", name="cosign_count_positive"),
        # The database keeps what the workflow promises: a scheduled matter is on a real agenda
        # item, and a matter that was voted on (adopted or not, and every state after adoption)
        # references the item whose vote decided it, the very item it was scheduled on.
        CheckConstraint("state != 'scheduled' OR agenda_item_id IS NOT NULL",
                        name="scheduled_has_agenda_item"),
        CheckConstraint(f"state NOT IN ({DECIDED_SQL}) OR decided_by_item_id IS NOT NULL",
                        name="decided_has_vote"),
        CheckConstraint("decided_by_item_id IS NULL OR decided_by_item_id = agenda_item_id",
                        name="decided_on_its_agenda_item"),
        ForeignKeyConstraint(["agenda_item_id", "id"], ["agenda_item.id", "agenda_item.matter_id"],
                             name="fk_matter_agenda_item", use_alter=True),
        ForeignKeyConstraint(["decided_by_item_id", "id"],
                             ["agenda_item.id", "agenda_item.matter_id"],
                             name="fk_matter_decided_by_item", use_alter=True),
        CheckConstraint("length(title) >= 1", name="title_not_empty"),
        Index("ix_matter_state_created", "state", "created_at"),
        Index("ix_matter_community_state", "community_id", "state", "created_at"),
        Index("ix_matter_created", "created_at", "id"),
        Index("ix_matter_cosigns", "cosign_count", "id"),
        Index("ix_matter_category_created", "category_id", "created_at", "id"),
        # Partial: nearly every matter has no merge target, and statistics over all those NULLs
        # (ANALYZE) would talk SQLite out of using a full index for `merged_into_id = ?`.
        Index("ix_matter_merged_into", "merged_into_id",
              sqlite_where=text("merged_into_id IS NOT NULL"),
              postgresql_where=text("merged_into_id IS NOT NULL")),
        Index("ix_matter_filed_by", "filed_by_id"),
        # The home board's lists: open notices and evaluations by when their window ends, the
        # latest closed matters (bench/pages.py: at 100,000 matters each list sorted every
        # matter of its state in a temporary B-tree).
        Index("ix_matter_state_window", "state", "window_ends_at", "id"),
        Index("ix_matter_state_closed", "state", "closed_at", "id"),
    )

    @property
    def status(self) -> MatterState:
        return MatterState(self.state)

    @property
    def is_public(self) -> bool:
        """Withdrawn matters leave the public lists; everything else is public."""
        return self.state != MatterState.WITHDRAWN.value

    @property
    def in_notice(self) -> bool:
        """The resolution notice (决议公示) runs: residents may object."""
        return self.status == MatterState.IN_NOTICE

    @property
    def takes_cosigns(self) -> bool:
        """Still open for co-signs (附议), whoever asks (a visitor is offered the login)."""
        return self.status in COSIGN_OPEN

    @property
    def channel_label(self) -> str:
        return Channel(self.channel).label

    @property
    def filed_on_behalf(self) -> bool:
        """Filed by staff for a resident (代录) through an offline channel."""
        return self.channel != Channel.ONLINE.value

    @property
    def awaits_first_answer(self) -> bool:
        return self.state == MatterState.SUBMITTED.value and self.first_answer_at is None

    @property
    def first_answer_due_at(self) -> datetime:
        return first_answer_due(self.created_at, self.community.street.first_answer_days)

    def is_first_answer_overdue(self, now: datetime | None = None) -> bool:
        return first_answer_overdue(self.state, self.first_answer_at, self.created_at,
                                    self.community.street.first_answer_days, now or utcnow())

    def public_proposer_name(self) -> str:
        from flask_babel import gettext

        if self.hide_name or self.proposer is None:
            return gettext("匿名居民") if self.hide_name else gettext("居民（代录）")
        return self.proposer.display_name

    # --- permission questions -------------------------------------------------------------
    # Every action a user may take on a matter, by name: the workflow registers one per
    # transition, each stage registers its own abilities ("rate", "object", "comment"...) when
    # the app starts, so this module never imports a stage. Views ask before acting (403 on
    # no) and templates ask before showing the button: one answer, two uses.
    abilities: ClassVar[dict[str, Callable[[Matter, User | None], bool]]] = {}

    @classmethod
    def register_ability(cls, name: str, answer: Callable[[Matter, User | None], bool]) -> None:
        cls.abilities[name] = answer

    def can(self, action: str, user: User | None) -> bool:
        """May `user` do `action` to this matter now? An unknown action is a programming
        error (a misspelt name in a template must not silently hide a button)."""
        try:
            answer = Matter.abilities[action]
        except KeyError:
            raise LookupError(f"no ability {action!r} is registered on Matter") from None
        return bool(answer(self, user))

    def is_overseen_by(self, user: User | None) -> bool:
        """Station staff and the committee of the matter's community: they see internal notes,
        hidden names and non-public matters."""
        return bool(user is not None and user.is_authenticated and (
            user.is_staff or user.sits_on_committee_of(self.community_id)))

    def can_screen(self, user: User | None) -> bool:
        """Screening (初审) is the residents' committee's of the matter's own community; station
        staff oversee it but do not screen (DOMAIN.md, the transition table)."""
        return bool(user is not None and user.is_authenticated
                    and user.sits_on_committee_of(self.community_id)
                    and self.status == MatterState.SUBMITTED)

    def can_see_channel(self, user: User | None) -> bool:
        """How a 代录 matter was collected (phone, visit...) is for the committee and staff."""
        return self.filed_on_behalf and self.is_overseen_by(user)

    def can_see_proposer(self, user: User | None) -> bool:
        """The committee of the matter's community and station staff see who filed it."""
        if self.proposer is None:
            return False
        if not self.hide_name:
            return True
        return bool(user and user.is_authenticated and user.id == self.proposer_id) \
            or self.is_overseen_by(user)


class Cosign(db.Model):
    """A resident's support (附议) for a matter; once per resident per matter."""

    id: Mapped[int] = mapped_column(primary_key=True)
    matter_id: Mapped[int] = mapped_column(ForeignKey("matter.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("matter_id", "user_id"),)


class Follow(db.Model):
    """Someone who hears about every public step of a matter."""

    id: Mapped[int] = mapped_column(primary_key=True)
    matter_id: Mapped[int] = mapped_column(ForeignKey("matter.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("matter_id", "user_id"),)


class MatterPhoto(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    matter_id: Mapped[int] = mapped_column(ForeignKey("matter.id", ondelete="CASCADE"), index=True)
    # Generated name (random hex) of the re-encoded file under instance/uploads; never user input.
    file_key: Mapped[str] = mapped_column(String(64), unique=True)
    width: Mapped[int] = mapped_column()
    height: Mapped[int] = mapped_column()
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    matter: Mapped[Matter] = relationship(back_populates="photos")
