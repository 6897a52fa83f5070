"""Every (state, transition, role): allowed ones succeed with exactly one audit entry on the
matter; all others are refused with a clear message and change nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import func, select, update

from deliberation.core.audit import AuditEntry
from deliberation.core.time import utcnow
from deliberation.directory import services as directory
from deliberation.directory.models import BodyRole
from deliberation.extensions import db
from deliberation.matters import workflow
from deliberation.matters.models import Matter
from deliberation.matters.states import DECIDED, MatterState
from deliberation.matters.workflow import TRANSITIONS, Actor
from deliberation.notifications.models import Notification
from deliberation.tracking.models import Evaluation, Outcome
from tests import factories

# Who each test role is, by hand: the specification the transition table is checked against.
ROLE_ACTORS: dict[str, set[Actor]] = {
    "anonymous": set(),
    "proposer": {Actor.PROPOSER},
    "other_resident": set(),
    "committee_member": {Actor.COMMITTEE},
    "committee_chair": {Actor.COMMITTEE, Actor.ORGANISER, Actor.CHAIR},
    "other_committee_member": set(),
    "staff": {Actor.STAFF, Actor.ORGANISER, Actor.CHAIR, Actor.IMPLEMENTER},
    "system": {Actor.SYSTEM},
}


S = MatterState
A = Actor
# The canonical flow of DOMAIN.md, written out by hand: (from states, to state, who may).
EXPECTED: dict[str, tuple[set[MatterState], MatterState, set[Actor]]] = {
    "resubmit": ({S.RETURNED}, S.SUBMITTED, {A.PROPOSER}),
    "withdraw": ({S.SUBMITTED, S.RETURNED, S.ACCEPTED, S.DEFERRED}, S.WITHDRAWN, {A.PROPOSER, A.STAFF}),
    "accept": ({S.SUBMITTED}, S.ACCEPTED, {A.COMMITTEE}),
    "return": ({S.SUBMITTED}, S.RETURNED, {A.COMMITTEE}),
    "merge": ({S.SUBMITTED}, S.MERGED, {A.COMMITTEE}),
    "refer": ({S.SUBMITTED}, S.REFERRED, {A.COMMITTEE}),
    "reject": ({S.SUBMITTED}, S.REJECTED, {A.COMMITTEE}),
    "schedule": ({S.ACCEPTED, S.DEFERRED}, S.SCHEDULED, {A.ORGANISER}),
    "unschedule": ({S.SCHEDULED}, S.ACCEPTED, {A.ORGANISER}),
    "adopt": ({S.SCHEDULED}, S.ADOPTED, {A.CHAIR}),
    "not_adopt": ({S.SCHEDULED}, S.NOT_ADOPTED, {A.CHAIR}),
    "defer": ({S.SCHEDULED}, S.DEFERRED, {A.CHAIR}),
    "open_notice": ({S.ADOPTED}, S.IN_NOTICE, {A.CHAIR, A.STAFF, A.SYSTEM}),
    "uphold_objection": ({S.IN_NOTICE}, S.ACCEPTED, {A.COMMITTEE}),
    "end_notice": ({S.IN_NOTICE}, S.IN_PROGRESS, {A.SYSTEM}),
    "report_done": ({S.IN_PROGRESS}, S.IN_EVALUATION, {A.IMPLEMENTER}),
    "resume": ({S.RECTIFYING}, S.IN_PROGRESS, {A.IMPLEMENTER}),
    "rectify": ({S.IN_EVALUATION}, S.RECTIFYING, {A.SYSTEM, A.STAFF}),
    "close": ({S.IN_EVALUATION}, S.CLOSED, {A.STAFF}),
}


def test_the_table_has_exactly_the_expected_transitions():
    assert set(TRANSITIONS) == set(EXPECTED)


def _users(world) -> dict[str, object]:
    other = factories.user(world.b, name="和平委员")
    directory.add_member(world.committee_b, other.id, BodyRole.MEMBER.value, world.admin.id)
    return {
        "anonymous": AnonymousUserMixin(), "proposer": world.resident_a,
        "other_resident": world.resident_a2, "committee_member": world.member_a,
        "committee_chair": world.chair_a, "other_committee_member": other,
        "staff": world.staff, "system": None,
    }


def _venue(world):
    """A meeting of the matter's own committee, chaired by its chair: one that may decide it."""
    from datetime import datetime

    from deliberation.meetings import services as meetings

    return meetings.create_meeting(
        world.chair_a, body_ids=[world.committee_a.id], title="幸福社区议事会",
        starts_at=datetime(2026, 6, 1, 1, 0), place="活动中心", mode="in_person",
        chair_id=world.chair_a.id, recorder_id=world.recorder_a.id)


