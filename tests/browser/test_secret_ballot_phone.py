"""A member votes in a secret ballot on a phone: the phone says 已投票, never the choice, and the
same phone can still change the vote."""

from __future__ import annotations

from playwright.sync_api import expect

from deliberation.meetings import voting
from tests.browser.conftest import login, meeting_in_debate, shot
from tests.factories import PASSWORD


def test_secret_vote_on_a_phone_shows_no_choice(phone_page, world, commit_db):
    meeting, item = meeting_in_debate(world, present=(world.member_a, world.recorder_a))
    voting.open_vote(item, world.chair_a, ballot="secret")
    meeting_id, member_phone = meeting.id, world.member_a.phone
    commit_db()  # and touch no model afterwards: the test thread must not hold SQLite's write lock

    p = phone_page()
    login(p, member_phone, PASSWORD)
    p.goto(f"/meetings/{meeting_id}/phone")
    p.get_by_role("button", name="反对").click()
    expect(p.get_by_text("已投票（无记名：不显示您的选择）")).to_be_visible()
    expect(p.locator("#my-vote")).to_have_text("您已投票")
    expect(p.locator(".vote-buttons .chosen")).to_have_count(0)  # no button gives the choice away
    p.screenshot(path="/tmp/h1-ballot-secret-phone-voted.png", full_page=True)
    shot(p, "meeting-phone-secret-voted")
    assert p.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    # the same phone may change it until the close
    p.get_by_role("button", name="同意").click()
    expect(p.get_by_text("已投票（无记名：不显示您的选择）")).to_be_visible()
    expect(p.locator("#my-vote")).to_have_text("您已投票")
