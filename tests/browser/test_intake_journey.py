"""Issue 3's journey at 390x844: file with a photo, find it in the list, a neighbour co-signs."""

from __future__ import annotations

import io

from PIL import Image

from tests.browser.conftest import login, shot
from tests.factories import PASSWORD
from tests.test_photos import jpeg_with_gps


def test_file_with_photo_list_and_cosign(phone_page, world, commit_db, tmp_path):
    phone_a, phone_a2 = world.resident_a.phone, world.resident_a2.phone
    commit_db()  # after reading what we need: the server thread must find the database free
    photo = tmp_path / "IMG_2024.jpg"
    photo.write_bytes(jpeg_with_gps())
    assert Image.open(photo).getexif().get(0x8825)  # the fixture carries GPS

    page = phone_page()
    login(page, phone_a, PASSWORD)
    page.goto("/matters/new")
    page.get_by_label("标题").fill("5 栋楼道灯坏了")
    page.get_by_label("标题").blur()
    page.get_by_label("详细说明").fill("一到三楼的灯都不亮，晚上老人下楼看不清台阶。")
    page.get_by_text("设施维修").click()
    page.get_by_label("地点").fill("5 栋 2 单元")
    page.locator("#photos-album").set_input_files(str(photo))
    no_overflow = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert no_overflow, "the form must not scroll sideways on a phone"
    tile = page.locator("label.choice").first.bounding_box()
    assert tile["height"] >= 48 and tile["width"] >= 150  # big tappable category choices
    shot(page, "intake-form-phone")

    # Inline check with htmx: an emptied title is flagged as soon as the field is left.
    page.get_by_label("标题").fill("")
    page.get_by_label("详细说明").click()
    page.get_by_text("请写一个标题，说清是什么事。").wait_for()
    shot(page, "intake-form-inline-error")
    page.get_by_label("标题").fill("5 栋楼道灯坏了")
    page.get_by_label("详细说明").click()
    page.get_by_text("请写一个标题，说清是什么事。").wait_for(state="detached")

    page.get_by_role("button", name="提交议题").click()
    page.wait_for_url("**/matters/*")
    assert page.get_by_text("议题已提交").is_visible()
    img = page.locator("#photos img").first
    src = img.get_attribute("src")
    assert src and "_t.jpg" in src

    page.goto("/matters/")
    item = page.locator(".matter-item", has_text="5 栋楼道灯坏了")
    assert item.is_visible() and "附议 0" in item.inner_text()
    page.get_by_label("搜索").fill("楼道灯坏")
    page.get_by_role("button", name="搜索").click()
    page.locator(".matter-item", has_text="5 栋楼道灯坏了").wait_for()
    shot(page, "intake-list-phone")

    # A neighbour co-signs from their own phone.
    neighbour = phone_page()
    login(neighbour, phone_a2, PASSWORD)
    neighbour.goto("/matters/")
    neighbour.get_by_role("link", name="5 栋楼道灯坏了").click()
    neighbour.get_by_role("button", name="我也关心这件事，附议").click()
    neighbour.get_by_text("附议成功").wait_for()
    assert neighbour.locator("#cosign-count").inner_text() == "1"
    shot(neighbour, "intake-cosigned-phone")
    neighbour.goto("/matters/")
    assert "附议 1" in neighbour.locator(".matter-item", has_text="5 栋楼道灯坏了").inner_text()

    # The photo served back carries no EXIF at all, GPS included.
    full = src.replace("_t.jpg", ".jpg")
    response = neighbour.request.get(full)
    assert response.status == 200 and response.headers["content-type"] == "image/jpeg"
    served = Image.open(io.BytesIO(response.body()))
    assert not served.getexif() and max(served.size) == 1600
