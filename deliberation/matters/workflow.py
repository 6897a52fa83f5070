"""The only place a matter's state changes.

`TRANSITIONS` is the table: from which states, to which state, which actors may, which fields
are required. One function per transition checks all of that, changes the state with a
compare-and-set UPDATE (so two people acting at once cannot both succeed), writes exactly one
audit entry and queues notifications, all inside the caller's transaction. Views, meetings and
tracking call these functions; nothing else assigns `Matter.state`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Protocol

from flask_babel import gettext, lazy_gettext
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from ..core import audit, errors, labels
from ..core.time import localtime, utcnow
from ..directory.models import BodyRole, Street
from ..extensions import db
from ..notifications import services as notifications
from ..notifications.messages import N_
from . import follows, spine
from .models import Cosign, Follow, Matter
from .states import TERMINAL, MatterState

if TYPE_CHECKING:
    from ..accounts.models import User

S = MatterState


class WorkflowError(errors.ActionError):
    """A refused transition; `str(error)` is a message for the user, in their language."""


class NotAllowed(WorkflowError, errors.Forbidden):
    """The actor may not do this to this matter (views answer 403)."""


class Refused(WorkflowError, errors.Refused):
    """The matter's state or the input does not allow it (views show the message, 409/422)."""


class Venue(Protocol):
    """The meeting a matter is scheduled on or decided in (meetings.models.Meeting), asked here
    without importing the meetings stage."""

    id: int

    def why_not_decide(self, matter: Matter) -> str | None: ...

    def is_organised_by(self, user: User | None) -> bool: ...

    def agenda_item_of(self, matter: Matter) -> int | None: ...


class Actor(enum.Enum):
    PROPOSER = "proposer"      # who filed it (or the resident it was filed for)
    COMMITTEE = "committee"    # a member of the residents' committee of the matter's community
    ORGANISER = "organiser"    # puts matters on agendas: station staff, a body's chair or recorder
    CHAIR = "chair"            # records a vote's outcome: station staff, a body's chair or recorder
    STAFF = "staff"            # social-work station staff (and platform admins)
    IMPLEMENTER = "implementer"  # carries the matter out (its test comes from the tracking stage)
    SYSTEM = "system"          # the clock: windows that end by themselves


class Window(enum.Enum):
    """What a transition does to `window_ends_at`."""

    CLEAR = "clear"
    KEEP = "keep"
    NOTICE = "notice_days"          # opens the resolution notice (决议公示) for street.notice_days
    EVALUATION = "evaluation_days"  # opens the residents' evaluation for street.evaluation_days


class Item(enum.Enum):
    """What a transition does to the matter's links to agenda items (database-enforced: a
    scheduled matter has its item, a decided one the item whose vote decided it)."""

    KEEP = "keep"
    SCHEDULED_ON = "scheduled_on"  # agenda_item_id := the meeting's item for this matter
    UNSCHEDULED = "unscheduled"    # agenda_item_id := NULL
    DECIDED_BY = "decided_by"      # decided_by_item_id := the vote's item
    UNDECIDED = "undecided"        # decided_by_item_id := NULL (an upheld objection)


class Reason(enum.Enum):
    """What a transition does to `state_reason` (the reason shown beside the state)."""

    KEEP = "keep"
    SET = "set"
    CLEAR = "clear"


@dataclass(frozen=True)
class Transition:
    """One row of the table. Guards are named: the stage that owns the rule registers it
    (spine.register_guard), and the boot fails when one is missing."""

    name: str
    sources: frozenset[MatterState]
    target: MatterState
    actors: frozenset[Actor]
    label: str
    required: tuple[str, ...] = ()
    guards: tuple[str, ...] = ()
    stamps: tuple[str, ...] = ()     # timestamp columns set to now (first_answer_at only once)
    reason: Reason = Reason.KEEP
    window: Window = Window.CLEAR
    item: Item = Item.KEEP
    in_meeting: bool = False          # needs the meeting that may decide it, organised by the actor


def _t(name: str, sources: set[MatterState], target: MatterState, actors: set[Actor],
       label: str, required: tuple[str, ...] = (), **data: Any) -> Transition:
    return Transition(name, frozenset(sources), target, frozenset(actors), label, required,
                      **data)


