"""Issue 4's journey at phone size: a committee member screens a matter; the proposer sees the
decision and its reason in the timeline and has a notification."""

from __future__ import annotations

from tests import factories
from tests.browser.conftest import answer_next_dialog, login, shot


def test_committee_screens_and_proposer_sees_it(phone_page, world, commit_db):
    matter = world.matter(title="3 栋想加装电梯")
    commit_db()

    member = phone_page()
    login(member, world.member_a.phone, factories.PASSWORD)
    member.get_by_role("link", name="初审", exact=True).click()
    member.get_by_role("link", name="3 栋想加装电梯").click()
    shot(member, "screening-form-phone")
    member.get_by_label("退回补充").check()
    asked = answer_next_dialog(member)  # the decision asks first (issue 15 item 22)
    member.get_by_role("button", name="保存初审决定").click()
    member.wait_for_load_state()
    assert asked and "不能撤销" in asked[0]
    assert member.get_by_text("理由或说明").first.is_visible()
    assert member.get_by_role("alert").first.is_visible()  # refused: a reason is required
    member.get_by_label("理由或说明（退回、转办、不予受理时必填，居民可见）").fill(
        "请补充：几个单元、每单元几户、多少户同意。")
    answer_next_dialog(member)
    member.get_by_role("button", name="保存初审决定").click()
    member.wait_for_url(f"**/matters/{matter.id}")
    assert member.get_by_text("初审决定已保存").is_visible()

    proposer = phone_page()
    login(proposer, world.resident_a.phone, factories.PASSWORD)
    badge = proposer.locator(".bell .badge")
    assert badge.inner_text() == "1"
    proposer.locator(".bell").click()
    assert proposer.get_by_text("初审：退回补充").is_visible()
    shot(proposer, "screening-notification-phone")
    proposer.get_by_role("button", name="查看议题").click()
    proposer.wait_for_url(f"**/matters/{matter.id}")
    timeline = proposer.locator("#timeline")
    assert timeline.get_by_text("初审：退回补充").is_visible()
    assert timeline.get_by_text("请补充：几个单元、每单元几户、多少户同意。").is_visible()
    assert timeline.get_by_text(world.member_a.display_name).is_visible()
    assert proposer.get_by_role("button", name="补充完毕，重新提交").is_visible()
    shot(proposer, "screening-timeline-phone")
