"""Issue 16's journey at phone size: a resident signs up for a task, checks in with the code on
the organiser's phone, the organiser confirms the hours, the resident redeems a prize with the
points, and the station hands it over against the code."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from deliberation.core import time as clock
from deliberation.extensions import db
from deliberation.matters.states import MatterState
from deliberation.volunteers import services
from deliberation.volunteers.models import Redemption, Signup
from tests.browser.conftest import answer_next_dialog, login, shot
from tests.factories import PASSWORD
from tests.tracking.conftest import add_implementer, assign, put_in


def test_sign_up_check_in_hours_redeem_and_hand_over(phone_page, world, commit_db):
    w = add_implementer(world)
    matter = put_in(w.matter(title="清理 5 栋楼道杂物"), MatterState.IN_PROGRESS)
    assign(matter, w)
    start = (clock.utcnow() + timedelta(hours=3)).replace(second=0, microsecond=0)
    task = services.open_task(matter, w.extra["worker"], title="搬运楼道杂物", place="5 栋一楼门口",
                              starts_at=start, ends_at=start + timedelta(hours=2), capacity=3,
                              cutoff_hours=1)
    item = services.add_item(w.shop_owner, organisation_id=w.shop.id, name="大米 5 斤",
                             points_price=15, stock=4, collect_at="社工站服务大厅")
    db.session.commit()
    ids = {"matter": matter.id, "task": task.id, "item": item.id}
    code = task.checkin_code
    resident, worker, staff = w.resident_a.phone, w.extra["worker"].phone, w.staff.phone
    commit_db()

    page = phone_page()
    login(page, resident, PASSWORD)
    page.goto(f"/matters/{ids['matter']}")
    page.locator("#volunteers").get_by_role("link", name="搬运楼道杂物").click()
    shot(page, "volunteers-task-phone")
    page.get_by_role("button", name="我要报名").click()
    assert page.get_by_text("报名成功").is_visible()
    assert page.get_by_text("已报名 1 / 3 人").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    clock.freeze(start + timedelta(minutes=5))  # the task has begun (the server shares the clock)
    page.goto(f"/volunteers/tasks/{ids['task']}")
    page.get_by_label("组织者手机上的签到码").fill("WRONG1")
    page.get_by_role("button", name="签到").click()
    assert page.get_by_text("签到码不对").is_visible()
    page.get_by_label("组织者手机上的签到码").fill(code.lower())
    page.get_by_role("button", name="签到").click()
    assert page.get_by_text("签到成功").is_visible()
    shot(page, "volunteers-checked-in-phone")

    clock.freeze(start + timedelta(hours=2, minutes=5))
    organiser = phone_page()
    login(organiser, worker, PASSWORD)
    organiser.goto(f"/volunteers/tasks/{ids['task']}")
    assert organiser.locator("#checkin-code").inner_text() == code
    organiser.locator("#roster input[name=minutes]").fill("90")
    shot(organiser, "volunteers-roster-phone")
    asked = answer_next_dialog(organiser)
    organiser.get_by_role("button", name="确认时长").click()
    organiser.get_by_text("已确认").first.wait_for()
    assert asked and "不能修改" in asked[0]
    commit_db()
    assert db.session.scalar(select(Signup.minutes)) == 90

    page.goto("/volunteers/points")
    assert page.get_by_text("现有 15 分").is_visible()
    page.goto("/volunteers/shop")
    asked = answer_next_dialog(page)
    page.get_by_role("button", name="兑换").click()
    page.wait_for_url("**/volunteers/points*")
    assert asked and "15 积分" in asked[0]
    assert page.get_by_text("兑换成功").is_visible()
    commit_db()
    redeem_code = db.session.scalar(select(Redemption.code))
    assert page.locator(".redeem-code").inner_text() == redeem_code
    shot(page, "volunteers-redeemed-phone")
    page.goto("/volunteers/certificate")
    assert page.get_by_text("共 1.5 小时").is_visible()
    shot(page, "volunteers-certificate-phone")
    page.goto("/volunteers/shop")
    shot(page, "volunteers-shop-phone")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    desk = phone_page()
    login(desk, staff, PASSWORD)
    desk.goto("/volunteers/handover")
    desk.get_by_label("居民出示的兑换码").fill(redeem_code)
    desk.get_by_role("button", name="查找").click()
    assert desk.get_by_text("大米 5 斤").is_visible()
    shot(desk, "volunteers-handover-confirm-phone")
    desk.get_by_role("button", name="确认发放").click()
    assert desk.get_by_text("已发放「大米 5 斤」").is_visible()
    commit_db()
    assert db.session.scalar(select(Redemption.state)) == "handed"
    assert services.balance(w.resident_a.id) == 0
