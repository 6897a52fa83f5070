"""Issue 15's account items at phone size: temporary password first, verifying residents,
the logout message, and the registration error that says passwords must be typed again."""

from __future__ import annotations

import re

from tests import factories
from tests.browser.conftest import login, shot


def _tmp_shot(page, name: str) -> None:
    shot(page, f"accounts-{name}")
    page.screenshot(path=f"/tmp/h4-accounts-{name}.png", full_page=True)


def test_temporary_password_then_verify_and_logout(phone_page, world, commit_db):
    commit_db()
    staff = phone_page()
    login(staff, world.staff.phone, factories.PASSWORD)
    staff.goto("/staff/residents/new")
    staff.get_by_label("手机号").fill("13700002222")
    staff.get_by_label("称呼").fill("刘奶奶")
    staff.get_by_label("所在社区").select_option(label="幸福社区")
    staff.get_by_label("楼栋 / 门牌").fill("9 栋 101")
    staff.get_by_role("button", name="开通").click()
    temporary = re.sub(r"\s", "", staff.locator("#temporary-password").inner_text())

    elder = phone_page()
    login(elder, "13700002222", temporary)
    elder.goto("/matters/new")
    assert elder.url.endswith("/account/password")
    assert elder.locator("#temporary-notice").is_visible()
    _tmp_shot(elder, "temporary-password")
    elder.get_by_label("当前密码").fill(temporary)
    elder.get_by_label("新密码", exact=True).fill("13700002222x")
    elder.get_by_label("再次输入新密码").fill("13700002222x")
    elder.get_by_role("button", name="保存新密码").click()
    assert elder.get_by_text("密码需要重新输入").is_visible()
    _tmp_shot(elder, "password-refused")
    elder.get_by_label("当前密码").fill(temporary)
    elder.get_by_label("新密码", exact=True).fill("Garden-gate-58")
    elder.get_by_label("再次输入新密码").fill("Garden-gate-58")
    elder.get_by_role("button", name="保存新密码").click()
    assert elder.get_by_text("密码已修改").is_visible()

    chair = phone_page()
    login(chair, world.chair_a.phone, factories.PASSWORD)
    chair.goto("/screening/")
    chair.get_by_role("link", name="核实居民").click()
    row = chair.locator("li", has_text="刘奶奶")
    row.get_by_role("button", name="核实").click()
    assert chair.get_by_text("已核实：刘奶奶").is_visible()
    assert chair.locator("li", has_text="刘奶奶").get_by_role("button", name="撤销核实").is_visible()
    _tmp_shot(chair, "verify-list")
    width = chair.evaluate("document.documentElement.scrollWidth")
    assert width <= 390

    elder.get_by_role("button", name="退出登录").click()
    assert elder.get_by_text("已退出登录").is_visible()
    _tmp_shot(elder, "logged-out")
