"""Issue 15 items 22 and 17 in a real browser: without JavaScript, closing a vote goes through
the server's confirmation page; the projector is a clean full screen with the check-in QR."""

from __future__ import annotations

from playwright.sync_api import expect

from deliberation.extensions import db
from deliberation.meetings import voting
from deliberation.meetings.models import AgendaItem
from tests.browser.conftest import login, meeting_in_debate, shot
from tests.factories import PASSWORD


def _voting_meeting(world):
    meeting, item = meeting_in_debate(world, present=(world.chair_a, world.member_a))
    voting.open_vote(item, world.chair_a)
    voting.cast(item.id, world.member_a, "yes")
    return meeting, item


def test_without_javascript_closing_a_vote_asks_on_a_page(browser, live_server, world, commit_db):
    meeting, item = _voting_meeting(world)
    meeting_id, item_id, phone = meeting.id, item.id, world.chair_a.phone
    commit_db()
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, base_url=live_server,
                              locale="zh-CN", java_script_enabled=False)
    try:
        page = ctx.new_page()
        page.set_default_timeout(10_000)
        login(page, phone, PASSWORD)
        page.goto(f"/meetings/{meeting_id}/chair")
        page.get_by_role("button", name="结束表决并宣布结果").click()
        page.wait_for_load_state()
        expect(page.get_by_role("heading", name="请确认")).to_be_visible()
        expect(page.get_by_text("按现在的票数宣布结果，不能撤销")).to_be_visible()
        shot(page, "no-js-confirm-close-390")
        page.screenshot(path="/tmp/h2-meetings-nojs-confirm-390.png", full_page=True)
        db.session.commit()
        assert db.session.get(AgendaItem, item_id).state == "voting"  # one tap did nothing
        page.get_by_role("button", name="结束表决并宣布结果").click()
        page.wait_for_load_state()
        db.session.commit()
        assert db.session.get(AgendaItem, item_id).outcome == "adopted"
        expect(page.get_by_text("表决结束：通过。")).to_be_visible()
    finally:
        ctx.close()


def test_projector_is_a_clean_full_screen_with_the_qr(browser, live_server, world, commit_db):
    meeting, _item = _voting_meeting(world)
    meeting_id, phone, code = meeting.id, world.chair_a.phone, meeting.checkin_code
    commit_db()
    for width, height in ((1280, 720), (390, 844)):
        ctx = browser.new_context(viewport={"width": width, "height": height}, base_url=live_server,
                                  locale="zh-CN")
        try:
            page = ctx.new_page()
            page.set_default_timeout(10_000)
            login(page, phone, PASSWORD)
            page.goto(f"/meetings/{meeting_id}/projector")
            qr = page.get_by_role("img", name="签到二维码")
            expect(qr).to_be_visible()
            assert page.evaluate("document.getElementById('projector-qr').naturalWidth") > 0
            expect(page.get_by_text(code)).to_be_visible()
            assert page.locator("nav, .bell, footer").count() == 0
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            page.screenshot(path=f"/tmp/h2-meetings-projector-{width}.png")
            shot(page, f"projector-{width}")
        finally:
            ctx.close()


