"""Supervision (督办): everything under way, riskiest first, and the station's reminders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from flask_babel import gettext
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..core import audit, errors
from ..core.time import utcnow
from ..directory.models import Street
from ..extensions import db
from ..matters.models import Matter
from ..matters.states import MatterState
from ..notifications import services as notifications
from ..notifications.messages import N_
from .assignment import WORKING, responsible_user_ids
from .models import Assignment, Phase, Spending

if TYPE_CHECKING:
    from ..accounts.models import User


@dataclass
class Risk:
    matter: Matter
    assignment: Assignment | None
    overdue_phases: list[Phase] = field(default_factory=list)
    days_quiet: int = 0          # days since the last report (or since the work began)
    quiet: bool = False          # no report for longer than the street allows
    overdue: bool = False        # past the overall due date
    spent_cents: int = 0

    @property
    def overrun(self) -> bool:
        return self.assignment is not None and self.spent_cents > self.assignment.budget_cents

    @property
    def score(self) -> int:
        """Unassigned work and a missed due date weigh most; each overdue phase adds to it."""
        return ((100 if self.assignment is None else 0) + (50 if self.overdue else 0)
                + 10 * len(self.overdue_phases) + (20 if self.quiet else 0)
                + (30 if self.overrun else 0))


def no_report_days() -> int:
    street = db.session.scalar(select(Street).order_by(Street.id))
    return street.no_report_days if street else 14


def board() -> list[Risk]:
    """Every matter under way, riskiest first (then the oldest)."""
    now = utcnow()
    today = now.date()
    limit = no_report_days()
    matters = db.session.scalars(
        select(Matter).where(Matter.state.in_([s.value for s in WORKING]))
        .order_by(Matter.state_changed_at, Matter.id)).all()
    ids = [m.id for m in matters]
    assignments = {a.matter_id: a for a in db.session.scalars(
        select(Assignment).where(Assignment.matter_id.in_(ids))
        .options(selectinload(Assignment.phases)))}
    spent = dict(db.session.execute(
        select(Spending.matter_id, func.sum(Spending.amount_cents))
        .where(Spending.matter_id.in_(ids)).group_by(Spending.matter_id)).all())
    risks = []
    for m in matters:
        a = assignments.get(m.id)
        since = (a.last_report_at or a.created_at) if a else m.state_changed_at
        days_quiet = (now - since).days
        risks.append(Risk(
            matter=m, assignment=a,
            overdue_phases=[p for p in a.phases if p.done_at is None and p.due_on < today] if a else [],
            days_quiet=days_quiet, quiet=days_quiet > limit,
            overdue=bool(a and a.due_on < today), spent_cents=int(spent.get(m.id) or 0)))
    risks.sort(key=lambda r: (-r.score, r.matter.state_changed_at, r.matter.id))
    return risks


def send_notice(matter: Matter, actor: User, *, message: str) -> audit.AuditEntry:
    """A supervision notice: on the timeline and in the responsible people's notifications."""
    if not actor.is_staff:
        raise errors.Forbidden(gettext("只有社工站工作人员可以督办。"))
    if matter.status not in WORKING and matter.status != MatterState.IN_EVALUATION:
        raise errors.Refused(gettext("只能督办正在实施或整改的议题。"))
    message = message.strip()
    if not message:
        raise errors.Refused(gettext("请写明督办要求。"))
    entry = audit.record(actor_id=actor.id, subject_type="matter", subject_id=matter.id,
                         action="supervise", reason=message)
    recipients = responsible_user_ids(matter) - {actor.id}
    notifications.notify_users(recipients, kind="supervise", matter=matter, entry=entry,
                               message=N_("督办：%(m)s", m=message))
    return entry