ANSWER = ("first_answer_at",)
TRANSITIONS: dict[str, Transition] = {t.name: t for t in (
    _t("resubmit", {S.RETURNED}, S.SUBMITTED, {Actor.PROPOSER}, "补充后重新提交",
       reason=Reason.CLEAR),
    _t("withdraw", {S.SUBMITTED, S.RETURNED, S.ACCEPTED, S.DEFERRED}, S.WITHDRAWN,
       {Actor.PROPOSER, Actor.STAFF}, "撤回"),
    _t("accept", {S.SUBMITTED}, S.ACCEPTED, {Actor.COMMITTEE}, "初审：列为议题",
       stamps=ANSWER, reason=Reason.CLEAR),
    _t("return", {S.SUBMITTED}, S.RETURNED, {Actor.COMMITTEE}, "初审：退回补充", ("reason",),
       stamps=ANSWER, reason=Reason.SET),
    _t("merge", {S.SUBMITTED}, S.MERGED, {Actor.COMMITTEE}, "初审：合并", ("target",),
       stamps=ANSWER),
    _t("refer", {S.SUBMITTED}, S.REFERRED, {Actor.COMMITTEE}, "初审：转办",
       ("department", "reason"), stamps=ANSWER, reason=Reason.SET),
    _t("reject", {S.SUBMITTED}, S.REJECTED, {Actor.COMMITTEE}, "初审：不予受理", ("reason",),
       stamps=ANSWER, reason=Reason.SET),
    _t("schedule", {S.ACCEPTED, S.DEFERRED}, S.SCHEDULED, {Actor.ORGANISER}, "列入会议议程",
       ("meeting_id",), reason=Reason.CLEAR, item=Item.SCHEDULED_ON, in_meeting=True),
    _t("unschedule", {S.SCHEDULED}, S.ACCEPTED, {Actor.ORGANISER}, "移出会议议程",
       item=Item.UNSCHEDULED),
    _t("adopt", {S.SCHEDULED}, S.ADOPTED, {Actor.CHAIR}, "表决通过", ("vote_id",),
       stamps=("decided_at",), item=Item.DECIDED_BY, in_meeting=True),
    _t("not_adopt", {S.SCHEDULED}, S.NOT_ADOPTED, {Actor.CHAIR}, "表决未通过", ("vote_id",),
       stamps=("decided_at",), item=Item.DECIDED_BY, in_meeting=True),
    _t("defer", {S.SCHEDULED}, S.DEFERRED, {Actor.CHAIR}, "搁置，退回待议"),
    _t("open_notice", {S.ADOPTED}, S.IN_NOTICE, {Actor.CHAIR, Actor.STAFF, Actor.SYSTEM},
       "决议公示开始", window=Window.NOTICE),
    _t("uphold_objection", {S.IN_NOTICE}, S.ACCEPTED, {Actor.COMMITTEE}, "异议成立，重新审议",
       ("reason",), reason=Reason.SET, item=Item.UNDECIDED),
    # A pending objection (异议) holds the notice open: the meetings stage owns that rule.
    _t("end_notice", {S.IN_NOTICE}, S.IN_PROGRESS, {Actor.SYSTEM}, "公示期满，转入实施",
       guards=("window_ended", "no_pending_objection")),
    _t("report_done", {S.IN_PROGRESS}, S.IN_EVALUATION, {Actor.IMPLEMENTER},
       "报告完成，进入评议", ("reason",), reason=Reason.CLEAR, window=Window.EVALUATION),
    # DOMAIN.md: "not satisfied" sends the matter to rectifying and back to in progress; the
    # implementer says what will be put right before the work (and a new evaluation) resumes.
    _t("resume", {S.RECTIFYING}, S.IN_PROGRESS, {Actor.IMPLEMENTER}, "制定整改措施，重回实施",
       ("reason",), reason=Reason.CLEAR),
    # The clock rectifies after 不满意; staff decide (close or rectify) when nobody rated.
    _t("rectify", {S.IN_EVALUATION}, S.RECTIFYING, {Actor.SYSTEM, Actor.STAFF},
       "评议不满意，转入整改", ("reason",), guards=("window_ended", "may_rectify"),
       reason=Reason.SET, window=Window.KEEP),
    _t("close", {S.IN_EVALUATION}, S.CLOSED, {Actor.STAFF}, "销号", ("reason",),
       guards=("window_ended", "evaluation_passed"), stamps=("closed_at",), reason=Reason.SET,
       window=Window.KEEP),
)}

