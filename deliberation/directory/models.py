"""The street's structure: communities, bodies and their members, organisations, categories."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.enums import LabeledEnum
from ..core.time import utcnow
from ..extensions import db

if TYPE_CHECKING:
    from ..accounts.models import User


class Street(db.Model):
    """The administrative area one installation serves, with its configurable windows."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    first_answer_days: Mapped[int] = mapped_column(default=10)
    notice_days: Mapped[int] = mapped_column(default=5)
    evaluation_days: Mapped[int] = mapped_column(default=7)
    no_report_days: Mapped[int] = mapped_column(default=14)
    # Co-signs, ratings and objections only from residents a committee has verified (核实).
    verified_only: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The street's rule on who decides a community's matter: its own community's committee (or
    # community council) always; a street-level council (议事会 with no community, such as the
    # street's 联席会议) only when this is on. See `Meeting.deciding_communities`.
    council_decides: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The points rule the street publishes (志愿积分): points per confirmed hour of service, and
    # how many days a points-shop redemption waits to be collected before it is refunded.
    volunteer_points_per_hour: Mapped[int] = mapped_column(default=10, server_default="10")
    redemption_days: Mapped[int] = mapped_column(default=7, server_default="7")

    __table_args__ = (
        CheckConstraint(
            "first_answer_days > 0 AND notice_days > 0 AND evaluation_days > 0 "
            "AND no_report_days > 0",
            name="windows_positive",
        ),
    )


class CommunityKind(LabeledEnum):
    COMMUNITY = ("community", "社区")
    VILLAGE = ("village", "村")


class Community(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    street_id: Mapped[int] = mapped_column(ForeignKey("street.id"), index=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[str] = mapped_column(String(20), default=CommunityKind.COMMUNITY.value)

    street: Mapped[Street] = relationship()

    __table_args__ = (CheckConstraint(CommunityKind.check_sql("kind"), name="kind"),)

    @property
    def kind_label(self) -> str:
        return CommunityKind(self.kind).label


class Category(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)


class BodyKind(LabeledEnum):
    """Committees and councils decide matters; federation, business association and station take
    part in (joint) meetings but never open a community's matters by themselves."""

    COMMITTEE = ("committee", "居民自治委员会")
    FEDERATION = ("federation", "社会组织联合会")
    BUSINESS = ("business", "商业联合会")
    STATION = ("station", "社会工作服务站")
    COUNCIL = ("council", "议事会")


class Body(db.Model):
    """A deliberating body (议事主体). A committee belongs to one community; others may not."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("community.id"), index=True)
    # A preset's key (meetings.rules.PRESETS), or "custom" with the parameters in rule_params.
    rule_preset: Mapped[str] = mapped_column(String(30), default="council_majority")
    rule_params: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))

    community: Mapped[Community | None] = relationship()
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="body", cascade="all, delete-orphan", order_by="Membership.id"
    )

    __table_args__ = (
        CheckConstraint(BodyKind.check_sql("kind"), name="kind"),
        CheckConstraint("kind != 'committee' OR community_id IS NOT NULL", name="committee_has_community"),
        CheckConstraint("rule_preset != 'custom' OR rule_params IS NOT NULL", name="custom_rule_has_params"),
    )

    @property
    def kind_label(self) -> str:
        return BodyKind(self.kind).label

    @property
    def is_street_council(self) -> bool:
        return self.kind == BodyKind.COUNCIL.value and self.community_id is None

    @property
    def decides_for_community(self) -> int | None:
        """The community whose matters this body decides on its own, if any."""
        if self.kind in (BodyKind.COMMITTEE.value, BodyKind.COUNCIL.value):
            return self.community_id
        return None


class BodyRole(LabeledEnum):
    CHAIR = ("chair", "主任 / 召集人")
    RECORDER = ("recorder", "秘书 / 记录员")
    MEMBER = ("member", "成员")


class Membership(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("body.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20), default=BodyRole.MEMBER.value)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    body: Mapped[Body] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship(back_populates="memberships")

    __table_args__ = (
        UniqueConstraint("body_id", "user_id"),
        CheckConstraint(BodyRole.check_sql("role"), name="role"),
    )

    @property
    def role_label(self) -> str:
        return BodyRole(self.role).label


class OrganisationKind(LabeledEnum):
    SOCIAL = ("social", "社会组织")
    BUSINESS = ("business", "商户")
    VOLUNTEER = ("volunteer", "志愿队")


class Organisation(db.Model):
    """Who can carry work out or pledge resources: social organisations, shops, volunteer teams."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("community.id"), index=True)
    contact_name: Mapped[str] = mapped_column(String(40), default="")
    contact_phone: Mapped[str] = mapped_column(String(20), default="")
    description: Mapped[str] = mapped_column(Text, default="")

    community: Mapped[Community | None] = relationship()
    members: Mapped[list[OrganisationMember]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan"
    )

    __table_args__ = (CheckConstraint(OrganisationKind.check_sql("kind"), name="kind"),)

    @property
    def kind_label(self) -> str:
        return OrganisationKind(self.kind).label


class OrganisationMember(db.Model):
    """A user who acts for an organisation (reports progress, pledges for a shop)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)

    organisation: Mapped[Organisation] = relationship(back_populates="members")
    user: Mapped[User] = relationship()

    __table_args__ = (UniqueConstraint("organisation_id", "user_id"),)
