"""Issue 15 at phone size: a one-phase plan with its date errors at the fields, the resource
list with pledges, the published evaluation policy and staff's decision when nobody rated."""

from __future__ import annotations

from datetime import timedelta

from deliberation.core import time as clock
from deliberation.core.time import utcnow
from deliberation.matters import workflow
from deliberation.matters.states import MatterState
from deliberation.tracking import reports, resources
from tests.browser.conftest import login, shot
from tests.factories import PASSWORD
from tests.tracking.conftest import add_implementer, assign, put_in


def _no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_plan_pledges_and_unrated_evaluation_at_phone_size(phone_page, world, commit_db):
    w = add_implementer(world)
    working = put_in(w.matter(title="3 栋门口灯泡坏了"), MatterState.IN_PROGRESS)
    unrated = put_in(w.matter(title="中心花园长椅松动"), MatterState.IN_PROGRESS)
    assign(unrated, w)
    resources.pledge(unrated, w.shop_owner, kind="materials", description="螺丝和木板一批",
                     organisation_id=w.shop.id)
    reports.report_done(unrated, w.extra["worker"], summary="长椅已加固。")
    for _ in range(2):  # the window ends, is extended once, and ends again without ratings
        clock.freeze(unrated.window_ends_at + timedelta(minutes=1))
        workflow.tick()
    ids = working.id, unrated.id
    staff_phone, org_id, lead_id = w.staff.phone, w.extra["org"].id, w.extra["worker"].id
    commit_db()

    page = phone_page()
    login(page, staff_phone, PASSWORD)
    page.goto(f"/tracking/{ids[0]}/assign")
    page.get_by_label("承接组织").select_option(str(org_id))
    page.get_by_label("负责人").select_option(str(lead_id))
    page.get_by_label("预算（元）").fill("30")
    due = utcnow().date() + timedelta(days=10)
    page.get_by_label("完成期限").fill(due.isoformat())
    page.get_by_label("组织实施").fill((due + timedelta(days=5)).isoformat())
    page.get_by_role("button", name="保存派单").click()
    error = page.locator("#phase_organise-error")
    assert error.is_visible() and "阶段日期不能晚于完成期限" in error.inner_text()
    assert _no_sideways_scroll(page)
    shot(page, "h5-tracking-plan-error-phone")
    page.get_by_label("组织实施").fill((due - timedelta(days=1)).isoformat())
    page.get_by_role("button", name="保存派单").click()
    page.wait_for_url(f"**/matters/{ids[0]}*")
    assert page.get_by_text("已派单").is_visible()

    page.goto("/resources")
    pledges = page.locator("#pledges")
    assert "螺丝和木板一批" in pledges.inner_text() and "中心花园长椅松动" in pledges.inner_text()
    assert _no_sideways_scroll(page)
    shot(page, "h5-tracking-resources-phone")

    page.goto(f"/matters/{ids[1]}")
    page.locator("#evaluation").scroll_into_view_if_needed()
    assert page.locator("#no-ratings").is_visible()
    assert page.locator("#evaluation-policy").is_visible()
    shot(page, "h5-tracking-unrated-phone")
    page.get_by_role("link", name="决定销号或整改").click()
    page.get_by_text("整改：转回承接组织整改后重新评议").click()
    page.get_by_label("理由（对居民公示）").fill("回访 3 户，长椅仍有晃动。")
    assert _no_sideways_scroll(page)
    shot(page, "h5-tracking-decide-phone")
    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name="作出决定").click()
    page.wait_for_url(f"**/matters/{ids[1]}*")
    assert page.get_by_text("已转入整改").is_visible()
    assert page.get_by_role("link", name="制定整改措施，重回实施").count() == 1
