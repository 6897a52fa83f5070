"""Actions that cannot be undone ask first, in plain words. Cancel leaves everything as it was;
OK does it. (Without JavaScript the form posts straight away: the server never needs the answer.)"""

from __future__ import annotations

from datetime import datetime

from playwright.sync_api import expect

from deliberation.extensions import db
from deliberation.matters import workflow
from deliberation.matters.states import MatterState
from deliberation.meetings import debate, services, voting
from deliberation.meetings.models import AgendaItem, Meeting
from deliberation.notifications.models import Notification
from deliberation.tracking import resources
from deliberation.tracking.models import Pledge
from tests.browser.conftest import answer_next_dialog, login, shot
from tests.factories import PASSWORD
from tests.tracking.conftest import put_in


def _meeting(world, titles, *, publish=True):
    meeting = services.create_meeting(
        world.chair_a, body_ids=[world.committee_a.id], title="幸福社区六月议事会",
        starts_at=datetime(2026, 6, 1, 11, 30), place="社区活动中心", mode="in_person",
        chair_id=world.chair_a.id, recorder_id=world.recorder_a.id)
    for title in titles:
        matter = world.matter(title=title)
        workflow.accept(matter, world.chair_a)
        services.add_item(meeting, matter, world.chair_a)
    if publish:
        services.publish(meeting, world.chair_a)
    return meeting


def _states(item_ids):
    db.session.commit()  # end the read transaction: see the server's writes
    return [db.session.get(AgendaItem, i).state for i in item_ids]


def _click(page, name: str, *, accept: bool) -> str:
    asked = answer_next_dialog(page, accept=accept)
    page.get_by_role("button", name=name).click()
    page.wait_for_load_state()
    assert asked, f"{name}: no confirmation was asked"
    return asked[0]


def test_chair_is_asked_before_closing_a_vote_deferring_and_ending(phone_page, world, commit_db):
    meeting = _meeting(world, ["5 栋楼道灯坏了", "中心花园健身器材生锈", "小区门口乱停车"])
    services.start(meeting, world.chair_a)
    for u in (world.chair_a, world.member_a):
        services.check_in(meeting, u)
    first, second, third = meeting.items
    debate.open_debate(first, world.chair_a)
    voting.open_vote(first, world.chair_a)
    meeting_id, ids = meeting.id, [first.id, second.id, third.id]
    chair_phone = world.chair_a.phone
    commit_db()

    chair = phone_page()
    login(chair, chair_phone, PASSWORD)
    chair.goto(f"/meetings/{meeting_id}/chair")

    asked = _click(chair, "结束表决并宣布结果", accept=False)
    assert asked == "结束表决后，按现在的票数宣布结果，不能撤销。确定吗？"
    expect(chair.get_by_role("button", name="结束表决并宣布结果")).to_be_visible()
    assert _states(ids) == ["voting", "pending", "pending"]
    _click(chair, "结束表决并宣布结果", accept=True)
    expect(chair.get_by_text("表决结束")).to_be_visible()
    assert _states(ids)[0] == "closed"

    chair.get_by_role("button", name="开始讨论").first.click()
    asked = _click(chair, "搁置本项", accept=False)
    assert "不能撤销" in asked and "退回待议" in asked
    expect(chair.get_by_role("button", name="搁置本项")).to_be_visible()
    assert _states(ids)[1] == "debate"
    shot(chair, "confirm-defer-cancelled-phone")
    _click(chair, "搁置本项", accept=True)
    expect(chair.get_by_text("本项已搁置，议题退回待议。")).to_be_visible()
    assert _states(ids)[1:] == ["closed", "pending"]

    asked = _click(chair, "宣布散会", accept=False)
    assert asked == "宣布散会后，未表决的议题将全部搁置、退回待议，不能撤销。确定吗？"
    db.session.commit()  # end the read transaction: see the server's writes
    assert db.session.get(Meeting, meeting_id).state == "in_session"
    assert _states(ids)[2] == "pending"
    _click(chair, "宣布散会", accept=True)
    db.session.commit()  # end the read transaction: see the server's writes
    assert db.session.get(Meeting, meeting_id).state == "ended"
    assert _states(ids)[2] == "closed"
    shot(chair, "confirm-meeting-ended-phone")


def test_publishing_a_meeting_asks_first(phone_page, world, commit_db):
    meeting = _meeting(world, ["5 栋楼道灯坏了"], publish=False)
    meeting_id, chair_phone = meeting.id, world.chair_a.phone
    commit_db()

    def told():
        db.session.commit()  # end the read transaction: see the server's writes
        return db.session.scalar(db.select(db.func.count()).select_from(Notification)
                                 .where(Notification.kind == "meeting_published"))

    page = phone_page()
    login(page, chair_phone, PASSWORD)
    page.goto(f"/meetings/{meeting_id}")
    asked = _click(page, "发布会议并公示议程", accept=False)
    assert "通知全体应到成员" in asked
    assert db.session.get(Meeting, meeting_id).state == "draft" and told() == 0
    expect(page.get_by_role("button", name="发布会议并公示议程")).to_be_visible()
    _click(page, "发布会议并公示议程", accept=True)
    db.session.commit()  # end the read transaction: see the server's writes
    assert db.session.get(Meeting, meeting_id).state == "published" and told() > 0
    shot(page, "confirm-meeting-published-phone")


def test_staff_confirm_a_pledge_delivered_only_after_saying_so(phone_page, world, commit_db):
    matter = put_in(world.matter(title="5 栋楼道灯坏了"), MatterState.IN_NOTICE, window_days=5)
    pledge = resources.pledge(matter, world.shop_owner, kind="materials", description="LED 灯泡 20 个",
                              organisation_id=world.shop.id)
    matter_id, pledge_id, staff_phone = matter.id, pledge.id, world.staff.phone
    commit_db()

    page = phone_page()
    login(page, staff_phone, PASSWORD)
    page.goto(f"/matters/{matter_id}")
    page.locator("#pledges").scroll_into_view_if_needed()
    asked = _click(page, "确认到位", accept=False)
    assert asked == "确认到位后，这项认捐记为已到位并通知认捐人，不能撤销。确定吗？"
    expect(page.locator("#pledge-totals")).to_contain_text("已到位 0 项")
    db.session.commit()  # end the read transaction: see the server's writes
    assert db.session.get(Pledge, pledge_id).status == "pledged"
    _click(page, "确认到位", accept=True)
    expect(page.locator("#pledge-totals")).to_contain_text("已到位 1 项")
    db.session.commit()  # end the read transaction: see the server's writes
    assert db.session.get(Pledge, pledge_id).status == "fulfilled"
    shot(page, "confirm-pledge-fulfilled-phone")
