"""Issue 15 item 1: a meeting decides only matters of the communities it may decide for.

The scenario found on main: 幸福社区's committee chair calls a joint meeting of his committee and
the street's business association; the agenda then offered 和平社区's accepted matters and his
members adopted one with nobody from 和平 present. The agenda, the meeting form and the workflow
now all ask `Meeting.may_decide(matter)`.
"""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from sqlalchemy import func, select, update

from deliberation.extensions import db
from deliberation.matters import workflow
from deliberation.matters.models import Matter
from deliberation.meetings import debate, services, voting
from deliberation.meetings.models import AgendaItem, Meeting

from .conftest import accepted_matter

FORM = {"title": "幸福社区与商联会联席会议", "starts_at": "2026-06-01T19:30", "minutes_planned": "90",
        "place": "活动中心", "mode": "in_person", "rule_preset": "", "speaker_seconds": "120",
        "max_turns": "2"}


def heping_matter(world) -> Matter:
    m = world.matter(proposer=world.resident_b, title="和平社区垃圾分类点太臭")
    workflow.accept(m, world.chair_b)
    db.session.commit()
    return m


def joint_meeting(world, by=None) -> Meeting:
    """幸福 committee + the street business association, chaired by 幸福's chair."""
    meeting = services.create_meeting(
        by or world.staff, body_ids=[world.committee_a.id, world.business.id],
        title="幸福社区与商联会联席会议", starts_at=datetime(2026, 6, 1, 11, 30), place="活动中心",
        mode="in_person", chair_id=world.chair_a.id, recorder_id=world.recorder_a.id)
    db.session.commit()
    return meeting


def test_the_chair_cannot_bring_in_a_body_he_does_not_lead(world, login):
    chair = login(world.chair_a)
    page = chair.get("/meetings/new").get_data(as_text=True)
    assert world.committee_a.name in page
    assert world.business.name not in page and world.committee_b.name not in page
    r = chair.post_form("/meetings/new", {
        **FORM, "body_ids": [str(world.committee_a.id), str(world.business.id)],
        "chair_id": str(world.chair_a.id), "recorder_id": str(world.recorder_a.id)})
    assert r.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(Meeting)) == 0
    # The service refuses it too, whatever the form offers.
    with pytest.raises(services.Forbidden, match="商联会"):
        joint_meeting(world, by=world.chair_a)


def test_the_joint_meeting_agenda_offers_only_its_own_community(world, login):
    ours = accepted_matter(world, title="幸福社区楼道灯坏了")
    theirs = heping_matter(world)
    meeting = joint_meeting(world)
    chair = login(world.chair_a)
    page = chair.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert ours.title in page
    assert theirs.title not in page
    assert services.schedulable_matters(meeting) == [ours]
    assert meeting.may_decide(ours) and not meeting.may_decide(theirs)

    # Adding it anyway (a crafted POST): refused with the real reason, nothing changes.
    r = chair.post_form(f"/meetings/{meeting.id}/agenda", {"matter_id": str(theirs.id)},
                        follow_redirects=True)
    text = r.get_data(as_text=True)
    assert "「和平社区垃圾分类点太臭」是和平社区的议题" in text
    assert "只能把已列为议题" not in text
    db.session.expire_all()
    assert db.session.get(Matter, theirs.id).state == "accepted"
    assert not db.session.scalars(select(AgendaItem)).all()


def test_the_misleading_refusal_is_gone_for_a_committee_meeting(world, login):
    """Item 25: adding another community's (accepted) matter said it was not accepted."""
    theirs = heping_matter(world)
    meeting = services.create_meeting(
        world.chair_a, body_ids=[world.committee_a.id], title="幸福社区议事会",
        starts_at=datetime(2026, 6, 1, 11, 30), place="活动中心", mode="in_person",
        chair_id=world.chair_a.id, recorder_id=world.recorder_a.id)
    db.session.commit()
    r = login(world.chair_a).post_form(f"/meetings/{meeting.id}/agenda", {"matter_id": str(theirs.id)},
                                       follow_redirects=True)
    text = r.get_data(as_text=True)
    assert re.search(r"是和平社区的议题：只有和平社区居民自治委员会参加的会议才能审议和表决它", text)
    assert "只能把已列为议题（或搁置待议）的议题排入议程" not in text


def test_the_workflow_refuses_even_when_the_service_is_bypassed(world):
    theirs = heping_matter(world)
    meeting = joint_meeting(world)
    with pytest.raises(workflow.Refused, match="和平社区的议题"):
        workflow.schedule(theirs, world.chair_a, meeting=meeting)
    db.session.rollback()
    assert db.session.get(Matter, theirs.id).state == "accepted"

    # A matter that got onto the agenda anyway (set up directly, as old data might be) cannot be
    # adopted there: closing the vote is refused and the matter stays scheduled.
    item = AgendaItem(meeting_id=meeting.id, matter_id=theirs.id, position=1, motion="x")
    db.session.add(item)
    db.session.flush()
    db.session.execute(update(Matter).where(Matter.id == theirs.id).values(
        state="scheduled", agenda_item_id=item.id))
    db.session.commit()
    meeting = db.session.get(Meeting, meeting.id)
    services.publish(meeting, world.chair_a)
    services.start(meeting, world.chair_a)
    for u in (world.chair_a, world.recorder_a, world.member_a):
        services.check_in(meeting, u)
    item = meeting.items[0]
    debate.open_debate(item, world.chair_a)
    voting.open_vote(item, world.chair_a)
    for u in (world.chair_a, world.recorder_a, world.member_a):
        voting.cast(item.id, u, "yes")
    db.session.commit()
    with pytest.raises(workflow.Refused, match="和平社区的议题"):
        voting.close_vote(item, world.chair_a)
    db.session.rollback()
    assert db.session.get(Matter, theirs.id).state == "scheduled"


def test_the_workflow_asks_for_an_organiser_of_that_meeting(world):
    """Leading some body is not enough: 和平's chair cannot schedule onto 幸福's meeting."""
    ours = accepted_matter(world)
    meeting = joint_meeting(world)
    with pytest.raises(workflow.NotAllowed):
        workflow.schedule(ours, world.chair_b, meeting=meeting)


def test_a_street_council_decides_every_community_only_when_the_street_says_so(world, login):
    from deliberation.directory.models import Body, BodyKind

    ours, theirs = accepted_matter(world), heping_matter(world)
    council = Body(name="街道联席会议", kind=BodyKind.COUNCIL.value)
    db.session.add(council)
    db.session.flush()
    meeting = services.create_meeting(
        world.staff, body_ids=[council.id], title="街道联席会议", starts_at=datetime(2026, 6, 1, 11, 30),
        place="社工站", mode="in_person", chair_id=world.staff.id, recorder_id=world.staff.id)
    db.session.commit()
    assert services.schedulable_matters(meeting) == []
    assert not meeting.may_decide(ours) and not meeting.may_decide(theirs)

    # The street's setting, as staff change it on the street page.
    staff = login(world.staff)
    r = staff.post_form("/admin/street", {"name": world.street.name, "first_answer_days": "10",
                                          "notice_days": "5", "evaluation_days": "7",
                                          "no_report_days": "14", "council_decides": "y"})
    assert r.status_code == 302
    db.session.expire_all()
    meeting = db.session.get(Meeting, meeting.id)
    assert {m.id for m in services.schedulable_matters(meeting)} == {ours.id, theirs.id}
    page = staff.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert ours.title in page and theirs.title in page
    services.add_item(meeting, theirs, world.staff)
    db.session.commit()
    assert db.session.get(Matter, theirs.id).state == "scheduled"
