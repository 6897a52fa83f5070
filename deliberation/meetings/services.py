"""Meetings: scheduling, the agenda, publishing, check-in, debate and speakers.

Every function does one whole action (change, audit entry, notifications) and only flushes.
Voting and closing live in `voting.py`; objections in `objections.py`.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from flask_babel import gettext
from sqlalchemy import func, select, update

from ..core import audit, dates, errors
from ..core.time import localtime, utcnow
from ..directory.models import Body, BodyRole, Membership
from ..extensions import db
from ..matters import workflow
from ..matters.models import Matter
from ..matters.states import MatterState
from ..notifications import services as notifications
from ..notifications.messages import N_plural, label
from . import rules, rulesets
from .models import (
    AgendaItem,
    Attendance,
    BallotCast,
    ItemState,
    Meeting,
    MeetingBody,
    MeetingState,
    Mode,
    Vote,
)

if TYPE_CHECKING:
    from ..accounts.models import User

CODE_ALPHABET = "ACDEFHJKMNPRTWXY34679"  # no look-alikes (0/O, 1/I/L, 2/Z, 5/S, 8/B)
LEADING_ROLES = (BodyRole.CHAIR.value, BodyRole.RECORDER.value)


class MeetingError(errors.ActionError):
    """A refused meeting action; the message is for the user."""


class Forbidden(MeetingError, errors.Forbidden):
    """The user may not do this (views answer 403)."""


# --- who is who ---------------------------------------------------------------------------------

def expected_ids(meeting: Meeting) -> list[int]:
    """Members expected at the meeting: everyone on any of its bodies, once."""
    body_ids = [b.id for b in meeting.bodies]
    return sorted(set(db.session.scalars(
        select(Membership.user_id).where(Membership.body_id.in_(body_ids)))))


def is_expected(meeting: Meeting, user: User | None) -> bool:
    return bool(user and user.is_authenticated and any(user.member_of(b.id) for b in meeting.bodies))


def organisable_bodies(user: User) -> list[Body]:
    """Bodies whose meetings `user` may call: all for staff, else those they chair or record."""
    query = select(Body).order_by(Body.id)
    if not user.is_staff:
        query = query.join(Membership).where(Membership.user_id == user.id,
                                             Membership.role.in_(LEADING_ROLES))
    return list(db.session.scalars(query))


def chair_candidates(body_ids: list[int]) -> list[User]:
    """Who may chair: chairs and recorders of the bodies (the workflow lets them record votes)."""
    from ..accounts.models import User

    return list(db.session.scalars(
        select(User).join(Membership).where(Membership.body_id.in_(body_ids),
                                            Membership.role.in_(LEADING_ROLES))
        .order_by(User.id).distinct()))


def member_candidates(body_ids: list[int]) -> list[User]:
    from ..accounts.models import User

    return list(db.session.scalars(
        select(User).join(Membership).where(Membership.body_id.in_(body_ids))
        .order_by(User.id).distinct()))


def rule_of(meeting: Meeting) -> rules.RuleSet:
    """The meeting's snapshot of its rule set, never the body's current one."""
    return rulesets.of_meeting(meeting)


def bump(meeting: Meeting) -> None:
    db.session.execute(update(Meeting).where(Meeting.id == meeting.id)
                       .values(version=Meeting.version + 1).execution_options(synchronize_session=False))
    db.session.expire(meeting, ["version"])


def _audit(meeting: Meeting, actor: User | None, action: str, *, public: bool = True, **details) -> None:
    audit.record(actor_id=actor.id if actor else None, subject_type="meeting", subject_id=meeting.id,
                 action=action, details=details, public=public)


# --- scheduling and the agenda ------------------------------------------------------------------

def create_meeting(actor: User, *, body_ids: list[int], title: str, starts_at: datetime, place: str,
                   mode: str, chair_id: int, recorder_id: int, minutes_planned: int = 120,
                   online_link: str = "", speaker_seconds: int = 120, max_turns: int = 2,
                   rule_preset: str | None = None) -> Meeting:
    bodies = [db.session.get(Body, i) for i in dict.fromkeys(body_ids)]
    if not bodies or None in bodies:
        raise MeetingError(gettext("请选择召开会议的议事主体。"))
    # Every body of a (joint) meeting must be one the caller may convene: otherwise a committee
    # could bring in a body that opens another community's matters (see Meeting.may_decide).
    allowed = {b.id for b in organisable_bodies(actor)}
    others = [b.name for b in bodies if b.id not in allowed]
    if others:
        raise Forbidden(gettext("您不能召集「%(b)s」开会：只有它的主任、召集人、秘书或社工站工作人员可以。",
                                b=gettext("、").join(others)))
    ids = [b.id for b in bodies]
    if chair_id not in {u.id for u in chair_candidates(ids)} and not _is_staff(chair_id):
        raise MeetingError(gettext("主持人须是这些议事主体的主任、召集人或秘书，或社工站工作人员。"))
    if recorder_id not in {u.id for u in member_candidates(ids)} and not _is_staff(recorder_id):
        raise MeetingError(gettext("记录员须是这些议事主体的成员，或社工站工作人员。"))
    if mode not in Mode.values():
        raise MeetingError(gettext("请选择会议形式。"))
    if (problem := dates.problem(starts_at)) is not None:
        raise MeetingError(problem)
    # The first body's rule set; only those who may set rule sets may call a meeting under another.
    if rule_preset and not rulesets.can_set_rules(actor):
        raise Forbidden(gettext("只有社工站工作人员可以为会议另选表决规则。"))
    rule = rules.PRESETS.get(rule_preset or "") or rulesets.of_body(bodies[0])
    meeting = Meeting(title=title.strip(), starts_at=starts_at, place=place.strip(), mode=mode,
                      online_link=online_link.strip(), chair_id=chair_id, recorder_id=recorder_id,
                      minutes_planned=minutes_planned, speaker_seconds=speaker_seconds,
                      max_turns=max_turns, checkin_code=_new_code(), created_by_id=actor.id,
                      rule_preset=rule.key, rule_params=rules.params_of(rule))
    db.session.add(meeting)
    db.session.flush()
    for b in bodies:
        db.session.add(MeetingBody(meeting_id=meeting.id, body_id=b.id))
    db.session.flush()
    db.session.refresh(meeting)
    _audit(meeting, actor, "create", public=False, bodies=ids, title=meeting.title,
           rule=rulesets.snapshot(rule), rule_chosen=bool(rule_preset))
    return meeting


def reschedule(meeting: Meeting, actor: User, *, starts_at: datetime, place: str) -> bool:
    """Move the meeting to another time or place before it starts: calendars get the change
    (iCal SEQUENCE + 1) and, once published, every expected member is told. False if unchanged."""
    if not meeting.can_manage(actor):
        raise Forbidden(gettext("只有会议的组织者可以改时间或地点。"))
    if meeting.state not in (MeetingState.DRAFT.value, MeetingState.PUBLISHED.value):
        raise MeetingError(gettext("会议已经开始，不能再改时间或地点。"))
    place = place.strip()
    if (meeting.starts_at, meeting.place) == (starts_at, place):
        return False
    before = {"starts_at": meeting.starts_at.isoformat(), "place": meeting.place}
    meeting.starts_at, meeting.place = starts_at, place
    meeting.sequence += 1
    db.session.flush()
    bump(meeting)
    _audit(meeting, actor, "reschedule", public=meeting.state != MeetingState.DRAFT.value,
           before=before, starts_at=starts_at.isoformat(), place=place)
    if meeting.state == MeetingState.PUBLISHED.value:
        message = gettext("会议变更：「%(t)s」改为 %(when)s 在 %(place)s 召开。", t=meeting.title,
                          when=localtime(starts_at), place=place or meeting.mode_label)
        notifications.notify_users(set(expected_ids(meeting)) - {actor.id}, kind="meeting_published",
                                   message=message, meeting=meeting)
    return True


def _is_staff(user_id: int) -> bool:
    from ..accounts.models import User

    u = db.session.get(User, user_id)
    return bool(u and u.is_staff)


def _new_code() -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))
        if not db.session.scalar(select(func.count()).select_from(Meeting)
                                 .where(Meeting.checkin_code == code)):
            return code


SCHEDULABLE = (MatterState.ACCEPTED.value, MatterState.DEFERRED.value)


def schedulable_matters(meeting: Meeting) -> list[Matter]:
    """Accepted (or deferred) matters this meeting may decide (`Meeting.deciding_communities`)."""
    return list(db.session.scalars(
        select(Matter).where(Matter.state.in_(SCHEDULABLE),
                             Matter.community_id.in_(meeting.deciding_communities()))
        .order_by(Matter.created_at, Matter.id)))


def add_item(meeting: Meeting, matter: Matter, actor: User) -> AgendaItem:
    if not meeting.can_manage(actor):
        raise Forbidden(gettext("只有会议的组织者可以安排议程。"))
    if meeting.state == MeetingState.ENDED.value:
        raise MeetingError(gettext("会议已经结束，不能再添加议程。"))
    if matter.state not in SCHEDULABLE:
        raise MeetingError(gettext("只能把已列为议题（或搁置待议）的议题排入议程。"))
    if problem := meeting.why_not_decide(matter):
        raise MeetingError(problem)
    position = (db.session.scalar(select(func.max(AgendaItem.position))
                                  .where(AgendaItem.meeting_id == meeting.id)) or 0) + 1
    motion = matter.title + (("\n" + matter.scope) if matter.scope else "")
    item = AgendaItem(meeting_id=meeting.id, matter_id=matter.id, position=position, motion=motion)
    db.session.add(item)
    db.session.flush()
    workflow.schedule(matter, actor, meeting=meeting)  # the matter references the item
    db.session.expire(meeting, ["items"])
    bump(meeting)
    return item


def remove_item(item: AgendaItem, actor: User) -> None:
    meeting = item.meeting
    if not meeting.can_manage(actor):
        raise Forbidden(gettext("只有会议的组织者可以调整议程。"))
    if item.state != ItemState.PENDING.value:
        raise MeetingError(gettext("这一项已经开始讨论，不能移出议程。"))
    workflow.unschedule(item.matter, actor, reason=gettext("从「%(t)s」议程中移出", t=meeting.title))
    db.session.delete(item)
    db.session.flush()
    db.session.expire(meeting, ["items"])
    bump(meeting)


def publish(meeting: Meeting, actor: User) -> int:
    """会前公示: the agenda becomes public and every expected member is told. Returns how many."""
    if not meeting.can_manage(actor):
        raise Forbidden(gettext("只有会议的组织者可以发布会议。"))
    if meeting.state != MeetingState.DRAFT.value:
        raise MeetingError(gettext("会议已经发布过了。"))
    if not meeting.items:
        raise MeetingError(gettext("议程是空的：请先把议题排入议程再发布。"))
    meeting.state = MeetingState.PUBLISHED.value
    meeting.published_at = utcnow()
    db.session.flush()
    bump(meeting)
    _audit(meeting, actor, "publish", items=[i.matter_id for i in meeting.items])
    message = N_plural("会议通知：「%(t)s」将于 %(when)s 在 %(place)s 召开，共 %(num)d 项议程。",
                       "会议通知：「%(t)s」将于 %(when)s 在 %(place)s 召开，共 %(num)d 项议程。",
                       len(meeting.items), t=meeting.title, when=localtime(meeting.starts_at),
                       place=meeting.place or label(Mode(meeting.mode)._label))
    members = set(expected_ids(meeting)) - {actor.id}
    notifications.notify_users(members, kind="meeting_published", message=message, meeting=meeting)
    return len(members)


def start(meeting: Meeting, actor: User) -> None:
    if not meeting.can_chair(actor):
        raise Forbidden(gettext("只有主持人可以宣布开会。"))
    if meeting.state != MeetingState.PUBLISHED.value:
        raise MeetingError(gettext("会议须先发布议程，才能开会。"))
    meeting.state = MeetingState.IN_SESSION.value
    meeting.started_at = utcnow()
    db.session.flush()
    bump(meeting)
    _audit(meeting, actor, "start")


def end(meeting: Meeting, actor: User) -> int:
    """散会. Items never reached are deferred back to the queue; returns how many."""
    if not meeting.can_chair(actor):
        raise Forbidden(gettext("只有主持人可以宣布散会。"))
    if meeting.state != MeetingState.IN_SESSION.value:
        raise MeetingError(gettext("会议不在进行中。"))
    if meeting.live_item is not None:
        raise MeetingError(gettext("还有一项正在讨论或表决，请先结束它。"))
    from .voting import defer_item

    pending = [i for i in meeting.items if i.state == ItemState.PENDING.value]
    for item in pending:
        defer_item(item, actor, reason=gettext("会议未及审议，退回待议。"))
    meeting.state = MeetingState.ENDED.value
    meeting.ended_at = utcnow()
    db.session.flush()
    bump(meeting)
    _audit(meeting, actor, "end", deferred=len(pending))
    return len(pending)


# --- attendance -----------------------------------------------------------------------------------

def attendance(meeting: Meeting) -> dict[int, Attendance]:
    rows = db.session.scalars(select(Attendance).where(Attendance.meeting_id == meeting.id))
    return {a.user_id: a for a in rows}


def present_ids(meeting: Meeting) -> set[int]:
    return set(db.session.scalars(select(Attendance.user_id).where(
        Attendance.meeting_id == meeting.id, Attendance.present.is_(True))))


def meeting_by_code(code: str) -> Meeting | None:
    code = "".join(ch for ch in (code or "").upper() if ch.isalnum())
    if not code:
        return None
    return db.session.scalar(select(Meeting).where(Meeting.checkin_code == code))


def check_in(meeting: Meeting, user: User) -> bool:
    """The member checks in from their phone. Idempotent; False when already present."""
    if meeting.state not in (MeetingState.PUBLISHED.value, MeetingState.IN_SESSION.value):
        raise MeetingError(gettext("这次会议现在不能签到。"))
    if not is_expected(meeting, user):
        raise Forbidden(gettext("您不是本次会议的应到成员，不能签到。"))
    return _set_presence(meeting, user.id, True, by_recorder=False)


def mark(meeting: Meeting, actor: User, user_id: int, present: bool) -> None:
    """The recorder marks a member present or absent."""
    if not meeting.can_record(actor):
        raise Forbidden(gettext("只有记录员可以登记出席。"))
    if meeting.state == MeetingState.ENDED.value:
        raise MeetingError(gettext("会议已经结束，出席情况不能再改。"))
    if user_id not in expected_ids(meeting):
        raise MeetingError(gettext("此人不是本次会议的应到成员。"))
    live = meeting.live_item
    if not present and live is not None and _has_voted(live, user_id):
        raise MeetingError(gettext("此人已在当前表决中投票，表决结束前不能登记为缺席。"))
    _set_presence(meeting, user_id, present, by_recorder=True)


def _has_voted(item: AgendaItem, user_id: int) -> bool:
    model = BallotCast if item.is_secret else Vote
    return bool(db.session.scalar(select(func.count()).select_from(model).where(
        model.item_id == item.id, model.user_id == user_id)))


def _set_presence(meeting: Meeting, user_id: int, present: bool, *, by_recorder: bool) -> bool:
    row = db.session.scalar(select(Attendance).where(Attendance.meeting_id == meeting.id,
                                                     Attendance.user_id == user_id))
    if row is not None and row.present == present:
        return False
    if row is None:
        row = Attendance(meeting_id=meeting.id, user_id=user_id)
        db.session.add(row)
    row.present, row.by_recorder, row.at = present, by_recorder, utcnow()
    db.session.flush()
    bump(meeting)
    return True
