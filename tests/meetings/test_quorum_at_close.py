"""The quorum is checked again when the vote closes: members who left after it opened count."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from deliberation.extensions import db
from deliberation.matters.models import Matter
from deliberation.meetings.models import AgendaItem, BallotBox

from .conftest import council_vote


def nine_member_vote(world, ballot: str):
    """A council of 9; 5 checked in (the quorum: more than half); the vote open."""
    return council_vote(world, 9, 5, ballot)


@pytest.mark.parametrize("ballot", ["open", "secret"])
def test_closing_after_members_left_is_refused_and_the_item_can_be_deferred(world, login, ballot):
    matter, meeting, item, members = nine_member_vote(world, ballot)
    for u in members[:2]:
        assert login(u).post_form(f"/meetings/items/{item.id}/vote", {"choice": "yes"}).status_code == 303
    chair = login(world.staff)
    for u in members[2:5]:  # three who had not voted leave the room
        r = chair.post_form(f"/meetings/{meeting.id}/attendance", {"user_id": u.id, "present": "0"})
        assert r.status_code == 302

    r = chair.post_form(f"/meetings/items/{item.id}/close", {"confirmed": "1"})
    assert r.status_code == 302
    page = chair.get(f"/meetings/{meeting.id}/chair").get_data(as_text=True)
    assert "现在不足法定人数：本项应到 9 人，需到会 5 人，现在实到 2 人，不能宣布表决结果。" in page
    assert "或者搁置本项" in page
    db.session.expire_all()
    assert db.session.get(AgendaItem, item.id).state == "voting"  # nothing was decided
    assert db.session.get(Matter, matter.id).state == "scheduled"

    # the chair defers it (the votes cast are void); the minutes show who was really there
    assert chair.post_form(f"/meetings/items/{item.id}/defer", {"confirmed": "1"}).status_code == 302
    db.session.expire_all()
    closed = db.session.get(AgendaItem, item.id)
    assert (closed.state, closed.outcome, closed.yes) == ("closed", "deferred", None)
    assert db.session.get(Matter, matter.id).state != "in_notice"
    assert db.session.scalar(select(BallotBox).where(BallotBox.item_id == item.id)) is None
    minutes = chair.get(f"/meetings/{meeting.id}/minutes").get_data(as_text=True)
    assert "2 人：代表0、代表1" in minutes and "未达到" in minutes


def test_the_vote_closes_once_members_are_back(world, login):
    matter, meeting, item, members = nine_member_vote(world, "secret")
    for u in members[:3]:
        assert login(u).post_form(f"/meetings/items/{item.id}/vote", {"choice": "yes"}).status_code == 303
    chair = login(world.staff)
    chair.post_form(f"/meetings/{meeting.id}/attendance", {"user_id": members[4].id, "present": "0"})
    chair.post_form(f"/meetings/items/{item.id}/close", {"confirmed": "1"})
    db.session.expire_all()
    assert db.session.get(AgendaItem, item.id).state == "voting"
    # with a quorum the chair may not throw the votes away by deferring
    chair.post_form(f"/meetings/{meeting.id}/attendance", {"user_id": members[4].id, "present": "1"})
    chair.post_form(f"/meetings/items/{item.id}/defer", {"confirmed": "1"})
    db.session.expire_all()
    assert db.session.get(AgendaItem, item.id).state == "voting"
    assert chair.post_form(f"/meetings/items/{item.id}/close", {"confirmed": "1"}).status_code == 302
    db.session.expire_all()
    closed = db.session.get(AgendaItem, item.id)
    assert (closed.outcome, closed.yes, closed.present_base, closed.members_base) == ("adopted", 3, 5, 9)
    assert db.session.get(Matter, matter.id).state == "in_notice"
