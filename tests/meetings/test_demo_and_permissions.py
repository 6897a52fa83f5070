"""The demo meetings, and who may reach which meeting page."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from deliberation import demo
from deliberation.core import audit
from deliberation.core import time as clock
from deliberation.extensions import db
from deliberation.matters.models import Matter
from deliberation.meetings import demo as meeting_demo
from deliberation.meetings.models import AgendaItem, Meeting

from .conftest import accepted_matter


def test_demo_holds_adopting_rejecting_and_upcoming_meetings(app):
    demo.load()  # runs meeting_demo.demo_steps among its steps
    db.session.commit()
    lamp = db.session.scalar(select(Matter).where(Matter.title == "5 栋楼道灯坏了"))
    parking = db.session.scalar(select(Matter).where(Matter.title == "小区东门乱停车"))
    assert lamp.state == "in_notice"
    assert parking.state == "not_adopted"
    meetings = db.session.scalars(select(Meeting).order_by(Meeting.id)).all()
    states = [m.state for m in meetings]
    assert states.count("published") == 1 and set(states) == {"ended", "published"}
    assert meeting_demo.demo_steps(clock.utcnow()) is None  # a second run finds nothing to do
    clock.freeze(None)
    secret = db.session.scalar(select(AgendaItem).where(AgendaItem.matter_id == parking.id))
    assert (secret.ballot, secret.yes, secret.no, secret.abstain) == ("secret", 2, 5, 1)
    # the chair deferred (搁置) a matter in the lamp's meeting: back in the queue, schedulable
    charging = db.session.scalar(select(Matter).where(Matter.title == "楼下想装电动车充电桩"))
    assert charging.state == "deferred"
    shelved = db.session.scalar(select(AgendaItem).where(AgendaItem.matter_id == charging.id))
    lamp_item = db.session.scalar(select(AgendaItem).where(AgendaItem.matter_id == lamp.id))
    assert shelved.outcome == "deferred" and shelved.meeting_id == lamp_item.meeting_id
    actions = [e.action for e in audit.timeline("matter", charging.id)]
    assert actions[-4:] == ["accept", "schedule", "debate_opened", "defer"], actions


@pytest.fixture
def running(world, meeting_of):
    return meeting_of(accepted_matter(world), present=[world.member_a, world.recorder_a])


@pytest.mark.parametrize(("role", "allowed"), [
    ("anonymous", set()), ("resident", set()), ("council", set()),
    ("committee", {"chair", "phone", "projector"}), ("staff", {"chair", "projector"}),
    ("admin", {"chair", "projector"}),
])
def test_live_pages_by_role(world, login, client, running, role, allowed):
    user = world.roles()[role]
    c = login(user) if user else client
    for page in ("chair", "phone", "projector"):
        status = c.get(f"/meetings/{running.id}/{page}").status_code
        if page in allowed:
            assert status == 200, (role, page)
        else:
            # Anonymous visitors are sent to log in; a logged-in outsider is refused.
            assert status == (302 if role == "anonymous" else 403), (role, page, status)
    assert c.get(f"/meetings/{running.id}").status_code == 200


def test_only_who_runs_the_meeting_sees_the_check_in_code(world, login, client, running):
    """The code lets anyone check in as present: the projector is for the chair's side only."""
    code = running.checkin_code
    pages = [f"/meetings/{running.id}/projector", f"/meetings/{running.id}/live/projector",
             f"/meetings/{running.id}", f"/meetings/{running.id}/minutes"]
    anonymous = client.get(pages[0])
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    for who in (None, world.member_a, world.resident_a):
        c = login(who) if who else client
        for url in pages:
            response = c.get(url)
            assert code not in response.get_data(as_text=True), (who, url)
        if who:
            assert c.get(pages[0]).status_code == 403
        assert "/projector" not in c.get(pages[2]).get_data(as_text=True)
    for who in (world.chair_a, world.recorder_a, world.staff):
        c = login(who)
        assert code in c.get(pages[0]).get_data(as_text=True), who
        assert code in c.get(pages[1], headers={"HX-Request": "true"}).get_data(as_text=True)
        assert "/projector" in c.get(pages[2]).get_data(as_text=True)


@pytest.mark.parametrize("role", ["resident", "council", "business", "member"])
def test_only_leaders_call_meetings_and_act_as_chair(world, login, running, role):
    user = world.member_a if role == "member" else world.roles()[role]
    c = login(user)
    assert c.get("/meetings/new").status_code == 403
    item = running.items[0]
    for action in ("debate", "close", "defer"):
        assert c.post_form(f"/meetings/items/{item.id}/{action}").status_code == 403, action
    assert c.post_form(f"/meetings/{running.id}/end", {"confirmed": "1"}).status_code == 403
    assert c.post_form(f"/meetings/{running.id}/publish").status_code == 403


def test_body_rule_preset_is_set_by_staff(world, login):
    url = f"/meetings/rules/{world.federation.id}"
    assert login(world.chair_a).get(url).status_code == 403
    staff = login(world.staff)
    assert "村民代表会议" in staff.get(url).get_data(as_text=True)
    assert staff.post_form(url, {"rule_preset": "village_representatives"}).status_code == 302
    db.session.expire_all()
    assert world.federation.rule_preset == "village_representatives"
    assert staff.post_form(url, {"rule_preset": "nonsense"}).status_code == 422


def test_meeting_takes_its_rule_from_the_body(world, meeting_of):
    world.committee_a.rule_preset = "two_thirds"
    db.session.commit()
    meeting = meeting_of(accepted_matter(world), start=False)
    assert meeting.rule_preset == "two_thirds"


def test_joint_meeting_expects_members_of_every_body(world, login, meeting_of):
    from deliberation.meetings import services

    # Staff convene it: a committee chair may only call the bodies he leads (issue 15 item 1).
    meeting = meeting_of(accepted_matter(world), start=False,
                         body_ids=[world.committee_a.id, world.federation.id], by=world.staff)
    assert meeting.is_joint
    assert set(services.expected_ids(meeting)) == {world.chair_a.id, world.recorder_a.id,
                                                    world.member_a.id, world.council_member.id}
    page = login(world.council_member).get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "联席会议" in page and "我的参会页" in page


def test_meetings_list_pages_published_and_shows_drafts_only_to_organisers(world, login, client):
    from datetime import datetime, timedelta

    from deliberation.meetings import services as ms

    def create(title, day):
        return ms.create_meeting(
            world.chair_a, body_ids=[world.committee_a.id], title=title,
            starts_at=datetime(2026, 6, 1, 1, 0) + timedelta(days=day), place="活动中心",
            mode="in_person", chair_id=world.chair_a.id, recorder_id=world.recorder_a.id)

    for day in range(22):
        create(f"第{day:02d}次议事会", day).state = "published"  # set-up only
    create("还在准备的会", 30)
    db.session.commit()
    first = client.get("/meetings/").get_data(as_text=True)
    assert first.count("次议事会") == 20 and "第21次议事会" in first and "第01次议事会" not in first
    assert "还在准备的会" not in first and "第 1 / 2 页" in first
    second = client.get("/meetings/?page=2").get_data(as_text=True)
    assert second.count("次议事会") == 2 and "第00次议事会" in second
    assert "还在准备的会" in login(world.chair_a).get("/meetings/").get_data(as_text=True)
    assert "还在准备的会" not in login(world.member_a).get("/meetings/").get_data(as_text=True)
