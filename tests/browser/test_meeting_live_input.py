"""The live screens poll every 2 s and swap in a fresh partial whenever the meeting changes. What
the chair or a member is entering must survive that swap, while everything else updates."""

from __future__ import annotations

from playwright.sync_api import expect

from deliberation.extensions import db
from deliberation.meetings import debate
from deliberation.meetings.models import AgendaItem
from tests.browser.conftest import answer_next_dialog, login, meeting_in_debate, shot
from tests.factories import PASSWORD


def _not_swapped_yet(page, selector: str) -> None:
    """Tag the polled region; after a swap the tag is gone (the element is a new one)."""
    page.locator(selector).evaluate("el => { el.dataset.old = '1'; }")


def test_chair_ballot_choice_survives_a_check_in(phone_page, world, commit_db):
    meeting, item = meeting_in_debate(world, present=(world.chair_a,))
    meeting_id, item_id, code = meeting.id, item.id, meeting.checkin_code
    chair_phone, member_phone = world.chair_a.phone, world.member_a.phone
    commit_db()

    chair = phone_page()
    login(chair, chair_phone, PASSWORD)
    chair.goto(f"/meetings/{meeting_id}/chair")
    expect(chair.locator("#quorum .big-number")).to_have_text("1")
    # The defaults are 记名 and 手机; the chair picks a secret show of hands.
    chair.get_by_label("无记名表决").check()
    chair.get_by_label("举手表决（记录员录入）").check()
    _not_swapped_yet(chair, "#live-chair")

    member = phone_page()  # another member checks in: the meeting's version changes
    login(member, member_phone, PASSWORD)
    member.goto("/meetings/checkin")
    member.get_by_label("签到码").fill(code)
    member.get_by_role("button", name="签到").click()
    expect(member.get_by_text("签到成功")).to_be_visible()

    # The chair's screen updated by itself (new count, new element) ...
    expect(chair.locator("#quorum .big-number")).to_have_text("2", timeout=8000)
    expect(chair.locator("#live-chair[data-old]")).to_have_count(0)
    # ... and kept the choice.
    expect(chair.get_by_label("无记名表决")).to_be_checked()
    expect(chair.get_by_label("举手表决（记录员录入）")).to_be_checked()
    expect(chair.get_by_label("记名表决", exact=True)).not_to_be_checked()
    shot(chair, "meeting-chair-choice-kept-phone")

    # A show of hands cannot be secret: the chair goes back to phones and opens the vote.
    chair.get_by_label("手机投票").check()
    asked = answer_next_dialog(chair)
    chair.get_by_role("button", name="开始表决").click()
    expect(chair.locator(".live-item > p.meta").first).to_contain_text("无记名表决 · 手机投票")
    assert "不能再改" in asked[0]
    shot(chair, "meeting-chair-secret-vote-opened-phone")
    commit_db()
    opened = db.session.get(AgendaItem, item_id)
    assert (opened.ballot, opened.method) == ("secret", "phones")


def test_member_recusal_reason_survives_a_change_of_speaker(phone_page, world, commit_db):
    meeting, item = meeting_in_debate(world, present=(world.chair_a, world.member_a,
                                                      world.recorder_a))
    speaker = debate.request_to_speak(item, world.recorder_a, "for")
    meeting_id, speaker_id = meeting.id, speaker.id
    chair_phone, member_phone = world.chair_a.phone, world.member_a.phone
    commit_db()

    phone = phone_page()
    login(phone, member_phone, PASSWORD)
    phone.goto(f"/meetings/{meeting_id}/phone")
    phone.get_by_text("与本项有利害关系？申请回避").click()
    reason = phone.get_by_label("回避理由（写入纪要）")
    reason.click()
    phone.keyboard.type("我家就住 5 栋")
    expect(phone.locator(".speaking")).to_have_count(0)
    _not_swapped_yet(phone, "#live-phone")

    chair = phone_page()  # the chair gives the floor: the meeting's version changes
    login(chair, chair_phone, PASSWORD)
    chair.goto(f"/meetings/{meeting_id}/chair")
    chair.locator(f"form[action$='/speakers/{speaker_id}/floor'] button").click()
    expect(chair.locator(".speaking")).to_contain_text("林秘书")

    # The member's phone shows the new speaker by itself ...
    expect(phone.locator(".speaking")).to_contain_text("林秘书", timeout=8000)
    expect(phone.locator("#live-phone[data-old]")).to_have_count(0)
    # ... with the panel still open, the text still there and the caret still in the box.
    expect(phone.locator("details.recuse")).to_have_attribute("open", "")
    expect(reason).to_have_value("我家就住 5 栋")
    expect(reason).to_be_focused()
    phone.keyboard.type("，与施工方是亲戚")
    expect(reason).to_have_value("我家就住 5 栋，与施工方是亲戚")
    shot(phone, "meeting-phone-reason-kept")

    # Cancelling the confirmation sends nothing; OK records the recusal.
    asked = answer_next_dialog(phone, accept=False)
    phone.get_by_role("button", name="申请回避").click()
    assert asked and "不能撤销" in asked[0]
    expect(reason).to_have_value("我家就住 5 栋，与施工方是亲戚")
    expect(phone.get_by_text("您已申请回避本项")).to_have_count(0)
    answer_next_dialog(phone)
    phone.get_by_role("button", name="申请回避").click()
    expect(phone.get_by_text("已登记回避")).to_be_visible()
    shot(phone, "meeting-phone-recused")
