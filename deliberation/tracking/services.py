"""What the pages read: the matter page's tracking section and the problem-resolution list."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select

from ..accounts import verification
from ..core.pagination import Page, paginate
from ..core.time import utcnow
from ..directory.models import Community, Organisation
from ..extensions import db
from ..matters.models import Matter
from ..matters.states import MatterState
from . import evaluation, reports, resources
from .assignment import assignment_of
from .models import WORKING, Assignment, Evaluation, Pledge, ProgressReport, Rating, Spending

if TYPE_CHECKING:
    from ..accounts.models import User

S = MatterState
# Every matter that was adopted: the problem-resolution list (问题解决清单).
ADOPTED_STATES = (S.ADOPTED, S.IN_NOTICE, S.IN_PROGRESS, S.IN_EVALUATION, S.RECTIFYING, S.CLOSED)


@dataclass
class Section:
    """Everything `templates/tracking/_matter_section.html` shows, with the user's permissions."""

    matter: Matter
    assignment: Assignment | None
    pledges: list[Pledge]
    totals: resources.PledgeTotals
    reports: list[ProgressReport]
    ledger: list[Spending]
    spent_cents: int
    evaluation: Evaluation | None
    rating_count: int
    rounds: list[Evaluation]
    my_rating: Rating | None
    can_assign: bool
    can_pledge: bool
    can_report: bool
    can_rate: bool
    can_close: bool
    can_supervise: bool
    can_decide: bool
    is_staff: bool
    rate_closed_reason: str
    rate_closed_message: str = ""

    @property
    def shown(self) -> bool:
        return self.matter.status in ADOPTED_STATES

    # What the section says about where the matter stands (the template asks, not compares).
    @property
    def closed_with_result(self) -> bool:
        return self.matter.status == S.CLOSED and bool(self.matter.state_reason)

    @property
    def awaits_assignment(self) -> bool:
        return self.assignment is None and self.matter.status in WORKING

    @property
    def awaits_notice_end(self) -> bool:
        return self.matter.status in (S.ADOPTED, S.IN_NOTICE)

    @property
    def in_evaluation(self) -> bool:
        return self.matter.status == S.IN_EVALUATION

    def can_fulfil(self, pledge: Pledge) -> bool:
        """Station staff confirm that a pledge arrived."""
        return self.is_staff and pledge.awaits_fulfilment


def section(matter: Matter, user: User | None) -> Section:
    staff = bool(user and user.is_authenticated and user.is_staff)
    ev = evaluation.current_round(matter)
    rate_closed = rate_message = ""
    can_rate = matter.can("rate", user)
    if matter.status == S.IN_EVALUATION and not can_rate:
        if not (user and user.is_authenticated):
            rate_closed = "login"
        elif not user.lives_in(matter.community_id):
            rate_closed = "not_resident"
        elif not evaluation.window_open(matter):
            rate_closed = "window"
        elif unverified := verification.problem(user, matter.community, "rate"):
            rate_closed, rate_message = "unverified", unverified
    return Section(
        matter=matter, assignment=assignment_of(matter.id),
        pledges=resources.pledges_of(matter.id), totals=resources.totals(matter.id),
        reports=reports.reports_of(matter.id), ledger=reports.ledger(matter.id),
        spent_cents=reports.spent_cents(matter.id), evaluation=ev,
        rating_count=sum(evaluation.counts(ev.id).values()) if ev else 0,
        rounds=evaluation.concluded_rounds(matter.id),
        my_rating=evaluation.rating_of(matter, user),
        can_assign=matter.can("assign", user), can_pledge=matter.can("pledge", user),
        can_report=matter.can("report_progress", user), can_rate=can_rate,
        can_close=matter.can("close", user),
        can_supervise=matter.can("supervise", user),
        can_decide=matter.can("decide_evaluation", user),
        is_staff=staff, rate_closed_reason=rate_closed,
        rate_closed_message=rate_message)


# --- the problem-resolution list -------------------------------------------------------------

FILTER_STATES = {s.value: s for s in ADOPTED_STATES}


@dataclass
class Filters:
    state: str = ""
    community: int | None = None
    organisation: int | None = None
    overdue: bool = False

    @classmethod
    def from_args(cls, args) -> Filters:
        """Only known parameters with valid values count; anything else is ignored."""
        def number(name: str) -> int | None:
            raw = args.get(name, "")
            return int(raw) if raw.isdigit() and len(raw) < 10 else None

        state = args.get("state", "")
        return cls(state=state if state in FILTER_STATES else "", community=number("community"),
                   organisation=number("organisation"), overdue=args.get("overdue") == "1")

    def as_args(self) -> dict[str, str]:
        out = {"state": self.state, "community": self.community, "organisation": self.organisation,
               "overdue": "1" if self.overdue else ""}
        return {k: str(v) for k, v in out.items() if v}


@dataclass
class Row:
    matter: Matter
    assignment: Assignment | None
    outcome: Evaluation | None

    @property
    def overdue(self) -> bool:
        return bool(self.assignment and self.matter.status != S.CLOSED
                    and self.assignment.due_on < utcnow().date())


def problem_list(filters: Filters, page: str | int | None, per_page: int = 20) -> Page:
    query = (select(Matter, Assignment).outerjoin(Assignment, Assignment.matter_id == Matter.id)
             .where(Matter.state.in_([s.value for s in ADOPTED_STATES]))
             .order_by(Matter.decided_at.desc(), Matter.id.desc()))
    if filters.state:
        query = query.where(Matter.state == filters.state)
    if filters.community:
        query = query.where(Matter.community_id == filters.community)
    if filters.organisation:
        query = query.where(Assignment.organisation_id == filters.organisation)
    if filters.overdue:
        query = query.where(Assignment.due_on < utcnow().date(), Matter.state != S.CLOSED.value)
    result = paginate(query, page, per_page=per_page, rows=True)
    ids = [m.id for m, _a in result.items]
    latest: dict[int, Evaluation] = {}
    for ev in db.session.scalars(select(Evaluation).where(Evaluation.matter_id.in_(ids),
                                                          Evaluation.outcome.is_not(None))
                                 .order_by(Evaluation.round)):
        latest[ev.matter_id] = ev
    result.items = [Row(m, a, latest.get(m.id)) for m, a in result.items]
    return result


def filter_choices() -> dict[str, list[tuple[int | str, str]]]:
    return {
        "states": [(s.value, s.label) for s in ADOPTED_STATES],
        "communities": [(c.id, c.name) for c in db.session.scalars(
            select(Community).order_by(Community.id))],
        "organisations": [(o.id, o.name) for o in db.session.scalars(
            select(Organisation).order_by(Organisation.name))],
    }
