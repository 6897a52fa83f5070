"""Issue 5's journey: a chair on a desktop, two members on phones, a projector in the room."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, answer_next_dialog, login, shot, started_meeting
from tests.factories import PASSWORD


def test_meeting_vote_on_phones_projector_and_minutes(phone_page, world, commit_db):
    meeting = started_meeting(world)
    matter = meeting.items[0].matter
    code, meeting_id, matter_id = meeting.checkin_code, meeting.id, matter.id
    chair_phone = world.chair_a.phone
    members = [(u.phone, u.display_name) for u in (world.member_a, world.recorder_a)]
    commit_db()  # and touch no model afterwards: the test thread must not hold SQLite's write lock

    chair = phone_page(DESKTOP)
    login(chair, chair_phone, PASSWORD)
    chair.goto(f"/meetings/{meeting_id}/chair")
    expect(chair.locator("#checkin-code")).to_have_text(code)
    expect(chair.locator(".qr")).to_be_visible()
    chair.get_by_role("button", name="开始讨论").click()
    expect(chair.get_by_text("暂无人申请发言")).to_be_visible()

    projector = phone_page(DESKTOP)  # the room's screen, run from the chair's account
    login(projector, chair_phone, PASSWORD)
    projector.goto(f"/meetings/{meeting_id}/projector")
    expect(projector.locator(".motion")).to_have_text("5 栋楼道灯坏了")

    phones = []
    for phone, _name in members:
        p = phone_page()
        login(p, phone, PASSWORD)
        p.goto("/meetings/checkin")
        p.get_by_label("签到码").fill(code.lower())
        p.get_by_role("button", name="签到").click()
        expect(p.get_by_text("签到成功")).to_be_visible()
        phones.append(p)
    shot(phones[0], "meeting-phone-checked-in")

    # the chair's screen counts the check-ins without a reload
    expect(chair.locator("#quorum")).to_contain_text("已达法定人数", timeout=6000)
    shot(chair, "meeting-chair-debate")
    answer_next_dialog(chair)
    chair.get_by_role("button", name="开始表决").click()
    expect(chair.get_by_role("button", name="结束表决并宣布结果")).to_be_visible()

    for p in phones:
        # the phone page shows the vote buttons by itself once the vote opens
        p.get_by_role("button", name="同意").click(timeout=8000)
        expect(p.locator("#my-vote")).to_contain_text("同意")
    shot(phones[1], "meeting-phone-voted")

    expect(projector.locator("#tally-yes")).to_have_text("2", timeout=6000)
    expect(projector.locator("#tally-no")).to_have_text("0")
    shot(projector, "meeting-projector-tally")

    answer_next_dialog(chair)
    chair.get_by_role("button", name="结束表决并宣布结果").click()
    expect(chair.get_by_text("表决结束：通过")).to_be_visible()
    expect(projector.locator(".last-result")).to_contain_text("通过", timeout=6000)
    answer_next_dialog(chair)
    chair.get_by_role("button", name="宣布散会").click()

    chair.goto(f"/matters/{matter_id}")
    expect(chair.locator(".timeline")).to_contain_text("表决通过")
    expect(chair.locator("#meetings")).to_contain_text("同意 2 · 反对 0 · 弃权 0")
    shot(chair, "meeting-matter-adopted")

    chair.goto(f"/meetings/{meeting_id}/minutes")
    chair.emulate_media(media="print")
    present = chair.locator("#present-list")
    for _phone, name in members:
        expect(present).to_contain_text(name)
    expect(chair.locator(".top")).to_be_hidden()
    shot(chair, "meeting-minutes-print")
