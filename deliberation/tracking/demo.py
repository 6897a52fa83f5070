"""Demo data for the later half of the loop, made through the same services the pages call.

`demo_steps(matter_ids)` takes matters that a meeting adopted (adopted or in notice) and walks
them on with the clock helper, so the demo shows matters in every later state: in progress with
pledges and reports, in evaluation, rectifying, and closed (one after a rectification).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select

from ..accounts.models import Role, User
from ..core import time as clock
from ..directory.models import (
    Body,
    BodyKind,
    Membership,
    Organisation,
    OrganisationKind,
    OrganisationMember,
    Street,
)
from ..extensions import db
from ..matters import workflow
from ..matters.models import Matter
from ..matters.states import MatterState
from . import assignment, evaluation, reports, resources

# What each matter becomes, in turn.
TARGETS = ("closed", "in_progress", "in_evaluation", "closed_after_rectify", "rectifying")


def demo_steps(matter_ids: list[int], now: datetime | None = None) -> dict[int, str]:
    """Walk adopted matters on; returns {matter id: the state each ended in}."""
    previous = clock._frozen  # restored afterwards: the caller may be running its own clock
    now = now or clock.utcnow()
    cast = _Cast.find()
    try:
        for index, matter_id in enumerate(matter_ids):
            _walk(db.session.get(Matter, matter_id), TARGETS[index % len(TARGETS)], now, cast)
    finally:
        clock.freeze(previous)
    return {m: db.session.get(Matter, m).state for m in matter_ids}


class _Cast:
    """The people the demo needs, found in the demo street."""

    def __init__(self, staff: User, org: Organisation, lead: User, giver: User | None,
                 giver_org: Organisation | None, evaluation_days: int):
        self.staff, self.org, self.lead = staff, org, lead
        self.giver, self.giver_org, self.evaluation_days = giver, giver_org, evaluation_days

    @classmethod
    def find(cls) -> _Cast:
        staff = db.session.scalar(select(User).where(User.role == Role.STAFF.value).order_by(User.id))
        org = db.session.scalar(select(Organisation).where(
            Organisation.kind == OrganisationKind.SOCIAL.value).order_by(Organisation.id)) \
            or db.session.scalar(select(Organisation).order_by(Organisation.id))
        member = db.session.scalar(
            select(User).join(OrganisationMember, OrganisationMember.user_id == User.id)
            .where(OrganisationMember.organisation_id == org.id))
        giver = db.session.scalar(
            select(User).join(Membership, Membership.user_id == User.id).join(Body)
            .where(Body.kind == BodyKind.BUSINESS.value).order_by(User.id))
        giver_orgs = resources.organisations_of(giver) if giver else []
        street = db.session.scalar(select(Street).order_by(Street.id))
        return cls(staff, org, member or staff, giver, giver_orgs[0] if giver_orgs else None,
                   street.evaluation_days)


def _walk(matter: Matter, target: str, now: datetime, cast: _Cast) -> None:
    at: Callable[[datetime], None] = clock.freeze
    if matter.status == MatterState.ADOPTED:
        at(matter.decided_at + timedelta(hours=1))
        workflow.open_notice(matter, cast.staff)
    if matter.status != MatterState.IN_NOTICE or matter.window_ends_at >= now:
        return  # still in notice: a state worth showing too
    start = matter.window_ends_at + timedelta(hours=1)
    at(start)
    workflow.tick_one(matter)
    days = (now - start).total_seconds() / 86400
    ev_days = cast.evaluation_days
    rounds = {"closed": 1, "in_evaluation": 1, "closed_after_rectify": 2, "rectifying": 1}
    needed = 2 + rounds.get(target, 0) * (ev_days + 1)
    if target != "in_progress" and days < needed:
        target = "in_evaluation" if days >= 2 else "in_progress"

    at(start + timedelta(hours=2))
    today = clock.utcnow().date()
    due = today + timedelta(days=max(int(days) + 10, 21))
    assignment.assign(matter, cast.staff, organisation_id=cast.org.id, lead_id=cast.lead.id,
                      budget_cents=200_000, due_on=due,
                      phase_dues=assignment.default_phase_dates(today, due))
    if cast.giver:
        at(start + timedelta(hours=5))
        p = resources.pledge(matter, cast.giver, kind="materials", description="维修材料一批",
                             quantity="按需提供",
                             organisation_id=cast.giver_org.id if cast.giver_org else None)
        resources.pledge(matter, cast.giver, kind="labour", description="志愿安装工时",
                         quantity="8 小时",
                         organisation_id=cast.giver_org.id if cast.giver_org else None)
        at(start + timedelta(hours=30))
        resources.fulfil(p, matter, cast.staff)
    at(start + timedelta(days=1, hours=8))
    phases = assignment.assignment_of(matter.id).phases
    assignment.complete_phase(phases[0], matter, cast.lead)
    reports.add_report(matter, cast.lead, body="已完成现场调研，材料已到位，近期开始施工。", percent=30)
    reports.add_spending(matter, cast.lead, amount_cents=68_000, what="材料费（首批）",
                         spent_on=clock.utcnow().date())
    if target == "in_progress":
        return

    residents = list(db.session.scalars(select(User).where(
        User.community_id == matter.community_id, User.role == Role.RESIDENT.value)
        .order_by(User.id)))
    first_done = now - timedelta(days=rounds[target] * (ev_days + 1) - 0.5) \
        if target != "in_evaluation" else now - timedelta(days=1)
    at(max(first_done, start + timedelta(days=1, hours=12)))
    reports.report_done(matter, cast.lead, summary="施工完成，已请居民查看效果。")
    unhappy = target in ("closed_after_rectify", "rectifying")
    _ratings(matter, residents, unhappy=unhappy)
    if target == "in_evaluation":
        return
    at(matter.window_ends_at + timedelta(minutes=5))
    workflow.tick_one(matter)
    if target == "rectifying":
        return
    if target == "closed_after_rectify":
        at(clock.utcnow() + timedelta(hours=12))
        workflow.resume(matter, cast.lead, reason="按居民意见补齐遗漏的两处，一周内完成。")
        reports.add_report(matter, cast.lead, body="按居民意见完成整改。", percent=95)
        reports.report_done(matter, cast.lead, summary="整改完成，请居民再次评议。")
        _ratings(matter, residents, unhappy=False)
        at(matter.window_ends_at + timedelta(minutes=5))
        workflow.tick_one(matter)
    at(clock.utcnow() + timedelta(hours=3))
    evaluation.close(matter, cast.staff, summary="已按决议办结，居民评议通过，予以销号。")


def _ratings(matter: Matter, residents: list[User], *, unhappy: bool) -> None:
    clock.freeze(clock.utcnow() + timedelta(hours=6))
    for i, user in enumerate(residents):
        if unhappy:
            choice = "not_satisfied" if i % 3 != 2 else "basically_satisfied"
            comment = "还有两处没弄好，希望再看看。" if i % 3 == 0 else ""
        else:
            choice = "satisfied" if i % 3 != 2 else "basically_satisfied"
            comment = "办得好，谢谢！" if i == 0 else ""
        evaluation.rate(matter, user, choice=choice, comment=comment)
