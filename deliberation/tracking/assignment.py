"""Assigning an adopted matter to an implementing organisation, with a budget and a phased plan."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from flask_babel import gettext
from sqlalchemy import select

from ..core import audit, dates, errors
from ..core.time import utcnow
from ..directory.models import Organisation, OrganisationMember
from ..extensions import db
from ..matters import follows, workflow
from ..matters.models import Matter
from ..notifications import services as notifications
from ..notifications.messages import N_
from .models import WORKING, Assignment, Phase, PhaseKey

if TYPE_CHECKING:
    from ..accounts.models import User



def assignment_of(matter_id: int) -> Assignment | None:
    return db.session.scalar(select(Assignment).where(Assignment.matter_id == matter_id))


def org_member_ids(organisation_id: int) -> set[int]:
    return set(db.session.scalars(select(OrganisationMember.user_id)
                                  .where(OrganisationMember.organisation_id == organisation_id)))


def implements(matter: Matter, user: User) -> bool:
    """The workflow's implementer: station staff, or the assigned organisation's member."""
    return user.is_staff or is_implementer(matter, user)


def is_implementer(matter: Matter, user: User) -> bool:
    """A member of the organisation assigned to carry the matter out."""
    a = assignment_of(matter.id)
    return a is not None and user.id in org_member_ids(a.organisation_id)


def responsible_user_ids(matter: Matter) -> set[int]:
    """Who answers for the work: the person in charge and the implementing organisation."""
    a = assignment_of(matter.id)
    if a is None:
        return set()
    return org_member_ids(a.organisation_id) | {a.lead_id}


def may_assign(matter: Matter, user: User | None) -> bool:
    """The "assign" ability: station staff dispatch (派单) while the work is under way."""
    return bool(user and user.is_authenticated and user.is_staff and matter.status in WORKING)


def default_phase_dates(start: date, due: date) -> dict[str, date]:
    """Spread the nine phases evenly between today and the due date (a full plan)."""
    span = max((due - start).days, 0)
    return {p.value: start + timedelta(days=round(span * (i + 1) / len(PhaseKey)))
            for i, p in enumerate(PhaseKey)}


def plan_problem(*, organisation_id: int, lead_id: int, due_on: date,
                 phase_dues: dict[str, date]) -> str | None:
    if db.session.get(Organisation, organisation_id) is None:
        return gettext("请选择承接组织。")
    from ..accounts.models import User

    lead = db.session.get(User, lead_id)
    if lead is None or not (lead.is_staff or lead_id in org_member_ids(organisation_id)):
        return gettext("负责人必须是承接组织的成员或社工站工作人员。")
    if due_on < utcnow().date():
        return gettext("完成期限不能早于今天。")
    if not phase_dues or not set(phase_dues) <= set(PhaseKey.values()):
        return gettext("请至少为一个阶段填写完成日期；小事只填一个阶段即可。")
    for day in (due_on, *phase_dues.values()):
        if (problem := dates.problem(day)) is not None:
            return problem
    late = [PhaseKey(k).label for k, d in phase_dues.items() if d > due_on]
    if late:
        return gettext("阶段日期不能晚于完成期限：%(names)s。", names=gettext("、").join(map(str, late)))
    return None


def assign(matter: Matter, actor: User, *, organisation_id: int, lead_id: int, budget_cents: int,
           due_on: date, phase_dues: dict[str, date]) -> Assignment:
    """Set (or change) who carries the matter out, the budget, the due date and the phases."""
    if not actor.is_staff:
        raise errors.Forbidden(gettext("只有社工站工作人员可以派单。"))
    if matter.status not in WORKING:
        raise errors.Refused(gettext("此议题当前为「%(state)s」，公示期满转入实施后才能派单。",
                                       state=matter.status.label))
    problem = plan_problem(organisation_id=organisation_id, lead_id=lead_id, due_on=due_on,
                           phase_dues=phase_dues)
    if problem:
        raise errors.Refused(problem)
    if budget_cents < 0:
        raise errors.Refused(gettext("预算不能是负数。"))
    now = utcnow()
    a = assignment_of(matter.id)
    dropped = [p for p in (a.phases if a else []) if p.key not in phase_dues]
    if done := [p.phase.label for p in dropped if p.done_at is not None]:
        raise errors.Refused(gettext("已完成的阶段不能从计划中去掉：%(names)s。",
                                       names=gettext("、").join(map(str, done))))
    action = "reassign" if a else "assign"
    if a is None:
        a = Assignment(matter_id=matter.id, assigned_by_id=actor.id, created_at=now)
        db.session.add(a)
    a.organisation_id, a.lead_id, a.budget_cents, a.due_on = (
        organisation_id, lead_id, budget_cents, due_on)
    a.updated_at = now
    for phase in dropped:
        a.phases.remove(phase)  # a phase left out of the new plan (delete-orphan)
    existing = {p.key: p for p in a.phases}
    for position, key in enumerate(PhaseKey.values()):
        if key not in phase_dues:
            continue
        phase = existing.get(key) or Phase(key=key, position=position)
        phase.due_on = phase_dues[key]
        if phase.id is None:
            a.phases.append(phase)
    db.session.flush()
    org = db.session.get(Organisation, organisation_id)
    entry = audit.record(
        actor_id=actor.id, subject_type="matter", subject_id=matter.id, action=action,
        details={"organisation": org.name, "lead": a.lead.display_name,
                 "budget_cents": budget_cents, "due_on": due_on.isoformat()})
    follows.follow(matter, lead_id)
    follows.notify_followers(matter, entry, exclude=actor.id,
                                   message=N_("承接组织：%(org)s", org=org.name))
    others = responsible_user_ids(matter) - follows.followers(matter) - {actor.id}
    notifications.notify_users(others, kind=action,
                               message=N_("您所在的组织承接了议题「%(t)s」。", t=matter.title),
                               matter=matter, entry=entry)
    return a


def complete_phase(phase: Phase, matter: Matter, actor: User) -> None:
    if workflow.Actor.IMPLEMENTER not in workflow.actors_of(matter, actor):
        raise errors.Forbidden(gettext("只有承接组织或社工站可以更新阶段。"))
    if matter.status not in WORKING:
        raise errors.Refused(gettext("议题不在实施中，不能更新阶段。"))
    if phase.done_at is not None:
        return
    phase.done_at, phase.done_by_id = utcnow(), actor.id
    db.session.flush()
    audit.record(actor_id=actor.id, subject_type="matter", subject_id=matter.id,
                 action="phase_done", details={"phase": phase.key})
