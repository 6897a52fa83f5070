"""User accounts. Platform roles are few; a body's membership gives the rest of a user's powers."""

from __future__ import annotations

from datetime import datetime
from functools import cached_property

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..core.enums import LabeledEnum
from ..core.time import utcnow
from ..directory.models import BodyKind, Community, Membership
from ..extensions import db

# A fixed hash to compare against when the phone number is unknown, so a login for an unknown
# number costs the same time as one for a known number.
_DUMMY_HASH = generate_password_hash("not-a-real-password-0")


class Role(LabeledEnum):
    RESIDENT = ("resident", "居民")
    STAFF = ("staff", "社工站工作人员")
    ADMIN = ("admin", "平台管理员")


class User(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(11), unique=True)
    display_name: Mapped[str] = mapped_column(String(40))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default=Role.RESIDENT.value)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("community.id"), index=True)
    household: Mapped[str] = mapped_column(String(80), default="")
    active: Mapped[bool] = mapped_column(default=True)
    # Bumped on password change or reset: old sessions carry the old value and are logged out.
    session_version: Mapped[int] = mapped_column(default=1)
    # Set for a staff-issued temporary password: every page leads to the change-password page.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=false())
    # A committee member or staff checked who this resident is (核实): until SMS verification,
    # the street may count only verified residents' co-signs, ratings and objections.
    verified_at: Mapped[datetime | None]
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    phone_verified_at: Mapped[datetime | None]  # the number answered an SMS code (notifications)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The language the user chose (LOCALES); NULL follows the browser's Accept-Language.
    locale: Mapped[str | None] = mapped_column(String(10))

    community: Mapped[Community | None] = relationship()
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    __table_args__ = (
        CheckConstraint(Role.check_sql("role"), name="role"),
        CheckConstraint("locale IS NULL OR locale IN ('zh_CN', 'en')", name="locale"),
    )

    # --- passwords -------------------------------------------------------------------------
    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)  # scrypt, werkzeug's default

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @staticmethod
    def spend_equal_time(password: str) -> None:
        check_password_hash(_DUMMY_HASH, password)

    # --- Flask-Login -----------------------------------------------------------------------
    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:
        return self.active

    # --- roles -----------------------------------------------------------------------------
    @property
    def role_label(self) -> str:
        return Role(self.role).label

    @property
    def footer_role(self) -> str:
        """What the user is, as the page footer says it: station staff and admins by their
        platform role; others by their first body role (chair before recorder before member,
        committee first), e.g. "幸福居委会 · 主任 / 召集人"; otherwise resident (居民)."""
        if self.is_staff or not self.memberships:
            return self.role_label
        rank = {"chair": 0, "recorder": 1, "member": 2}
        m = min(self.memberships, key=lambda m: (rank.get(m.role, 3),
                                                  m.body.kind != BodyKind.COMMITTEE.value, m.body_id))
        return f"{m.body.name} · {m.role_label}"

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN.value

    @property
    def is_staff(self) -> bool:
        """Station staff; platform admins hold every staff power too."""
        return self.role in (Role.STAFF.value, Role.ADMIN.value)

    @cached_property
    def _body_roles(self) -> dict[int, tuple[str, str, int | None]]:
        return {
            m.body_id: (m.body.kind, m.role, m.body.community_id) for m in self.memberships
        }

    def member_of(self, body_id: int) -> bool:
        return body_id in self._body_roles

    def body_role(self, body_id: int) -> str | None:
        entry = self._body_roles.get(body_id)
        return entry[1] if entry else None

    def sits_on_committee_of(self, community_id: int | None) -> bool:
        """Member of the residents' committee of that community."""
        return community_id is not None and any(
            kind == BodyKind.COMMITTEE.value and cid == community_id
            for kind, _role, cid in self._body_roles.values()
        )

    @property
    def committee_community_ids(self) -> list[int]:
        """The communities whose residents' committee this user sits on."""
        return sorted({cid for kind, _r, cid in self._body_roles.values()
                       if kind == BodyKind.COMMITTEE.value and cid is not None})

    def sits_on(self, kind: BodyKind) -> bool:
        return any(k == kind.value for k, _r, _c in self._body_roles.values())

    @property
    def is_committee_member(self) -> bool:
        return self.sits_on(BodyKind.COMMITTEE)

    def lives_in(self, community: Community | int | None) -> bool:
        """Registered in that community (given as the community or its id): the question
        co-signs, opinions, ratings and objections ask."""
        community_id = community.id if isinstance(community, Community) else community
        return community_id is not None and self.community_id == community_id

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    def can_verify(self, resident: User) -> bool:
        """Staff, or the committee of the resident's own community (nobody verifies themself)."""
        return (resident.role == Role.RESIDENT.value and resident.community_id is not None
                and resident.id != self.id
                and (self.is_staff or self.sits_on_committee_of(resident.community_id)))

    @property
    def masked_phone(self) -> str:
        return f"{self.phone[:3]}****{self.phone[-4:]}"
