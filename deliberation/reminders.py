"""Reminders by the clock, queued by the periodic tick (`run(now)`), each at most once per
person per window.

    kind           who                                          window
    meeting_day    a meeting's members, chair and recorder      24 h .. 1 h before it starts
    meeting_hour   the same                                     the last hour before it starts
    first_answer   the matter's residents' committee            2 days before the first-answer target
    evaluation     the community's residents who have not rated the last day of the evaluation
    notice         the matter's followers (proposer included)   the last day of the resolution notice

"Once" is the database's: a row in `reminder_sent` per (kind, subject, window, person) under a
unique key, inserted with ON CONFLICT DO NOTHING before the notice is queued in the same
transaction; a second tick, or one running in parallel, finds the row and queues nothing. The
window key is the moment the window ends, so a meeting moved to another time (or an extended
evaluation) is a new window and reminds again.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column

from .core.time import localtime, utcnow
from .database import insert_once
from .extensions import db
from .matters.states import MatterState
from .notifications.messages import N_, Message

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
FIRST_ANSWER_LEAD = timedelta(days=2)

# What the bell calls each kind of reminder (the notification's `kind` is "reminder_" + kind).
REMINDER_LABELS = {
    "reminder_meeting_day": "会议提醒（明天开会）",
    "reminder_meeting_hour": "会议提醒（一小时内开会）",
    "reminder_first_answer": "初审答复期限快到了",
    "reminder_evaluation": "满意度评议快结束了",
    "reminder_notice": "决议公示快结束了",
}


def init_app(app) -> None:
    """The reminders are a clock job; their notices' kinds have labels like every action."""
    from .core import clock, labels

    labels.register(REMINDER_LABELS)
    clock.register(clock.Job("reminders", 40, run, "{n} reminder(s) queued."))


class ReminderSent(db.Model):
    __tablename__ = "reminder_sent"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[int] = mapped_column()
    window_key: Mapped[str] = mapped_column(String(40))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("kind", "subject_id", "window_key", "user_id",
                                       name="uq_reminder_sent_kind"),)


def run(now: datetime) -> int:
    """Queue every reminder due at `now`; the number of notifications queued."""
    return _meetings(now) + _first_answers(now) + _evaluations(now) + _notices(now)


def _claim(kind: str, subject_id: int, window_end: datetime, user_ids: set[int]) -> set[int]:
    """The people not yet reminded of this window, now marked as reminded."""
    key = window_end.isoformat()
    claimed = set()
    for user_id in sorted(user_ids):
        if insert_once(ReminderSent, kind=kind, subject_id=subject_id, window_key=key, user_id=user_id,
                       sent_at=utcnow()):
            claimed.add(user_id)
    return claimed


def _remind(kind: str, subject_id: int, window_end: datetime, user_ids: set[int],
            message: Message, matter=None) -> int:
    from .notifications.services import notify_users

    recipients = _claim(kind, subject_id, window_end, user_ids)
    if recipients:
        notify_users(recipients, kind=f"reminder_{kind}", message=message, matter=matter)
    return len(recipients)


def _meetings(now: datetime) -> int:
    from .meetings.models import Meeting, MeetingState
    from .meetings.services import expected_ids

    meetings = db.session.scalars(select(Meeting).where(
        Meeting.state.in_([MeetingState.DRAFT.value, MeetingState.PUBLISHED.value]),
        Meeting.starts_at > now, Meeting.starts_at <= now + DAY).order_by(Meeting.id)).all()
    queued = 0
    for meeting in meetings:
        people = set(expected_ids(meeting)) | {meeting.chair_id, meeting.recorder_id}
        params = {"title": meeting.title, "when": localtime(meeting.starts_at),
                  "place": meeting.place or "-"}
        if meeting.starts_at - now <= HOUR:
            queued += _remind("meeting_hour", meeting.id, meeting.starts_at, people, N_(
                "提醒：会议「%(title)s」一小时内开始（%(when)s，%(place)s）。", **params))
        else:
            queued += _remind("meeting_day", meeting.id, meeting.starts_at, people, N_(
                "提醒：会议「%(title)s」明天这个时候开始（%(when)s，%(place)s）。", **params))
    return queued


def _first_answers(now: datetime) -> int:
    from .directory.models import Community, Street
    from .matters.models import Matter
    from .notifications.services import committee_ids

    queued = 0
    for street in db.session.scalars(select(Street).order_by(Street.id)):
        target = timedelta(days=street.first_answer_days)
        # Due within the next two days: created between (target) and (target - 2 days) ago.
        matters = db.session.scalars(select(Matter).join(Community).where(
            Community.street_id == street.id, Matter.state == MatterState.SUBMITTED.value,
            Matter.first_answer_at.is_(None), Matter.created_at > now - target,
            Matter.created_at <= now - target + FIRST_ANSWER_LEAD).order_by(Matter.id)).all()
        for matter in matters:
            due = matter.created_at + target
            queued += _remind("first_answer", matter.id, due, committee_ids(matter.community_id),
                              N_("提醒：议题「%(t)s」的初审答复期限是 %(when)s，还剩不到两天。",
                                 t=matter.title, when=localtime(due)), matter=matter)
    return queued


def _closing(now: datetime, state: MatterState):
    from .matters.models import Matter

    return db.session.scalars(select(Matter).where(
        Matter.state == state.value, Matter.window_ends_at > now,
        Matter.window_ends_at <= now + DAY).order_by(Matter.id)).all()


def _evaluations(now: datetime) -> int:
    from .accounts import verification
    from .accounts.models import User
    from .tracking.evaluation import current_round
    from .tracking.models import Rating

    queued = 0
    for matter in _closing(now, MatterState.IN_EVALUATION):
        residents = select(User.id).where(User.community_id == matter.community_id,
                                          User.active.is_(True))
        if verification.required(matter.community):
            residents = residents.where(User.verified_at.is_not(None))  # only they may rate
        ev = current_round(matter)
        if ev is not None:
            residents = residents.where(User.id.not_in(
                select(Rating.user_id).where(Rating.evaluation_id == ev.id)))
        queued += _remind("evaluation", matter.id, matter.window_ends_at,
                          set(db.session.scalars(residents)), N_(
                              "提醒：「%(t)s」的满意度评议将于 %(when)s 结束，您还没有评议。",
                              t=matter.title, when=localtime(matter.window_ends_at)),
                          matter=matter)
    return queued


def _notices(now: datetime) -> int:
    from .matters.follows import followers

    queued = 0
    for matter in _closing(now, MatterState.IN_NOTICE):
        queued += _remind("notice", matter.id, matter.window_ends_at, followers(matter), N_(
            "提醒：「%(t)s」的决议公示将于 %(when)s 结束，如有异议请在此之前提出。",
            t=matter.title, when=localtime(matter.window_ends_at)), matter=matter)
    return queued
