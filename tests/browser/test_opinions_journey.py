"""Issue 9's journey at phone size: a resident posts an opinion, another agrees with it, and a
committee member hides a third opinion after a resident reports it."""

from __future__ import annotations

from sqlalchemy import select

from deliberation.extensions import db
from deliberation.opinions import services
from deliberation.opinions.models import Opinion
from tests import factories
from tests.browser.conftest import answer_next_dialog, login, shot
from tests.factories import PASSWORD

RUDE = "楼上那家人素质太差，某某就是个骗子"


def test_post_agree_report_and_hide(phone_page, world, commit_db):
    m = world.matter(title="5 栋楼道灯坏了")
    m.state = "accepted"  # test set-up only
    rude_author = factories.user(world.a, name="张先生")
    db.session.flush()
    rude = services.post(m, rude_author, text=RUDE, stance="against")
    matter_id, rude_id = m.id, rude.id
    phones = {u: getattr(world, u).phone for u in ("resident_a", "resident_a2", "chair_a")}
    commit_db()

    # A resident posts an opinion; htmx swaps the section in place (no page load).
    page = phone_page()
    login(page, phones["resident_a"], PASSWORD)
    page.goto(f"/matters/{matter_id}")
    page.evaluate("window.__samePage = true")
    form = page.locator("#opinion-form")
    form.get_by_text("建议", exact=True).click()
    form.get_by_label("您的意见").fill("建议换成声控 LED 灯，省电也不怕忘关。")
    shot(page, "opinions-post-form-phone")
    form.get_by_role("button", name="发表意见").click()
    page.get_by_text("意见已发表，谢谢您！").wait_for()
    assert page.evaluate("window.__samePage === true"), "htmx should swap, not reload"
    assert page.locator("[data-stance=suggestion] strong").inner_text() == "1"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot(page, "opinions-posted-phone")
    mine = db.session.scalar(select(Opinion).where(Opinion.author_id == world.resident_a.id))
    assert mine is not None and mine.stance == "suggestion"
    mine_id = mine.id
    commit_db()

    # Another resident agrees with it (htmx), then reports the rude opinion.
    page = phone_page()
    login(page, phones["resident_a2"], PASSWORD)
    page.goto(f"/matters/{matter_id}")
    page.evaluate("window.__samePage = true")
    page.locator(f"#agree-{mine_id} button").click()
    page.locator(f"#agree-{mine_id} .agree-state.agreed").wait_for()
    assert page.evaluate("window.__samePage === true")
    assert page.locator(f"#agree-{mine_id} .agree-count").inner_text() == "1"
    shot(page, "opinions-agreed-phone")
    page.locator(f"#opinion-{rude_id}").get_by_role("link", name="举报").click()
    page.get_by_text("泄露他人隐私").click()
    shot(page, "opinions-report-form-phone")
    page.get_by_role("button", name="提交举报").click()
    page.get_by_text("已收到您的举报").wait_for()
    commit_db()

    # A committee member hides it from the queue with a reason.
    page = phone_page()
    login(page, phones["chair_a"], PASSWORD)
    page.goto("/opinions/moderation")
    item = page.locator(f"#queue-{rude_id}")
    assert item.get_by_text(RUDE).is_visible()
    item.get_by_label("泄露他人隐私").check()
    item.get_by_label("补充说明（可不填，居民可见）").fill("涉及他人姓名")
    shot(page, "opinions-queue-phone")
    asked = answer_next_dialog(page)
    item.get_by_role("button", name="隐藏这条意见").click()
    page.get_by_text("已隐藏，发言人会收到通知。").wait_for()
    assert "作者会收到通知" in asked[0]
    assert page.get_by_text("目前没有待处理的举报").is_visible()
    commit_db()

    # The public sees the committee's reason, never the text.
    page = phone_page()
    page.goto(f"/matters/{matter_id}")
    notice = page.locator(f"#opinion-{rude_id} .hidden-notice")
    assert notice.inner_text() == "此意见已被居委会隐藏：泄露他人隐私（涉及他人姓名）"
    assert RUDE not in page.content()
    assert page.get_by_text("建议换成声控 LED 灯").is_visible()
    page.locator("#opinions").scroll_into_view_if_needed()
    shot(page, "opinions-hidden-public-phone")
    assert db.session.get(Opinion, rude_id).visibility == "hidden"
