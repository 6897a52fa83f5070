"""Debate on one agenda item: the chair opens it, members queue to speak (for / against, with a
turn limit and a timer), and members with a conflict of interest step out (回避)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask_babel import gettext
from sqlalchemy import func, select

from ..core import audit
from ..core.time import utcnow
from ..extensions import db
from .models import AgendaItem, ItemState, MeetingState, Recusal, Side, SpeakRequest, SpeakState
from .services import Forbidden, MeetingError, bump, is_expected, present_ids

if TYPE_CHECKING:
    from ..accounts.models import User


def open_debate(item: AgendaItem, actor: User) -> None:
    meeting = item.meeting
    if not meeting.can_chair(actor):
        raise Forbidden(gettext("只有主持人可以开始讨论。"))
    if meeting.state != MeetingState.IN_SESSION.value:
        raise MeetingError(gettext("请先宣布开会。"))
    if item.state != ItemState.PENDING.value:
        raise MeetingError(gettext("这一项已经讨论过了。"))
    if meeting.live_item is not None:
        raise MeetingError(gettext("一次只议一项：请先结束正在进行的一项。"))
    item.state = ItemState.DEBATE.value
    item.debate_at = utcnow()
    db.session.flush()
    bump(meeting)
    audit.record(actor_id=actor.id, subject_type="matter", subject_id=item.matter_id,
                 action="debate_opened", details={"meeting_id": meeting.id})


def turns_taken(item: AgendaItem, user_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(SpeakRequest).where(
        SpeakRequest.item_id == item.id, SpeakRequest.user_id == user_id,
        SpeakRequest.state != SpeakState.WITHDRAWN.value)) or 0


def request_to_speak(item: AgendaItem, user: User, side: str) -> SpeakRequest:
    meeting = item.meeting
    if side not in Side.values():
        raise MeetingError(gettext("请选择赞成或反对。"))
    if item.state != ItemState.DEBATE.value:
        raise MeetingError(gettext("现在不是讨论时间，不能申请发言。"))
    if user.id not in present_ids(meeting):
        raise MeetingError(gettext("请先签到，再申请发言。"))
    if is_recused(item, user.id):
        raise MeetingError(gettext("您已申请回避此项，不参加讨论和表决。"))
    if db.session.scalar(select(func.count()).select_from(SpeakRequest).where(
            SpeakRequest.item_id == item.id, SpeakRequest.user_id == user.id,
            SpeakRequest.state.in_([SpeakState.WAITING.value, SpeakState.SPEAKING.value]))):
        raise MeetingError(gettext("您已经在发言队列中了。"))
    if turns_taken(item, user.id) >= meeting.max_turns:
        raise MeetingError(gettext("每人每项最多发言 %(n)d 次，您的次数已用完。", n=meeting.max_turns))
    request = SpeakRequest(item_id=item.id, user_id=user.id, side=side)
    db.session.add(request)
    db.session.flush()
    bump(meeting)
    return request


def queue(item: AgendaItem) -> list[SpeakRequest]:
    return list(db.session.scalars(select(SpeakRequest).where(
        SpeakRequest.item_id == item.id).order_by(SpeakRequest.requested_at, SpeakRequest.id)))


def suggested_next(item: AgendaItem) -> SpeakRequest | None:
    """Alternate for and against: the first waiting speaker of the side that spoke least recently."""
    requests = queue(item)
    waiting = [r for r in requests if r.state == SpeakState.WAITING.value]
    if not waiting:
        return None
    spoken = [r for r in requests if r.state in (SpeakState.DONE.value, SpeakState.SPEAKING.value)]
    if spoken:
        last = max(spoken, key=lambda r: (r.started_at or r.requested_at, r.id)).side
        other = next((r for r in waiting if r.side != last), None)
        if other is not None:
            return other
    return waiting[0]


def give_floor(request: SpeakRequest, actor: User) -> None:
    item = db.session.get(AgendaItem, request.item_id)
    if not item.meeting.can_chair(actor):
        raise Forbidden(gettext("只有主持人可以安排发言。"))
    if item.state != ItemState.DEBATE.value or request.state != SpeakState.WAITING.value:
        raise MeetingError(gettext("这位成员现在不在排队。"))
    now = utcnow()
    for current in queue(item):
        if current.state == SpeakState.SPEAKING.value:
            current.state, current.ended_at = SpeakState.DONE.value, now
    db.session.flush()
    request.state, request.started_at = SpeakState.SPEAKING.value, now
    db.session.flush()
    bump(item.meeting)


def end_speech(request: SpeakRequest, actor: User) -> None:
    item = db.session.get(AgendaItem, request.item_id)
    own_withdrawal = actor.id == request.user_id and request.state == SpeakState.WAITING.value
    if not (item.meeting.can_chair(actor) or own_withdrawal):
        raise Forbidden(gettext("只有主持人可以结束发言。"))
    if request.state not in (SpeakState.WAITING.value, SpeakState.SPEAKING.value):
        return
    if request.state == SpeakState.SPEAKING.value:
        request.state, request.ended_at = SpeakState.DONE.value, utcnow()
    else:
        request.state = SpeakState.WITHDRAWN.value
    db.session.flush()
    bump(item.meeting)


def is_recused(item: AgendaItem, user_id: int) -> bool:
    return bool(db.session.scalar(select(func.count()).select_from(Recusal).where(
        Recusal.item_id == item.id, Recusal.user_id == user_id)))


def recuse(item: AgendaItem, user: User, reason: str = "") -> None:
    """回避: declared before the vote opens; the member leaves this item's bases."""
    if not is_expected(item.meeting, user):
        raise Forbidden(gettext("只有本次会议的成员可以申请回避。"))
    if item.state not in (ItemState.PENDING.value, ItemState.DEBATE.value):
        raise MeetingError(gettext("表决已经开始或结束，不能再申请回避。"))
    if is_recused(item, user.id):
        return
    db.session.add(Recusal(item_id=item.id, user_id=user.id, reason=reason.strip()[:200]))
    for r in queue(item):
        if r.user_id == user.id and r.state == SpeakState.WAITING.value:
            r.state = SpeakState.WITHDRAWN.value
    db.session.flush()
    bump(item.meeting)
    audit.record(actor_id=user.id, subject_type="matter", subject_id=item.matter_id, action="recuse",
                 reason=reason.strip()[:200], details={"meeting_id": item.meeting_id})


def recusals(item: AgendaItem) -> list[Recusal]:
    return list(db.session.scalars(select(Recusal).where(Recusal.item_id == item.id)
                                   .order_by(Recusal.id)))
