"""Meetings (会议), their agenda items, attendance, speakers, recusals, votes and objections.

Secret ballots are stored so that the database cannot link a member to a choice: `BallotCast`
says only that a member voted (and how many times they changed it); `BallotBox` holds one sealed
ballot per voter under a random id, readable only with a key the database never holds
(see `ballot_box.py` and the README's threat model). Open ballots store each choice in `Vote`.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from flask_babel import gettext
from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    and_,
    exists,
    select,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.enums import LabeledEnum
from ..core.time import utcnow
from ..directory.models import Body, BodyRole, Community, Membership, Street
from ..extensions import db
from ..matters.models import Matter

if TYPE_CHECKING:
    from ..accounts.models import User


class MeetingState(LabeledEnum):
    DRAFT = ("draft", "筹备中", "pending")
    PUBLISHED = ("published", "已公示议程", "ok")
    IN_SESSION = ("in_session", "正在开会", "ok")
    ENDED = ("ended", "已散会", "done")


class Mode(LabeledEnum):
    IN_PERSON = ("in_person", "现场")
    ONLINE = ("online", "线上")
    BOTH = ("both", "现场 + 线上")


class ItemState(LabeledEnum):
    PENDING = ("pending", "待议", "pending")
    DEBATE = ("debate", "讨论中", "ok")
    VOTING = ("voting", "表决中", "warn")
    CLOSED = ("closed", "已表决", "done")


class Outcome(LabeledEnum):
    ADOPTED = ("adopted", "通过", "ok")
    NOT_ADOPTED = ("not_adopted", "未通过", "bad")
    DEFERRED = ("deferred", "搁置", "warn")


class Ballot(LabeledEnum):
    OPEN = ("open", "记名表决")
    SECRET = ("secret", "无记名表决")


class Method(LabeledEnum):
    PHONES = ("phones", "手机投票")
    HANDS = ("hands", "举手表决（记录员录入）")


class Choice(LabeledEnum):
    YES = ("yes", "同意", "ok")
    NO = ("no", "反对", "bad")
    ABSTAIN = ("abstain", "弃权", "muted")


class Side(LabeledEnum):
    FOR = ("for", "赞成方", "ok")
    AGAINST = ("against", "反对方", "bad")


class SpeakState(LabeledEnum):
    WAITING = ("waiting", "排队中")
    SPEAKING = ("speaking", "正在发言")
    DONE = ("done", "已发言")
    WITHDRAWN = ("withdrawn", "已撤回")


class ObjectionState(LabeledEnum):
    PENDING = ("pending", "待处理", "pending")
    UPHELD = ("upheld", "异议成立", "warn")
    DISMISSED = ("dismissed", "不予采纳", "muted")


class Meeting(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(80))
    starts_at: Mapped[datetime] = mapped_column()
    minutes_planned: Mapped[int] = mapped_column(default=120)
    place: Mapped[str] = mapped_column(String(120), default="")
    mode: Mapped[str] = mapped_column(String(20), default=Mode.IN_PERSON.value)
    online_link: Mapped[str] = mapped_column(String(200), default="")
    chair_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    recorder_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    # The rule set in force, snapshotted from the (first) body when the meeting is made: the
    # preset's key or "custom", and the parameters the outcome is computed from (NULL only on
    # meetings made before parameters were stored: their preset's key then decides).
    rule_preset: Mapped[str] = mapped_column(String(30))
    rule_params: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    speaker_seconds: Mapped[int] = mapped_column(default=120)
    max_turns: Mapped[int] = mapped_column(default=2)
    state: Mapped[str] = mapped_column(String(20), default=MeetingState.DRAFT.value)
    checkin_code: Mapped[str] = mapped_column(String(12), unique=True)
    # Bumped on every change the live screens show, except votes (counted from their rows).
    version: Mapped[int] = mapped_column(default=1)
    # The iCal SEQUENCE: bumped when the time or place changes, so calendars replace the event.
    sequence: Mapped[int] = mapped_column(default=0, server_default="0")
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column()
    started_at: Mapped[datetime | None] = mapped_column()
    ended_at: Mapped[datetime | None] = mapped_column()
    chair_confirmed_at: Mapped[datetime | None] = mapped_column()
    recorder_confirmed_at: Mapped[datetime | None] = mapped_column()

    chair: Mapped[User] = relationship(foreign_keys=[chair_id])
    recorder: Mapped[User] = relationship(foreign_keys=[recorder_id])
    bodies: Mapped[list[Body]] = relationship(secondary="meeting_body", order_by="Body.id")
    items: Mapped[list[AgendaItem]] = relationship(
        back_populates="meeting", order_by="AgendaItem.position, AgendaItem.id",
        cascade="all, delete-orphan")

    __table_args__ = (
        CheckConstraint(MeetingState.check_sql("state"), name="state"),
        CheckConstraint(Mode.check_sql("mode"), name="mode"),
        CheckConstraint("speaker_seconds BETWEEN 30 AND 1800", name="speaker_seconds_range"),
        CheckConstraint("max_turns BETWEEN 1 AND 10", name="max_turns_range"),
        CheckConstraint("minutes_planned > 0", name="minutes_planned_positive"),
        CheckConstraint("rule_preset != 'custom' OR rule_params IS NOT NULL", name="custom_rule_has_params"),
        CheckConstraint("length(title) >= 1", name="title_not_empty"),
        Index("ix_meeting_starts", "starts_at", "id"),
    )

    @property
    def status(self) -> MeetingState:
        return MeetingState(self.state)

    @property
    def mode_label(self) -> str:
        return Mode(self.mode).label

    @property
    def is_joint(self) -> bool:
        return len(self.bodies) > 1

    @property
    def live_item(self) -> AgendaItem | None:
        return next((i for i in self.items if i.state in (ItemState.DEBATE.value,
                                                           ItemState.VOTING.value)), None)

    # --- who decides what (一事一议 by the matter's own community) -------------------------------
    # The one question the agenda, the meeting form and the workflow all ask: a matter may be
    # scheduled and decided only by a meeting whose bodies include its own community's deciding
    # body (that community's committee or community council), or a street-level council when the
    # street's rules let it (`Street.council_decides`). Federation, business association and
    # station may join a joint meeting but never open another community's matters.

    def deciding_communities(self) -> set[int]:
        """Ids of the communities whose matters this meeting may decide."""
        ids = {c for b in self.bodies if (c := b.decides_for_community) is not None}
        if any(b.is_street_council for b in self.bodies):
            ids |= set(db.session.scalars(select(Community.id).join(Street, Street.id == Community.street_id)
                                          .where(Street.council_decides.is_(True))))
        return ids

    def why_not_decide(self, matter: Matter) -> str | None:
        """None when this meeting may decide `matter`; else why not, for the user."""
        if matter.community_id in self.deciding_communities():
            return None
        name = matter.community.name
        return gettext("「%(t)s」是%(c)s的议题：只有%(c)s居民自治委员会参加的会议才能审议和表决它"
                       "（街道规则允许时，也可由街道议事会审议）。本次会议的议事主体里没有它。",
                       t=matter.title, c=name)

    def may_decide(self, matter: Matter) -> bool:
        return self.why_not_decide(matter) is None

    def agenda_item_of(self, matter: Matter) -> int | None:
        """The id of this meeting's agenda item for `matter`, None when it is not on the agenda."""
        return db.session.scalar(select(AgendaItem.id).where(AgendaItem.meeting_id == self.id,
                                                             AgendaItem.matter_id == matter.id))

    def is_organised_by(self, user: User | None) -> bool:
        """Organisers: staff, the meeting's chair and recorder, a chair or recorder of its bodies."""
        if not (user and user.is_authenticated):
            return False
        leading = (BodyRole.CHAIR.value, BodyRole.RECORDER.value)
        return user.is_staff or user.id in (self.chair_id, self.recorder_id) or any(
            user.body_role(b.id) in leading for b in self.bodies)

    # --- permission questions (views answer 403 on no; templates show the button on yes) ----
    def can_manage(self, user: User | None) -> bool:
        """Edit the agenda, publish, open the chair and projector screens: the organisers."""
        return self.is_organised_by(user)

    def can_chair(self, user: User | None) -> bool:
        """Run the meeting (start, open and close votes, defer, adjourn): its chair, or staff."""
        return bool(user and user.is_authenticated and (user.id == self.chair_id or user.is_staff))

    def can_record(self, user: User | None) -> bool:
        """Take attendance, enter a show of hands, write the minutes: its recorder, or staff."""
        return bool(user and user.is_authenticated
                    and (user.id == self.recorder_id or user.is_staff))

    def can_start(self, user: User | None) -> bool:
        """Declare the meeting open (宣布开会): the chair, once it is published."""
        return self.state == MeetingState.PUBLISHED.value and self.can_chair(user)

    def can_end(self, user: User | None) -> bool:
        """Declare the meeting closed (宣布散会): the chair, while it is in session."""
        return self.state == MeetingState.IN_SESSION.value and self.can_chair(user)

    def can_see(self, user: User | None) -> bool:
        """A draft is the organisers'; once published, a meeting is public."""
        return self.state != MeetingState.DRAFT.value or self.can_manage(user)


