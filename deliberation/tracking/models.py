"""Carrying adopted matters out: assignment and phases, resources and pledges, progress reports
and spending, and the residents' evaluation.

Money is stored as integer cents (分). A matter's state is still changed only by
`matters/workflow.py`; these tables hold what happens around it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts import verification
from ..core.enums import LabeledEnum
from ..core.time import utcnow
from ..directory.models import Organisation
from ..extensions import db
from ..matters.models import Matter
from ..matters.states import MatterState

# States in which the work is under way: the plan may be set or changed, progress reported.
WORKING = frozenset({MatterState.IN_PROGRESS, MatterState.RECTIFYING})

if TYPE_CHECKING:
    from ..accounts.models import User


class Stage(LabeledEnum):
    PREPARATION = ("preparation", "准备阶段")
    IMPLEMENTATION = ("implementation", "实施阶段")
    CLOSING = ("closing", "收尾阶段")


class PhaseKey(LabeledEnum):
    """The nine steps of a plan, in order; each belongs to one stage."""

    RESEARCH = ("research", "调研")
    APPROVAL = ("approval", "审批")
    SUBMISSION = ("submission", "报备")
    ORGANISE = ("organise", "组织实施")
    SUPERVISE = ("supervise", "过程监督")
    FOLLOW_UP = ("follow_up", "跟进落实")
    ASSESS = ("assess", "验收评估")
    WRAP_UP = ("wrap_up", "收尾")
    SUMMARISE = ("summarise", "总结")

    @property
    def stage(self) -> Stage:
        order = list(PhaseKey)
        return list(Stage)[order.index(self) // 3]


class Assignment(db.Model):
    """Who carries a matter out, with what money and by when (one per matter)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    matter_id: Mapped[int] = mapped_column(ForeignKey("matter.id", ondelete="CASCADE"), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    budget_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    due_on: Mapped[date] = mapped_column()
    # Kept up to date by progress reports, so the lists need no extra query.
    percent_done: Mapped[int] = mapped_column(default=0)
    last_report_at: Mapped[datetime | None] = mapped_column()
    assigned_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    matter: Mapped[Matter] = relationship()
    organisation: Mapped[Organisation] = relationship()
    lead: Mapped[User] = relationship(foreign_keys=[lead_id])
    phases: Mapped[list[Phase]] = relationship(
        back_populates="assignment", order_by="Phase.position", cascade="all, delete-orphan")

    __table_args__ = (
        CheckConstraint("budget_cents >= 0", name="budget_not_negative"),
        CheckConstraint("percent_done BETWEEN 0 AND 100", name="percent_range"),
    )

    def is_carried_out_by(self, user: User | None) -> bool:
        """A member of the implementing organisation."""
        return bool(user and user.is_authenticated
                    and any(m.user_id == user.id for m in self.organisation.members))

    def can_report(self, user: User | None) -> bool:
        """Report progress and spending: the implementing organisation's members and station
        staff, while the work is under way."""
        return bool(user and user.is_authenticated and self.matter.status in WORKING
                    and (user.is_staff or self.is_carried_out_by(user)))


class Phase(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignment.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(20))
    position: Mapped[int] = mapped_column()
    due_on: Mapped[date] = mapped_column()
    done_at: Mapped[datetime | None] = mapped_column()
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    assignment: Mapped[Assignment] = relationship(back_populates="phases")

    __table_args__ = (
        UniqueConstraint("assignment_id", "key"),
        CheckConstraint(PhaseKey.check_sql("key"), name="key"),
        CheckConstraint("(done_at IS NULL) = (done_by_id IS NULL)", name="done_has_actor"),
    )

    @property
    def phase(self) -> PhaseKey:
        return PhaseKey(self.key)


class ResourceKind(LabeledEnum):
    MONEY = ("money", "资金")
    MATERIALS = ("materials", "物资")
    LABOUR = ("labour", "人力（工时）")
    SERVICES = ("services", "专业服务")
    VENUE = ("venue", "场地")


class Offer(db.Model):
    """A standing entry on the resource list (辖区资源清单): what an organisation can give."""

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[str] = mapped_column(String(60), default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship()

    __table_args__ = (CheckConstraint(ResourceKind.check_sql("kind"), name="kind"),)

    @property
    def kind_label(self) -> str:
        return ResourceKind(self.kind).label


class PledgeStatus(LabeledEnum):
    PLEDGED = ("pledged", "已认捐", "pending")
    FULFILLED = ("fulfilled", "已到位", "done")


class Pledge(db.Model):
    """An offer of resources against one matter (认捐); staff mark it fulfilled on delivery."""

    id: Mapped[int] = mapped_column(primary_key=True)
    matter_id: Mapped[int] = mapped_column(ForeignKey("matter.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    pledged_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[str] = mapped_column(String(60), default="")
    # Money pledges carry an amount; other kinds may give an estimated value (both in cents).
    amount_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[str] = mapped_column(String(20), default=PledgeStatus.PLEDGED.value)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    fulfilled_at: Mapped[datetime | None] = mapped_column()
    fulfilled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    organisation: Mapped[Organisation | None] = relationship()
    pledged_by: Mapped[User] = relationship(foreign_keys=[pledged_by_id])

    __table_args__ = (
        CheckConstraint(ResourceKind.check_sql("kind"), name="kind"),
        CheckConstraint(PledgeStatus.check_sql("status"), name="status"),
        CheckConstraint("amount_cents >= 0", name="amount_not_negative"),
        CheckConstraint("kind != 'money' OR amount_cents > 0", name="money_has_amount"),
        CheckConstraint("(status = 'fulfilled') = (fulfilled_at IS NOT NULL)",
                        name="fulfilled_has_time"),
    )

    @property
    def kind_label(self) -> str:
        return ResourceKind(self.kind).label

    @property
    def awaits_fulfilment(self) -> bool:
        """Pledged, not yet confirmed as delivered (到位)."""
        return self.status == PledgeStatus.PLEDGED.value

    @property
    def status_enum(self) -> PledgeStatus:
        return PledgeStatus(self.status)


class ProgressReport(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    matter_id: Mapped[int] = mapped_column(ForeignKey("matter.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    body: Mapped[str] = mapped_column(Text)
    percent: Mapped[int] = mapped_column()
    # The report that said "done" and opened the evaluation.
    completion: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User] = relationship()
    photos: Mapped[list[ReportPhoto]] = relationship(
        back_populates="report", order_by="ReportPhoto.position", cascade="all, delete-orphan")

    __table_args__ = (
        CheckConstraint("percent BETWEEN 0 AND 100", name="percent_range"),
        CheckConstraint("NOT completion OR percent = 100", name="completion_is_full"),
        Index("ix_progress_report_matter", "matter_id", "created_at"),
    )


class ReportPhoto(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(
        ForeignKey("progress_report.id", ondelete="CASCADE"), index=True)
    file_key: Mapped[str] = mapped_column(String(64), unique=True)
    width: Mapped[int] = mapped_column()
    height: Mapped[int] = mapped_column()
    position: Mapped[int] = mapped_column(default=0)

    report: Mapped[ProgressReport] = relationship(back_populates="photos")


class Spending(db.Model):
    """One line of a matter's public ledger."""

    id: Mapped[int] = mapped_column(primary_key=True)
    matter_id: Mapped[int] = mapped_column(ForeignKey("matter.id", ondelete="CASCADE"), index=True)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    what: Mapped[str] = mapped_column(String(200))
    spent_on: Mapped[date] = mapped_column()
    receipt_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    recorded_by: Mapped[User] = relationship()

    __table_args__ = (CheckConstraint("amount_cents > 0", name="amount_positive"),)


class Outcome(LabeledEnum):
    SATISFIED = ("satisfied", "满意", "done")
    BASICALLY_SATISFIED = ("basically_satisfied", "基本满意", "ok")
    NOT_SATISFIED = ("not_satisfied", "不满意", "bad")
    # The window ended twice (once extended) without a rating: staff decide, with a reason.
    NO_RATINGS = ("no_ratings", "无人评议", "muted")


class Choice(LabeledEnum):
    SATISFIED = ("satisfied", "满意")
    BASICALLY_SATISFIED = ("basically_satisfied", "基本满意")
    NOT_SATISFIED = ("not_satisfied", "不满意")


class Evaluation(db.Model):
    """One evaluation round (评议) of a matter: opened by "done", concluded when its window ends.

    A matter sent to rectification is evaluated again in a new round.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    matter_id: Mapped[int] = mapped_column(ForeignKey("matter.id", ondelete="CASCADE"))
    round: Mapped[int] = mapped_column()
    opened_at: Mapped[datetime] = mapped_column()
    ends_at: Mapped[datetime] = mapped_column()
    outcome: Mapped[str | None] = mapped_column(String(30))
    satisfied: Mapped[int] = mapped_column(default=0)
    basically_satisfied: Mapped[int] = mapped_column(default=0)
    not_satisfied: Mapped[int] = mapped_column(default=0)
    concluded_at: Mapped[datetime | None] = mapped_column()
    # Set when the clock extended a window that ended without ratings (once per round).
    extended_at: Mapped[datetime | None] = mapped_column()

    __table_args__ = (
        UniqueConstraint("matter_id", "round"),
        CheckConstraint("round >= 1", name="round_positive"),
        CheckConstraint(f"outcome IS NULL OR {Outcome.check_sql('outcome')}", name="outcome"),
        CheckConstraint("(outcome IS NULL) = (concluded_at IS NULL)", name="outcome_has_time"),
        CheckConstraint("satisfied >= 0 AND basically_satisfied >= 0 AND not_satisfied >= 0",
                        name="counts_not_negative"),
    )

    matter: Mapped[Matter] = relationship()

    @property
    def outcome_enum(self) -> Outcome | None:
        return Outcome(self.outcome) if self.outcome else None

    @property
    def total(self) -> int:
        return self.satisfied + self.basically_satisfied + self.not_satisfied

    @property
    def nobody_rated(self) -> bool:
        return self.outcome == Outcome.NO_RATINGS.value

    @property
    def is_open(self) -> bool:
        """Ratings are taken: the matter is in evaluation and this round's window runs."""
        m = self.matter
        return (self.concluded_at is None and m.status == MatterState.IN_EVALUATION
                and m.window_ends_at is not None and utcnow() < m.window_ends_at)

    def rating_by(self, user: User | None) -> Rating | None:
        if not (user and user.is_authenticated):
            return None
        return db.session.scalar(select(Rating).where(Rating.evaluation_id == self.id,
                                                      Rating.user_id == user.id))

    def can_rate(self, user: User | None) -> bool:
        """Residents of the matter's community (verified, if the street says so), once each,
        while the round is open."""
        return (self.is_open and user is not None and user.is_authenticated
                and user.lives_in(self.matter.community_id) and self.rating_by(user) is None
                and verification.problem(user, self.matter.community, "rate") is None)


class Rating(db.Model):
    """One resident's rating in one evaluation round; once each (database constraint)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluation.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    choice: Mapped[str] = mapped_column(String(30))
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("evaluation_id", "user_id"),
        CheckConstraint(Choice.check_sql("choice"), name="choice"),
    )

    @property
    def choice_label(self) -> str:
        return Choice(self.choice).label