# Audit actions of the spine that are not transitions; each stage registers its own.
EVENT_LABELS: dict[str, str] = {
    "file": "提交议题",
    "file_on_behalf": "工作人员代录议题",
    "edit": "修改议题内容",
    "merged_in": "合并了另一议题",
    "note": "内部备注",
}


def _is_proposer(m: Matter, u: User) -> bool:
    return m.proposer_id == u.id or (m.proposer_id is None and m.filed_by_id == u.id)


def _leads_a_body(u: User) -> bool:
    return u.is_staff or any(
        mb.role in (BodyRole.CHAIR.value, BodyRole.RECORDER.value) for mb in u.memberships
    )


def _window_ended(m: Matter) -> str | None:
    if m.window_ends_at and m.window_ends_at > utcnow():
        return gettext("公示或评议期尚未结束（%(end)s 结束），请到期后再操作。",
                       end=localtime(m.window_ends_at))
    return None


def _register_own() -> None:
    """The spine's own actors, guard, labels and clock step (the stages add theirs)."""
    spine.register_actor(Actor.PROPOSER.value, _is_proposer)
    spine.register_actor(Actor.COMMITTEE.value, _sits_on_committee)
    spine.register_actor(Actor.ORGANISER.value, _organises)
    spine.register_actor(Actor.CHAIR.value, _organises)
    spine.register_actor(Actor.STAFF.value, _is_staff)
    spine.register_guard("window_ended", _window_ended)
    spine.register_clock_step(S.IN_NOTICE, spine.ClockStep(due=_notice_may_end, move=end_notice))
    labels.register({t.name: t.label for t in TRANSITIONS.values()})
    labels.register(EVENT_LABELS)


def _sits_on_committee(m: Matter, u: User) -> bool:
    return u.sits_on_committee_of(m.community_id)


def _organises(m: Matter, u: User) -> bool:
    return _leads_a_body(u)


def _is_staff(m: Matter, u: User) -> bool:
    return u.is_staff


def _notice_may_end(m: Matter) -> bool:
    return guard_problem(TRANSITIONS["end_notice"], m) is None


def guard_problem(t: Transition, matter: Matter) -> str | None:
    """The first registered guard of `t` that refuses, as a message; None when all pass."""
    for name in t.guards:
        if problem := spine.GUARDS[name](matter):
            return problem
    return None


def action_label(action: str):
    return labels.action_label(action)


def actors_of(matter: Matter, user: User | None) -> set[Actor]:
    if user is None:
        return {Actor.SYSTEM}
    if not getattr(user, "is_authenticated", False):
        return set()
    return {actor for actor in Actor
            if (test := spine.ACTOR_TESTS.get(actor.value)) and test(matter, user)}


def allowed(matter: Matter, name: str, user: User | None) -> bool:
    """May `user` apply transition `name` to `matter` now? (State, actor and guard; not input.)"""
    t = TRANSITIONS[name]
    if matter.status not in t.sources or not (actors_of(matter, user) & t.actors):
        return False
    return guard_problem(t, matter) is None


def available(matter: Matter, user: User | None) -> list[str]:
    return [name for name in TRANSITIONS if allowed(matter, name, user)]