class MeetingBody(db.Model):
    """A body taking part in a meeting; a joint meeting (联席会议) has several."""

    __tablename__ = "meeting_body"
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"),
                                            primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("body.id"), primary_key=True, index=True)


class AgendaItem(db.Model):
    """One matter on one meeting's agenda, debated and voted alone (一事一议)."""

    __tablename__ = "agenda_item"
    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"))
    matter_id: Mapped[int] = mapped_column(ForeignKey("matter.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    motion: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(20), default=ItemState.PENDING.value)
    ballot: Mapped[str] = mapped_column(String(10), default=Ballot.OPEN.value)
    method: Mapped[str] = mapped_column(String(10), default=Method.PHONES.value)
    outcome: Mapped[str | None] = mapped_column(String(20))
    yes: Mapped[int | None] = mapped_column()
    no: Mapped[int | None] = mapped_column()
    abstain: Mapped[int | None] = mapped_column()
    members_base: Mapped[int | None] = mapped_column()
    present_base: Mapped[int | None] = mapped_column()
    debate_at: Mapped[datetime | None] = mapped_column()
    opened_at: Mapped[datetime | None] = mapped_column()
    closed_at: Mapped[datetime | None] = mapped_column()

    meeting: Mapped[Meeting] = relationship(back_populates="items")
    matter: Mapped[Matter] = relationship(foreign_keys=[matter_id])

    __table_args__ = (
        UniqueConstraint("meeting_id", "matter_id"),
        # The key `matter.agenda_item_id` / `decided_by_item_id` refer to, with the matter's own
        # id: a matter can only reference an item about itself.
        Index("uq_agenda_item_id_matter", "id", "matter_id", unique=True),
        CheckConstraint(ItemState.check_sql("state"), name="state"),
        CheckConstraint(Ballot.check_sql("ballot"), name="ballot"),
        CheckConstraint(Method.check_sql("method"), name="method"),
        CheckConstraint("outcome IS NULL OR " + Outcome.check_sql("outcome"), name="outcome"),
        CheckConstraint("(state = 'closed') = (outcome IS NOT NULL)", name="closed_has_outcome"),
        # A decided item has its count: adopted and not adopted imply a recorded vote.
        CheckConstraint("outcome IS NULL OR outcome = 'deferred' OR "
                        "(yes IS NOT NULL AND no IS NOT NULL AND abstain IS NOT NULL "
                        "AND present_base IS NOT NULL AND yes + no + abstain <= present_base)",
                        name="decided_has_count"),
        # One item at a time: at most one item of a meeting in debate or voting.
        Index("uq_agenda_item_live", "meeting_id", unique=True,
              sqlite_where=text("state IN ('debate', 'voting')"),
              postgresql_where=text("state IN ('debate', 'voting')")),
    )

    @property
    def status(self) -> ItemState:
        return ItemState(self.state)

    @property
    def outcome_enum(self) -> Outcome | None:
        return Outcome(self.outcome) if self.outcome else None

    @property
    def is_secret(self) -> bool:
        return self.ballot == Ballot.SECRET.value

    @property
    def ballot_label(self) -> str:
        return Ballot(self.ballot).label

    @property
    def method_label(self) -> str:
        return Method(self.method).label

    @property
    def was_counted(self) -> bool:
        """Voted on: adopted or not adopted, with a count to show (not deferred or pending)."""
        return self.outcome in (Outcome.ADOPTED.value, Outcome.NOT_ADOPTED.value)

    @property
    def awaits_hand_count(self) -> bool:
        """A show of hands is being taken: the recorder enters the counts."""
        return self.state == ItemState.VOTING.value and self.method == Method.HANDS.value

    def can_enter_hands(self, user: User | None) -> bool:
        return self.awaits_hand_count and self.meeting.can_record(user)

    def can_vote(self, user: User | None) -> bool:
        """A member of one of the meeting's bodies, checked in and not recused from this item:
        one indexed query, however large the body (it runs inside every vote's write
        transaction). Whether the vote is open is the item's state, not the member's right."""
        if not (user and user.is_authenticated):
            return False
        member = exists().where(Membership.user_id == user.id,
                                Membership.body_id == MeetingBody.body_id,
                                MeetingBody.meeting_id == self.meeting_id)
        present = exists().where(Attendance.meeting_id == self.meeting_id,
                                 Attendance.user_id == user.id, Attendance.present.is_(True))
        recused = exists().where(Recusal.item_id == self.id, Recusal.user_id == user.id)
        return bool(db.session.scalar(select(and_(member, present, ~recused))))


class Attendance(db.Model):
    """Present or absent (签到): checked in by the member's phone or marked by the recorder."""

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    present: Mapped[bool] = mapped_column(default=True)
    by_recorder: Mapped[bool] = mapped_column(default=False)
    at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()

    __table_args__ = (UniqueConstraint("meeting_id", "user_id"),)


class Recusal(db.Model):
    """A member steps out of one item's vote, quorum and threshold (回避)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_item.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    reason: Mapped[str] = mapped_column(String(200), default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()

    __table_args__ = (UniqueConstraint("item_id", "user_id"),)


class SpeakRequest(db.Model):
    """A member's turn to speak on an item, queued on the chair's screen."""

    __tablename__ = "speak_request"
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_item.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    side: Mapped[str] = mapped_column(String(10))
    state: Mapped[str] = mapped_column(String(10), default=SpeakState.WAITING.value)
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column()
    ended_at: Mapped[datetime | None] = mapped_column()

    user: Mapped[User] = relationship()

    __table_args__ = (
        CheckConstraint(Side.check_sql("side"), name="side"),
        CheckConstraint(SpeakState.check_sql("state"), name="state"),
        Index("uq_speak_request_speaking", "item_id", unique=True,
              sqlite_where=text("state = 'speaking'"), postgresql_where=text("state = 'speaking'")),
    )

    @property
    def side_enum(self) -> Side:
        return Side(self.side)


class Vote(db.Model):
    """An open-ballot vote: one row per member per item, changed in place until the vote closes."""

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_item.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    choice: Mapped[str] = mapped_column(String(10))
    revision: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()

    __table_args__ = (
        UniqueConstraint("item_id", "user_id"),
        CheckConstraint(Choice.check_sql("choice"), name="choice"),
        CheckConstraint("revision >= 1", name="revision_positive"),
    )


class BallotCast(db.Model):
    """Secret ballot: only that a member voted, never what. No time is kept, and on SQLite the
    table has no rowid, so the stored order of the rows is that of the members, not of voting."""

    __tablename__ = "ballot_cast"
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_item.id", ondelete="CASCADE"),
                                         primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), primary_key=True, index=True)
    revision: Mapped[int] = mapped_column(default=1)

    __table_args__ = (CheckConstraint("revision >= 1", name="revision_positive"),
                      {"sqlite_with_rowid": False})


class BallotBox(db.Model):
    """Secret ballot: one sealed ballot per voter, with no voter, no time and no order.

    `id` is the SHA-256 of a one-time receipt that only the voter's phone holds (to change the
    vote); `seal` is an HMAC, under a key derived from the server's secret, of the item, the id
    and the choice. The database alone cannot tell which choice a seal holds; the seals are
    opened (and deleted) when the vote closes.
    """

    __tablename__ = "ballot_box"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_item.id", ondelete="CASCADE"), index=True)
    seal: Mapped[str] = mapped_column(String(64))

    __table_args__ = (CheckConstraint("length(id) = 64 AND length(seal) = 64", name="hex_digests"),
                      {"sqlite_with_rowid": False})


class Objection(db.Model):
    """A resident's objection (异议) to an adopted matter during its resolution notice."""

    id: Mapped[int] = mapped_column(primary_key=True)
    matter_id: Mapped[int] = mapped_column(ForeignKey("matter.id", ondelete="CASCADE"), index=True)
    filer_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(20), default=ObjectionState.PENDING.value)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column()

    filer: Mapped[User] = relationship(foreign_keys=[filer_id])

    __table_args__ = (
        CheckConstraint(ObjectionState.check_sql("state"), name="state"),
        CheckConstraint("state = 'pending' OR (decided_at IS NOT NULL AND length(decision_reason) > 0)",
                        name="decided_has_reason"),
        CheckConstraint("length(text) >= 1", name="text_not_empty"),
    )

    @property
    def status(self) -> ObjectionState:
        return ObjectionState(self.state)

    @property
    def is_pending(self) -> bool:
        """Still waiting for the committee's decision."""
        return self.state == ObjectionState.PENDING.value
