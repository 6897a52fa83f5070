"""Issue 15, item 23 at 390x844: a large photo is shrunk on the phone before it is sent, the form
shows that it is busy while the upload is on its way, and the matter gets its photo."""

from __future__ import annotations

import io
import re
import time

from PIL import Image
from playwright.sync_api import expect

from tests.browser.conftest import login, shot
from tests.factories import PASSWORD


def camera_photo(path, size=(4000, 3000)) -> int:
    """A 12 MP photo that does not compress away (noise), as a phone camera makes it."""
    with Image.effect_noise(size, 60) as noise, \
            Image.merge("RGB", (noise, noise.transpose(Image.Transpose.FLIP_LEFT_RIGHT), noise)) as rgb:
        rgb.save(path, "JPEG", quality=85)
    return path.stat().st_size


def test_large_photo_is_shrunk_and_the_form_shows_it_is_busy(phone_page, world, commit_db, tmp_path):
    phone = world.resident_a.phone
    commit_db()
    photo = tmp_path / "IMG_1234.jpg"
    original = camera_photo(photo)
    assert 2_000_000 < original < 10 * 1024 * 1024

    page = phone_page()
    login(page, phone, PASSWORD)
    held, sent = [], []

    def hold_the_post(route):
        if route.request.method == "POST":
            sent.append(len(route.request.post_data_buffer or b""))
            held.append(route)  # kept on its way until the busy state has been seen
        else:
            route.continue_()

    page.route("**/matters/new", hold_the_post)
    page.goto("/matters/new")
    page.get_by_label("标题").fill("2 栋电梯异响")
    page.get_by_label("详细说明").fill("电梯运行时有很大的摩擦声，老人不敢坐。")
    page.get_by_text("设施维修").click()
    page.get_by_label("地点").fill("2 栋")
    page.locator("#photos-album").set_input_files(str(photo))
    page.wait_for_function("() => { const f = document.querySelector('#photos-album').files[0];"
                           f" return f && f.size < {original}; }}")
    shrunk = page.evaluate("() => { const f = document.querySelector('#photos-album').files[0];"
                           " return {size: f.size, type: f.type}; }")
    assert shrunk["type"] == "image/jpeg" and shrunk["size"] < original / 2

    seen: list[dict] = []
    # Reported from inside the page just after the submit: Playwright's own DOM reads would
    # wait for the navigation, which the route above holds on its way.
    page.expose_function("reportBusy", lambda state: seen.append(state))
    page.evaluate("""() => document.addEventListener('submit', () => setTimeout(() => {
        const s = document.querySelector('.upload-status'), r = s.getBoundingClientRect();
        window.reportBusy({hidden: s.hidden, text: s.textContent, height: r.height,
                           busy: s.closest('form').getAttribute('aria-busy'),
                           fits: document.documentElement.scrollWidth <= window.innerWidth});
    }, 0))""")
    page.get_by_role("button", name="提交议题").click(no_wait_after=True)
    deadline = time.monotonic() + 10
    while not (held and seen) and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert held, "the form was never sent"
    assert seen, "the page never reported its state after the submit"
    busy = seen[0]
    assert busy["busy"] == "true" and not busy["hidden"] and busy["height"] > 20, busy
    assert "正在上传，请稍候" in busy["text"] and busy["fits"], busy
    # The whole request body (all fields and the photo) is smaller than the original photo.
    assert 0 < sent[0] < original / 2, (sent[0], original)

    held[0].continue_()
    page.wait_for_url(re.compile(r"/matters/\d+$"))
    expect(page.get_by_text("议题已提交")).to_be_visible()
    src = page.locator("#photos img").first.get_attribute("src")
    assert src and "_t.jpg" in src
    full = page.request.get(src.replace("_t.jpg", ".jpg"))
    assert full.status == 200
    with Image.open(io.BytesIO(full.body())) as served:
        assert max(served.size) == 1600  # the server re-encodes whatever the phone sent
    shot(page, "h3-uploads-filed-phone")