def _apply(matter: Matter, name: str, actor: User | None, *, reason: str = "",
           details: dict[str, Any] | None = None, public: bool = True, venue: Venue | None = None,
           **fields: Any) -> audit.AuditEntry:
    t = TRANSITIONS[name]
    if not (actors_of(matter, actor) & t.actors):
        raise NotAllowed(gettext("您没有权限对此议题执行「%(action)s」。", action=gettext(t.label)))
    if matter.status not in t.sources:
        raise Refused(gettext("此议题当前为「%(state)s」，不能执行「%(action)s」。",
                              state=matter.status.label, action=gettext(t.label)))
    if t.in_meeting:
        _check_venue(matter, t, actor, venue)
    if problem := input_problem(name, reason=reason, **fields):
        raise Refused(problem)
    if problem := guard_problem(t, matter):
        raise Refused(problem)

    now = utcnow()
    source = matter.state
    changes: dict[str, Any] = {"state": t.target.value, "state_changed_at": now, "updated_at": now}
    changes.update(_side_effects(matter, t, now, reason, fields))
    # Compare-and-set: only one of two concurrent actors finds the matter still in `source`.
    statement = (update(Matter).where(Matter.id == matter.id, Matter.state == source)
                 .values(**changes).execution_options(synchronize_session=False))
    result = (_execute_keyed(name, statement, fields) if t.in_meeting
              else db.session.execute(statement))
    if result.rowcount != 1:
        db.session.refresh(matter)
        raise Refused(gettext("此议题的状态刚刚被他人更改，请刷新后再试。"))
    db.session.refresh(matter)

    entry = audit.record(
        actor_id=actor.id if actor else None, subject_type="matter", subject_id=matter.id,
        action=name, from_state=source, to_state=t.target.value, reason=reason.strip(),
        details={k: v for k, v in {**(details or {}), **fields}.items() if v not in (None, "")},
        public=public,
    )
    follows.notify_followers(matter, entry, exclude=actor.id if actor else None)
    if name == "resubmit":
        # Back in the screening queue: the committee hears of it (followers already did).
        notifications.notify_committee(
            matter, kind="to_screen", entry=entry,
            exclude=follows.followers(matter) | {actor.id},
            message=N_("「%(t)s」已补充后重新提交，等待居委会初审。", t=matter.title))
    return entry


def _execute_keyed(name: str, statement, fields: dict) -> Any:
    """Schedule and the decisions set the matter's agenda-item keys, and the database refuses an
    item that does not exist or is about another matter (see `Matter.__table_args__`). A
    savepoint keeps the caller's transaction usable after the refusal (PostgreSQL aborts it)."""
    db.session.flush()
    try:
        with db.session.begin_nested():
            return db.session.execute(statement)
    except IntegrityError as exc:
        if name == "schedule":
            raise Refused(gettext("此议题不在这次会议的议程上，不能列入会议议程。")) from exc
        raise Refused(gettext("找不到决定此议题的表决记录（议程项 %(id)s），或它不是此议题在本次会议的"
                              "议程项，不能记录表决结果。", id=fields.get("vote_id"))) from exc


def input_problem(name: str, **values: Any) -> str | None:
    """What the transition still needs typed in, for the user; None when nothing is missing
    (asked before a confirmation page too, so nobody confirms a step that would be refused)."""
    t = TRANSITIONS[name]
    missing = [f for f in t.required if not (str(values.get(f) or "").strip())]
    if missing:
        return gettext("执行「%(action)s」需要填写：%(fields)s。", action=gettext(t.label),
                       fields=gettext("、").join(str(FIELD_LABELS.get(f, f)) for f in missing))
    return None


def _check_venue(matter: Matter, t: Transition, actor: User | None, venue: Venue | None) -> None:
    if venue is None:
        raise Refused(gettext("执行「%(action)s」需要指明会议。", action=gettext(t.label)))
    if not venue.is_organised_by(actor):
        raise NotAllowed(gettext("您没有权限对此议题执行「%(action)s」。", action=gettext(t.label)))
    if problem := venue.why_not_decide(matter):
        raise Refused(problem)


FIELD_LABELS = {  # lazy: read in the reader's language when the message is built
    "reason": lazy_gettext("理由或说明"), "target": lazy_gettext("合并到的议题"),
    "department": lazy_gettext("转办部门"), "meeting_id": lazy_gettext("会议"),
    "vote_id": lazy_gettext("表决记录"),
}


