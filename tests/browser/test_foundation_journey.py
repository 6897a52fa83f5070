"""Issue 2's journey: register, log in, see the home page in Chinese, at phone size."""

from __future__ import annotations

from tests.browser.conftest import login, shot


def test_register_login_and_home_in_chinese(phone_page, world, commit_db):
    commit_db()
    page = phone_page()
    page.goto("/register")
    page.get_by_label("手机号").fill("13912340000")
    page.get_by_label("称呼").fill("张阿姨")
    page.get_by_label("所在社区").select_option(label="幸福社区")
    page.get_by_label("楼栋 / 门牌").fill("7 栋 402")
    page.get_by_label("密码", exact=True).fill("short")
    page.get_by_label("再次输入密码").fill("short")
    page.get_by_role("button", name="注册").click()
    assert page.get_by_text("密码至少需要 8 位").is_visible()
    assert page.get_by_label("称呼").input_value() == "张阿姨"  # nothing typed is lost
    shot(page, "foundation-register-error")

    page.get_by_label("密码", exact=True).fill("Blue-kettle-88")
    page.get_by_label("再次输入密码").fill("Blue-kettle-88")
    page.get_by_role("button", name="注册").click()
    page.wait_for_url("**/")
    assert page.get_by_text("注册成功").is_visible()

    page.get_by_role("button", name="退出登录").click()
    login(page, "13912340000", "Blue-kettle-88")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.get_by_role("heading", name="测试街道 社区议事厅").is_visible()
    assert page.get_by_text("已登录：张阿姨").is_visible()
    font_px = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert font_px >= 16
    shot(page, "foundation-home-phone")

    page.get_by_role("button", name="大字模式").click()
    page.wait_for_selector("body.large-text")
    large_px = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert large_px > font_px
    no_overflow = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert no_overflow, "large text must not make the page scroll sideways"
    shot(page, "foundation-home-large-text")
