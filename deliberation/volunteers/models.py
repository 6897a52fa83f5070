"""Volunteers and the points shop (志愿服务 + 积分超市).

Tasks are opened on a matter being carried out; residents take a place (or wait for one); the
organiser checks them in and confirms their hours, which earn points by the street's published
rule. Points live in an append-only ledger; `PointsAccount.balance` is the ledger's sum kept
beside it under a CHECK (balance >= 0), so the database refuses an overspend even when two
redemptions race. Shop items are pledged by businesses and organisations; a redemption is a
short code the station hands the item over against, once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.enums import LabeledEnum
from ..core.time import utcnow
from ..directory.models import Organisation
from ..extensions import db
from ..matters.models import Matter

if TYPE_CHECKING:
    from ..accounts.models import User


class SignupStatus(LabeledEnum):
    PLACE = ("place", "已报名", "done")
    WAITING = ("waiting", "候补", "pending")
    CANCELLED = ("cancelled", "已取消", "closed")


class VolunteerTask(db.Model):
    """A piece of labour (筹劳) on a matter being carried out: what, where, when, how many."""

    id: Mapped[int] = mapped_column(primary_key=True)
    matter_id: Mapped[int] = mapped_column(ForeignKey("matter.id", ondelete="CASCADE"), index=True)
    phase_id: Mapped[int | None] = mapped_column(ForeignKey("phase.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(80))
    details: Mapped[str] = mapped_column(Text, default="")
    place: Mapped[str] = mapped_column(String(120))
    starts_at: Mapped[datetime] = mapped_column()  # UTC
    ends_at: Mapped[datetime] = mapped_column()
    capacity: Mapped[int] = mapped_column()
    points_per_hour: Mapped[int] = mapped_column()  # the street's rule when the task was opened
    cutoff_at: Mapped[datetime] = mapped_column()  # sign-up and cancelling close here
    checkin_code: Mapped[str] = mapped_column(String(8))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    matter: Mapped[Matter] = relationship()
    signups: Mapped[list[Signup]] = relationship(
        back_populates="task", order_by="Signup.id", cascade="all, delete-orphan")

    __table_args__ = (
        CheckConstraint("capacity > 0", name="capacity_positive"),
        CheckConstraint("points_per_hour >= 0", name="points_not_negative"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("cutoff_at <= starts_at", name="cutoff_before_start"),
    )

    @property
    def places(self) -> list[Signup]:
        """Who has a place, in signing-up order."""
        return [s for s in self.signups if s.has_place]

    @property
    def waiting_list(self) -> list[Signup]:
        return [s for s in self.signups if s.status == SignupStatus.WAITING.value]

    @property
    def places_taken(self) -> int:
        return len(self.places)

    @property
    def waiting(self) -> int:
        return len(self.waiting_list)

    @property
    def confirmed_minutes(self) -> int:
        return sum(s.minutes or 0 for s in self.signups)

    def signup_of(self, user: User | None) -> Signup | None:
        if user is None or not user.is_authenticated:
            return None
        return next((s for s in self.signups if s.user_id == user.id), None)

    def can_organise(self, user: User | None) -> bool:
        """The matter's implementer (the assigned organisation's members) or station staff: the
        roster, check-in by hand, the hours; still after the work is reported done, so that
        hours of the last task can be confirmed while residents evaluate."""
        from ..matters.workflow import Actor, actors_of

        return bool(user is not None and user.is_authenticated
                    and Actor.IMPLEMENTER in actors_of(self.matter, user))

    def checkin_open(self, now: datetime) -> bool:
        """Volunteers check in (and out) with the code from an hour before the start until two
        hours after the end."""
        return self.starts_at - timedelta(hours=1) <= now <= self.ends_at + timedelta(hours=2)

    def has_ended(self, now: datetime) -> bool:
        return now >= self.ends_at

    def is_open_for_signup(self, now: datetime) -> bool:
        return now < self.cutoff_at

    def can_sign_up(self, user: User | None, now: datetime) -> bool:
        """Any signed-in resident, before the cut-off, while the matter is being carried out;
        not its organisers (their hours would be theirs to confirm)."""
        return bool(user is not None and user.is_authenticated and not user.is_staff
                    and self.is_open_for_signup(now) and self.matter.can("volunteer", user)
                    and not self.can_organise(user))


class Signup(db.Model):
    """One resident on one task: a place or the waiting list; check-in/out and confirmed hours."""

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("volunteer_task.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    queued_at: Mapped[datetime] = mapped_column(default=utcnow)  # order on the waiting list
    checked_in_at: Mapped[datetime | None] = mapped_column()
    checked_out_at: Mapped[datetime | None] = mapped_column()
    minutes: Mapped[int | None] = mapped_column()  # confirmed by the organiser
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column()

    task: Mapped[VolunteerTask] = relationship(back_populates="signups")
    user: Mapped[User] = relationship(foreign_keys=[user_id])

    __table_args__ = (
        UniqueConstraint("task_id", "user_id", name="one_signup_per_person"),
        CheckConstraint(SignupStatus.check_sql("status"), name="status"),
        CheckConstraint("minutes IS NULL OR (minutes > 0 AND minutes <= 1440)", name="minutes_range"),
        CheckConstraint("(minutes IS NULL) = (confirmed_at IS NULL)", name="confirmed_has_time"),
        CheckConstraint("minutes IS NULL OR status = 'place'", name="hours_only_for_a_place"),
        Index("ix_signup_task_status", "task_id", "status"),
    )

    @property
    def status_enum(self) -> SignupStatus:
        return SignupStatus(self.status)

    @property
    def has_place(self) -> bool:
        return self.status == SignupStatus.PLACE.value

    @property
    def is_cancelled(self) -> bool:
        return self.status == SignupStatus.CANCELLED.value

    @property
    def hours(self) -> float:
        return round((self.minutes or 0) / 60, 1)


class EntryKind(LabeledEnum):
    EARNED = ("earned", "志愿服务", "done")
    ADJUSTED = ("adjusted", "调整", "pending")
    SPENT = ("spent", "兑换", "closed")
    REFUNDED = ("refunded", "兑换过期退回", "pending")


class PointsAccount(db.Model):
    """The ledger's running sum for one person; the CHECK is the overspend guard."""

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), primary_key=True)
    balance: Mapped[int] = mapped_column(default=0)

    __table_args__ = (CheckConstraint("balance >= 0", name="balance_not_negative"),)