def _side_effects(matter: Matter, t: Transition, now, reason: str, fields: dict) -> dict:
    """The columns the table says this transition sets, besides the state."""
    changes: dict[str, Any] = {}
    for column in t.stamps:
        if column != "first_answer_at" or matter.first_answer_at is None:
            changes[column] = now
    if t.reason is Reason.SET:
        changes["state_reason"] = reason.strip()
    elif t.reason is Reason.CLEAR:
        changes["state_reason"] = ""
    if t.name == "merge":
        changes["merged_into_id"] = int(fields["target"])
    if t.item is Item.SCHEDULED_ON:
        changes["agenda_item_id"] = fields.get("agenda_item_id")
    elif t.item is Item.UNSCHEDULED:
        changes["agenda_item_id"] = None
    elif t.item is Item.DECIDED_BY:
        changes["decided_by_item_id"] = int(fields["vote_id"])
    elif t.item is Item.UNDECIDED:
        changes["decided_by_item_id"] = None  # the decision no longer stands
    if t.window in (Window.NOTICE, Window.EVALUATION):
        street = db.session.get(Street, matter.community.street_id)
        changes["window_ends_at"] = now + timedelta(days=getattr(street, t.window.value))
    elif t.window is Window.CLEAR:
        changes["window_ends_at"] = None
    return changes


# --- one function per transition -------------------------------------------------------------

def resubmit(matter: Matter, actor: User) -> audit.AuditEntry:
    return _apply(matter, "resubmit", actor)


def withdraw(matter: Matter, actor: User, *, reason: str = "") -> audit.AuditEntry:
    return _apply(matter, "withdraw", actor, reason=reason)


def accept(matter: Matter, actor: User, *, title: str = "", scope: str = "",
           reason: str = "") -> audit.AuditEntry:
    title, scope = title.strip(), scope.strip()
    details: dict[str, Any] = {}
    if title and title != matter.title:
        details["original_title"] = matter.title
        details["title"] = title
    if scope:
        details["scope"] = scope
    entry = _apply(matter, "accept", actor, reason=reason, details=details)
    if title or scope:
        matter.title = title or matter.title
        matter.scope = scope or matter.scope
        db.session.flush()
    return entry


def return_for_detail(matter: Matter, actor: User, *, reason: str) -> audit.AuditEntry:
    return _apply(matter, "return", actor, reason=reason)


def refer(matter: Matter, actor: User, *, department: str, reason: str) -> audit.AuditEntry:
    return _apply(matter, "refer", actor, reason=reason, department=department.strip())


def reject(matter: Matter, actor: User, *, reason: str) -> audit.AuditEntry:
    return _apply(matter, "reject", actor, reason=reason)


def merge(matter: Matter, actor: User, *, target: Matter | None,
          reason: str = "") -> audit.AuditEntry:
    """Merge `matter` into an earlier, still-open matter of the same community."""
    if target is not None:
        problem = merge_target_problem(matter, target)
        if problem:
            raise Refused(problem)
    entry = _apply(matter, "merge", actor, reason=reason,
                   target=target.id if target is not None else None)
    _carry_supporters(matter, target)
    audit.record(actor_id=actor.id, subject_type="matter", subject_id=target.id,
                 action="merged_in", reason=reason.strip(),
                 details={"source": matter.id, "source_title": matter.title})
    return entry


def merge_target_problem(matter: Matter, target: Matter) -> str | None:
    if target.id == matter.id:
        return gettext("不能把议题合并到它自己。")
    if target.community_id != matter.community_id:
        return gettext("只能合并到同一社区的议题。")
    if target.status in TERMINAL:
        return gettext("目标议题已结束（%(state)s），不能合并进去。", state=target.status.label)
    if (target.created_at, target.id) > (matter.created_at, matter.id):
        return gettext("只能合并到更早提交的议题。")
    return None


def _carry_supporters(source: Matter, target: Matter) -> None:
    """Co-signers (and the source's proposer) support the survivor; followers follow it."""
    supporters = set(db.session.scalars(select(Cosign.user_id).where(Cosign.matter_id == source.id)))
    if source.proposer_id:
        supporters.add(source.proposer_id)
    supporters.discard(target.proposer_id)
    existing = set(db.session.scalars(select(Cosign.user_id).where(Cosign.matter_id == target.id)))
    for user_id in sorted(supporters - existing):
        db.session.add(Cosign(matter_id=target.id, user_id=user_id))
    watchers = set(db.session.scalars(select(Follow.user_id).where(Follow.matter_id == source.id)))
    for user_id in sorted(watchers | supporters):
        follows.follow(target, user_id)
    db.session.flush()
    target.cosign_count = db.session.scalar(
        select(db.func.count()).select_from(Cosign).where(Cosign.matter_id == target.id))
    db.session.flush()


