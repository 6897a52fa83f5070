"""Issue 15 item 24 at 390x844: typing a title on /matters/new shows a similar open matter of
the same community, and its co-sign button co-signs it (a real form POST)."""

from __future__ import annotations

import shutil

from tests.browser.conftest import login, shot
from tests.factories import PASSWORD


def test_typing_a_title_shows_a_similar_matter_and_cosigns_it(phone_page, world, commit_db):
    lamp = world.matter(world.resident_a2, title="5 栋楼道灯坏了")
    world.matter(world.resident_b, title="楼道灯坏了（和平社区）")  # another community
    phone, lamp_id = world.resident_a.phone, lamp.id
    commit_db()

    page = phone_page()
    login(page, phone, PASSWORD)
    page.goto("/matters/new")
    box = page.locator("#similar")
    assert box.inner_text().strip() == ""
    page.get_by_label("标题").press_sequentially("3栋楼道灯不亮", delay=40)
    box.get_by_text("5 栋楼道灯坏了").wait_for()
    assert "和平社区" not in box.inner_text()
    assert page.get_by_label("标题").input_value() == "3栋楼道灯不亮"  # typing was not disturbed
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    path = shot(page, "similar-while-filing-phone")
    shutil.copy(path, "/tmp/h7-ux-similar.png")

    box.get_by_role("button", name="是同一件事，附议它").click()
    page.wait_for_url(f"**/matters/{lamp_id}")
    assert page.get_by_text("附议成功").is_visible()
    assert page.locator("#cosign-count").inner_text() == "1"