def _call(name: str, matter: Matter, user, target: Matter, venue=None, item_id=None):
    """Invoke the transition's own function with its required fields filled in."""
    calls = {
        "resubmit": lambda: workflow.resubmit(matter, user),
        "withdraw": lambda: workflow.withdraw(matter, user),
        "accept": lambda: workflow.accept(matter, user, title="改写的标题", scope="范围"),
        "return": lambda: workflow.return_for_detail(matter, user, reason="请补充楼栋"),
        "merge": lambda: workflow.merge(matter, user, target=target, reason="同一件事"),
        "refer": lambda: workflow.refer(matter, user, department="12345 热线", reason="不属社区"),
        "reject": lambda: workflow.reject(matter, user, reason="已解决"),
        "schedule": lambda: workflow.schedule(matter, user, meeting=venue),
        "unschedule": lambda: workflow.unschedule(matter, user),
        "adopt": lambda: workflow.adopt(matter, user, meeting=venue, vote_id=item_id),
        "not_adopt": lambda: workflow.not_adopt(matter, user, meeting=venue, vote_id=item_id),
        "defer": lambda: workflow.defer(matter, user),
        "open_notice": lambda: workflow.open_notice(matter, user),
        "uphold_objection": lambda: workflow.uphold_objection(matter, user, reason="异议成立"),
        "report_done": lambda: workflow.report_done(matter, user, reason="已完成"),
        "resume": lambda: workflow.resume(matter, user, reason="补装 4 楼的灯"),
        "close": lambda: workflow.close(matter, user, reason="已修好，居民满意"),
        "rectify": lambda: workflow.rectify(matter, user, reason="无人评议，工作人员决定整改"),
    }
    if name in calls:
        return calls[name]()
    # Clock-driven transitions have no actor parameter; others reach them only through _apply.
    if user is None:
        return {"end_notice": workflow.end_notice}[name](matter)
    return workflow._apply(matter, name, user)


def _count(model, **where) -> int:
    query = select(func.count()).select_from(model)
    for key, value in where.items():
        query = query.where(getattr(model, key) == value)
    return db.session.scalar(query)


@pytest.mark.parametrize("role", list(ROLE_ACTORS))
@pytest.mark.parametrize("name", list(EXPECTED))
def test_transition_matrix(world, name, role):
    users = _users(world)
    user = users[role]
    target = world.matter(title="更早的同类议题")
    matter = world.matter()
    # A concluded evaluation round: what `close` (satisfied) and `rectify` (nobody rated, so
    # staff decide; or not satisfied) need besides the ended window.
    outcome = Outcome.NO_RATINGS if name == "rectify" else Outcome.SATISFIED
    venue = _venue(world)
    item = factories.agenda_item(matter, meeting=venue)  # the item the vote is taken on
    db.session.add(Evaluation(matter_id=matter.id, round=1, opened_at=utcnow() - timedelta(days=8),
                              ends_at=utcnow() - timedelta(minutes=1), outcome=outcome.value,
                              satisfied=3 if outcome == Outcome.SATISFIED else 0,
                              concluded_at=utcnow()))
    sources, target_state, actors = EXPECTED[name]
    failures = []
    for state in MatterState:
        nested = db.session.begin_nested()
        db.session.execute(update(Matter).where(Matter.id == matter.id).values(
            state=state.value, merged_into_id=target.id if state == MatterState.MERGED else None,
            agenda_item_id=item.id if state in DECIDED | {MatterState.SCHEDULED} else None,
            decided_by_item_id=item.id if state in DECIDED else None,
            window_ends_at=utcnow() - timedelta(minutes=1),
            state_changed_at=utcnow() - timedelta(days=9)))
        db.session.refresh(matter)
        entries_before = _count(AuditEntry, subject_type="matter", subject_id=matter.id)
        notes_before = _count(Notification)
        expected = state in sources and bool(actors & ROLE_ACTORS[role])
        try:
            _call(name, matter, user, target, venue, item.id)
        except workflow.WorkflowError as exc:
            message = str(exc)
            db.session.refresh(matter)
            if expected:
                failures.append(f"{state.value}: refused unexpectedly: {message}")
            elif matter.state != state.value:
                failures.append(f"{state.value}: refused but state changed to {matter.state}")
            elif _count(AuditEntry, subject_type="matter", subject_id=matter.id) != entries_before:
                failures.append(f"{state.value}: refused but wrote an audit entry")
            elif _count(Notification) != notes_before:
                failures.append(f"{state.value}: refused but queued notifications")
            elif not any("\u4e00" <= ch <= "\u9fff" for ch in message):
                failures.append(f"{state.value}: refusal message is not a clear Chinese sentence")
        else:
            db.session.refresh(matter)
            written = _count(AuditEntry, subject_type="matter", subject_id=matter.id) - entries_before
            if not expected:
                failures.append(f"{state.value}: allowed but should be refused")
            elif matter.state != target_state.value:
                failures.append(f"{state.value}: ended in {matter.state}, not {target_state.value}")
            elif written != 1:
                failures.append(f"{state.value}: wrote {written} audit entries, not 1")
        nested.rollback()
    assert not failures, f"{name} as {role}:\n" + "\n".join(failures)


def test_allowed_answers_match_the_functions(world):
    """`matter.can()` (what templates ask) agrees with what the functions do."""
    users = _users(world)
    matter = world.matter()
    for role, user in users.items():
        for name, (sources, _target, actors) in EXPECTED.items():
            expected = MatterState.SUBMITTED in sources and bool(actors & ROLE_ACTORS[role])
            assert matter.can(name, user) == expected, (name, role)