class PointsEntry(db.Model):
    """One line of the append-only points ledger (never updated, never deleted)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    delta: Mapped[int] = mapped_column()
    kind: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(200), default="")
    signup_id: Mapped[int | None] = mapped_column(ForeignKey("signup.id"), unique=True)
    redemption_id: Mapped[int | None] = mapped_column(ForeignKey("redemption.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        CheckConstraint(EntryKind.check_sql("kind"), name="kind"),
        CheckConstraint("delta != 0", name="delta_not_zero"),
        CheckConstraint("(kind = 'earned') = (signup_id IS NOT NULL)", name="earned_from_hours"),
        CheckConstraint("(kind IN ('spent', 'refunded')) = (redemption_id IS NOT NULL)",
                        name="shop_entries_name_the_redemption"),
        CheckConstraint("kind != 'adjusted' OR reason != ''", name="adjustment_has_reason"),
        # A redemption is paid once and refunded at most once.
        UniqueConstraint("redemption_id", "kind", name="one_entry_per_redemption_kind"),
    )

    @property
    def kind_enum(self) -> EntryKind:
        return EntryKind(self.kind)


class ShopItem(db.Model):
    """A prize a business or organisation gives the points shop (积分超市)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    points_price: Mapped[int] = mapped_column()
    stock: Mapped[int] = mapped_column()
    collect_at: Mapped[str] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship()

    __table_args__ = (
        CheckConstraint("points_price > 0", name="price_positive"),
        CheckConstraint("stock >= 0", name="stock_not_negative"),
    )


class RedemptionState(LabeledEnum):
    PENDING = ("pending", "待领取", "pending")
    HANDED = ("handed", "已领取", "done")
    EXPIRED = ("expired", "已过期（积分已退回）", "closed")


class Redemption(db.Model):
    """Points spent on one item; the code is shown at the station to collect it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("shop_item.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)
    points: Mapped[int] = mapped_column()
    state: Mapped[str] = mapped_column(String(20), default=RedemptionState.PENDING.value)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    handed_at: Mapped[datetime | None] = mapped_column()
    handed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    item: Mapped[ShopItem] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])

    __table_args__ = (
        CheckConstraint(RedemptionState.check_sql("state"), name="state"),
        CheckConstraint("points > 0", name="points_positive"),
        CheckConstraint("(state = 'handed') = (handed_at IS NOT NULL)", name="handed_has_time"),
        Index("ix_redemption_state_expires", "state", "expires_at"),
    )

    @property
    def state_enum(self) -> RedemptionState:
        return RedemptionState(self.state)

    @property
    def is_pending(self) -> bool:
        """Not collected yet and not expired by the tick."""
        return self.state == RedemptionState.PENDING.value
