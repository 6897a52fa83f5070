"""Issue 6's journey at phone size: a shop owner pledges materials; a resident rates the result."""

from __future__ import annotations

from deliberation.extensions import db
from deliberation.matters.states import MatterState
from deliberation.tracking import reports
from deliberation.tracking.models import Pledge, Rating
from tests.browser.conftest import login, shot
from tests.factories import PASSWORD
from tests.tracking.conftest import add_implementer, assign, put_in


def test_shop_owner_pledges_and_resident_rates(phone_page, world, commit_db):
    w = add_implementer(world)
    adopted = put_in(w.matter(title="5 栋楼道灯坏了"), MatterState.IN_NOTICE, window_days=5)
    finished = put_in(w.matter(title="中心花园健身器材生锈"), MatterState.IN_PROGRESS)
    assign(finished, w)
    reports.report_done(finished, w.extra["worker"], summary="已除锈、重新刷漆，松动螺丝全部紧固。")
    # Read what the browser needs, then commit: an open SQLite transaction here would hold
    # the write lock the server needs.
    adopted_id, finished_id = adopted.id, finished.id
    shop_phone, resident_phone = w.shop_owner.phone, w.resident_a.phone
    commit_db()

    page = phone_page()
    login(page, shop_phone, PASSWORD)
    page.goto(f"/matters/{adopted_id}")
    page.get_by_role("link", name="我要认捐").click()
    page.get_by_text("物资", exact=True).click()
    page.get_by_label("具体内容").fill("LED 灯泡 20 个")
    page.get_by_label("数量（可不填）").fill("20 个")
    page.get_by_label("以哪个组织名义").select_option(label="五金店")
    shot(page, "tracking-pledge-form-phone")
    page.get_by_role("button", name="确认认捐").click()
    page.wait_for_url(f"**/matters/{adopted_id}*")
    assert page.get_by_text("谢谢您的认捐").is_visible()
    assert page.get_by_text("认捐 1 项，已到位 0 项").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot(page, "tracking-pledged-matter-phone")
    assert db.session.scalar(db.select(Pledge.description)) == "LED 灯泡 20 个"
    commit_db()

    page = phone_page()
    login(page, resident_phone, PASSWORD)
    page.goto(f"/matters/{finished_id}")
    page.locator("#evaluation").scroll_into_view_if_needed()
    assert page.get_by_text("已除锈、重新刷漆").first.is_visible()
    page.get_by_text("基本满意", exact=True).click()
    page.get_by_label("意见（可不填）").fill("刷漆很好，希望再加个遮阳棚。")
    shot(page, "tracking-rate-form-phone")
    page.get_by_role("button", name="提交评议").click()
    page.get_by_text("您的评议：基本满意").wait_for()  # htmx swapped the section in place
    assert page.get_by_text("谢谢您的评议").is_visible()
    box = page.get_by_role("heading", name="居民评议").bounding_box()
    assert box is not None
    shot(page, "tracking-rated-phone")
    assert db.session.scalar(db.select(Rating.choice)) == "basically_satisfied"