def schedule(matter: Matter, actor: User, *, meeting: Venue, reason: str = "") -> audit.AuditEntry:
    """Onto the agenda item the meeting has for the matter; a meeting it is not on is refused."""
    return _apply(matter, "schedule", actor, reason=reason, venue=meeting, meeting_id=meeting.id,
                  agenda_item_id=meeting.agenda_item_of(matter))


def unschedule(matter: Matter, actor: User, *, reason: str = "") -> audit.AuditEntry:
    return _apply(matter, "unschedule", actor, reason=reason)


def adopt(matter: Matter, actor: User, *, meeting: Venue, vote_id: int,
          counts: dict | None = None) -> audit.AuditEntry:
    """`vote_id` is the agenda item whose vote decided (the count is the item's)."""
    return _apply(matter, "adopt", actor, venue=meeting, vote_id=vote_id,
                  details={"counts": counts or {}})


def not_adopt(matter: Matter, actor: User, *, meeting: Venue, vote_id: int,
              counts: dict | None = None) -> audit.AuditEntry:
    return _apply(matter, "not_adopt", actor, venue=meeting, vote_id=vote_id,
                  details={"counts": counts or {}})


def defer(matter: Matter, actor: User, *, reason: str = "") -> audit.AuditEntry:
    return _apply(matter, "defer", actor, reason=reason)


def open_notice(matter: Matter, actor: User | None) -> audit.AuditEntry:
    return _apply(matter, "open_notice", actor)


def uphold_objection(matter: Matter, actor: User, *, reason: str) -> audit.AuditEntry:
    return _apply(matter, "uphold_objection", actor, reason=reason)


def end_notice(matter: Matter) -> audit.AuditEntry:
    return _apply(matter, "end_notice", None)


def report_done(matter: Matter, actor: User, *, reason: str) -> audit.AuditEntry:
    return _apply(matter, "report_done", actor, reason=reason)


def resume(matter: Matter, actor: User, *, reason: str) -> audit.AuditEntry:
    return _apply(matter, "resume", actor, reason=reason)


def rectify(matter: Matter, actor: User | None = None, *, reason: str) -> audit.AuditEntry:
    """The clock after 不满意 (actor None), or staff after a round nobody rated."""
    return _apply(matter, "rectify", actor, reason=reason)


def close(matter: Matter, actor: User, *, reason: str) -> audit.AuditEntry:
    return _apply(matter, "close", actor, reason=reason)


# --- the clock --------------------------------------------------------------------------------

def due_for_tick(matter: Matter) -> bool:
    if matter.window_ends_at is None or matter.window_ends_at > utcnow():
        return False
    step = spine.CLOCK_STEPS.get(matter.state)
    return step is not None and step.due(matter)


def tick_one(matter: Matter) -> bool:
    """Move a matter on if its window has ended. True when it moved (or its outcome was set)."""
    if not due_for_tick(matter):
        return False
    spine.CLOCK_STEPS[matter.state].move(matter)
    return True


def tick() -> int:
    """Move on every matter whose window has ended, by the step its state's owner registered."""
    ids = db.session.scalars(
        select(Matter.id).where(Matter.state.in_(list(spine.CLOCK_STEPS)),
                                Matter.window_ends_at <= utcnow())
    ).all()
    moved = 0
    for matter_id in ids:
        matter = claim(matter_id)
        if matter is None:
            continue  # another node's tick holds it: that one moves it
        try:
            moved += tick_one(matter)
        except Refused:
            continue
    return moved


def claim(matter_id: int) -> Matter | None:
    """The matter, locked for this transaction and read afresh, so that ticks running on several
    nodes at once move each matter once (PostgreSQL: FOR UPDATE SKIP LOCKED, None when another
    transaction holds it; SQLite: the BEGIN IMMEDIATE write lock already serialises them)."""
    return db.session.scalar(
        select(Matter).where(Matter.id == matter_id).with_for_update(skip_locked=True)
        .execution_options(populate_existing=True))


_register_own()
