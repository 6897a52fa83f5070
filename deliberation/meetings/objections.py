"""Objections (异议) during a resolution notice (决议公示), and the committee's decision."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask_babel import gettext
from sqlalchemy import func, select

from ..accounts import verification
from ..core import audit
from ..core.time import utcnow
from ..extensions import db
from ..matters import workflow
from ..matters.models import Matter
from ..matters.states import MatterState
from ..notifications import services as notifications
from ..notifications.messages import N_
from .models import AgendaItem, Objection, ObjectionState, Outcome
from .services import Forbidden, MeetingError

if TYPE_CHECKING:
    from ..accounts.models import User


def may_object(matter: Matter, user: User | None) -> bool:
    """Residents of the matter's community (verified, if the street says so), while its
    notice runs."""
    return (matter.state == MatterState.IN_NOTICE.value
            and verification.problem(user, matter.community, "object") is None)


def object_problem(matter: Matter, user: User | None) -> str | None:
    """During a notice, why a resident of the community cannot object (not verified yet)."""
    if matter.state != MatterState.IN_NOTICE.value or not (
            user and user.is_authenticated and user.lives_in(matter.community_id)):
        return None
    return verification.problem(user, matter.community, "object")


def may_decide(matter: Matter, user: User | None) -> bool:
    return bool(user and user.is_authenticated and user.sits_on_committee_of(matter.community_id))


def pending(matter: Matter) -> list[Objection]:
    return list(db.session.scalars(select(Objection).where(
        Objection.matter_id == matter.id, Objection.state == ObjectionState.PENDING.value)
        .order_by(Objection.id)))


def of_matter(matter: Matter) -> list[Objection]:
    return list(db.session.scalars(select(Objection).where(Objection.matter_id == matter.id)
                                   .order_by(Objection.id)))


def pending_hold(matter: Matter) -> str | None:
    """The workflow asks this before a notice ends: a pending objection holds it open."""
    n = db.session.scalar(select(func.count()).select_from(Objection).where(
        Objection.matter_id == matter.id, Objection.state == ObjectionState.PENDING.value))
    if n:
        return gettext("有 %(n)d 条异议尚待居委会处理，公示暂不结束。", n=n)
    return None


def file(matter: Matter, user: User, text: str) -> Objection:
    if not matter.can("object", user):
        raise Forbidden(object_problem(matter, user)
                        or gettext("只有本社区居民可以在决议公示期间提出异议。"))
    text = text.strip()
    if not text:
        raise MeetingError(gettext("请写明异议的理由。"))
    if matter.window_ends_at and matter.window_ends_at <= utcnow():
        raise MeetingError(gettext("公示期已经结束，不能再提出异议。"))
    objection = Objection(matter_id=matter.id, filer_id=user.id, text=text[:2000])
    db.session.add(objection)
    db.session.flush()
    entry = audit.record(actor_id=user.id, subject_type="matter", subject_id=matter.id,
                         action="objection", reason=objection.text,
                         details={"objection_id": objection.id})
    notifications.notify_users(_committee_ids(matter) - {user.id}, kind="objection",
                               message=N_("「%(t)s」收到一条异议，请居委会处理。", t=matter.title),
                               matter=matter, entry=entry)
    return objection


def _committee_ids(matter: Matter) -> set[int]:
    from ..directory.models import Body, BodyKind, Membership

    return set(db.session.scalars(select(Membership.user_id).join(Body).where(
        Body.kind == BodyKind.COMMITTEE.value, Body.community_id == matter.community_id)))


def decide(objection: Objection, actor: User, *, uphold: bool, reason: str) -> None:
    """Uphold: the matter goes back to be scheduled again (every pending objection is answered
    with it). Dismiss: this objection is answered with a public reason."""
    matter = db.session.get(Matter, objection.matter_id)
    if not matter.can("decide_objection", actor):
        raise Forbidden(gettext("只有本社区居委会可以处理异议。"))
    reason = reason.strip()
    if not reason:
        raise MeetingError(gettext("请写明处理理由，居民会看到。"))
    if objection.state != ObjectionState.PENDING.value:
        raise MeetingError(gettext("这条异议已经处理过了。"))
    now = utcnow()
    answered = pending(matter) if uphold else [objection]
    for o in answered:
        o.state = (ObjectionState.UPHELD if uphold else ObjectionState.DISMISSED).value
        o.decided_by_id, o.decision_reason, o.decided_at = actor.id, reason, now
    db.session.flush()
    if uphold:
        workflow.uphold_objection(matter, actor, reason=reason)
    else:
        entry = audit.record(actor_id=actor.id, subject_type="matter", subject_id=matter.id,
                             action="objection_dismissed", reason=reason,
                             details={"objection_id": objection.id})
        notifications.notify_users({objection.filer_id} - {actor.id}, kind="objection_dismissed",
                                   message=reason, matter=matter, entry=entry)


def last_decision(matter: Matter) -> AgendaItem | None:
    """The closed agenda item that decided the matter most recently (for the notice)."""
    return db.session.scalar(select(AgendaItem).where(
        AgendaItem.matter_id == matter.id,
        AgendaItem.outcome.in_([Outcome.ADOPTED.value, Outcome.NOT_ADOPTED.value]))
        .order_by(AgendaItem.closed_at.desc(), AgendaItem.id.desc()).limit(1))
