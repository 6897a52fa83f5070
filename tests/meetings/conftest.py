"""Helpers for meeting tests: accepted matters, a meeting of committee A, check-ins."""

from __future__ import annotations

from datetime import datetime

import pytest

from deliberation.extensions import db
from deliberation.matters import workflow
from deliberation.matters.models import Matter
from deliberation.meetings import services
from deliberation.meetings.models import AgendaItem


def accepted_matter(world, title: str = "5 栋楼道灯坏了", proposer=None):
    m = world.matter(proposer=proposer, title=title)
    workflow.accept(m, world.chair_a)
    db.session.commit()
    return m


@pytest.fixture
def meeting_of(world):
    """`meeting_of(*matters, start=True, present=(...))` -> a committee A meeting chaired by
    chair_a, recorded by recorder_a, with the matters on its agenda; published, optionally
    started, with the given users checked in."""

    def _make(*matters, start: bool = True, present=(), rule_preset=None, body_ids=None, by=None):
        # `by`: who convenes it (chair_a by default; staff for bodies chair_a does not lead).
        meeting = services.create_meeting(
            by or world.chair_a, body_ids=body_ids or [world.committee_a.id], title="幸福社区议事会",
            starts_at=datetime(2026, 6, 1, 1, 0), place="社区活动中心", mode="in_person",
            chair_id=world.chair_a.id, recorder_id=world.recorder_a.id, rule_preset=rule_preset)
        for m in matters:
            services.add_item(meeting, m, world.chair_a)
        services.publish(meeting, world.chair_a)
        if start:
            services.start(meeting, world.chair_a)
        for u in present:
            services.check_in(meeting, u)
        db.session.commit()
        return meeting

    return _make


class ItemRun:
    """One agenda item run over HTTP by its chair (chair_a): debate, vote, count, close."""

    def __init__(self, login, chair, meeting, index: int = 0):
        self.login, self.chair, self.meeting = login, login(chair), meeting
        self.item = meeting.items[index]
        self.url = f"/meetings/items/{self.item.id}"

    def post(self, action: str, data: dict | None = None, by=None, **kwargs):
        """POST `/meetings/items/<id>/<action>` as `by` (a user) or the chair."""
        client = self.login(by) if by is not None else self.chair
        return client.post_form(f"{self.url}/{action}", data, **kwargs)

    def open_vote(self, ballot: str = "open", method: str = "phones", **kwargs):
        return self.post("open-vote", {"ballot": ballot, "method": method}, **kwargs)

    def vote(self, user, choice: str):
        return self.post("vote", {"choice": choice}, by=user)

    def close(self):
        return self.post("close", {"confirmed": "1"})

    def one_yes(self, member) -> str:
        """An open phone vote in which only `member` votes (yes), closed: the matter's state."""
        self.open_vote()
        self.vote(member, "yes")
        self.close()
        return self.matter_state()

    def fresh(self) -> AgendaItem:
        db.session.expire_all()
        return db.session.get(AgendaItem, self.item.id)

    def matter_state(self) -> str:
        db.session.expire_all()
        return db.session.get(Matter, self.item.matter_id).state


@pytest.fixture
def run_item(world, login, meeting_of):
    """`run_item(matter=None, present=(member_a, recorder_a), meeting=None)` -> an `ItemRun` of
    the meeting's first item with its debate opened by the chair (a new accepted matter and a
    started committee A meeting unless given)."""

    def _run(matter=None, present=None, meeting=None, debate: bool = True) -> ItemRun:
        if meeting is None:
            present = (world.member_a, world.recorder_a) if present is None else present
            meeting = meeting_of(matter or accepted_matter(world), present=present)
        run = ItemRun(login, world.chair_a, meeting)
        if debate:
            run.post("debate")
        return run

    return _run


def council_vote(world, n: int, present: int, ballot: str):
    """A street-level council of `n` members (the street lets it decide community A's matters),
    `present` of them checked in, and an open vote run by staff: (matter, meeting, item, members)."""
    from deliberation.directory.models import Body, BodyKind, BodyRole, Membership
    from tests import factories

    world.street.council_decides = True
    body = Body(name="议事会", kind=BodyKind.COUNCIL.value)
    db.session.add(body)
    db.session.flush()
    members = [factories.user(world.a, name=f"代表{i}") for i in range(n)]
    db.session.add_all(Membership(body_id=body.id, user_id=u.id, role=BodyRole.MEMBER.value) for u in members)
    matter = accepted_matter(world)
    staff = db.session.get(type(world.staff), world.staff.id)
    item = factories.vote_under_way(staff, [body.id], matter, members[:present], ballot=ballot)
    db.session.commit()
    return matter, item.meeting, item, members
