"""Issue 15's closing requirement: the main pages at 390x844 in large text and in English
never scroll sideways; in large text no category label breaks mid-word and the text-size switch
is in the first screen of every page."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from deliberation import demo
from deliberation.extensions import db
from deliberation.matters.models import Matter
from deliberation.meetings.models import Meeting
from tests.browser.conftest import login, shot

NO_SIDEWAYS = "document.scrollingElement.scrollWidth <= document.scrollingElement.clientWidth"
WIDEST = """() => {
  const w = document.scrollingElement.clientWidth;
  return [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > w + 1)
    .slice(0, 5).map(e => e.tagName + '.' + e.className + ': ' + (e.textContent || '').trim().slice(0, 40));
}"""


@pytest.fixture
def demo_pages(app, commit_db):
    demo.load()
    db.session.commit()
    progress = db.session.scalar(select(Matter).where(Matter.state == "in_progress").limit(1))
    evaluation = db.session.scalar(select(Matter).where(Matter.state == "in_evaluation").limit(1))
    meeting = db.session.scalar(select(Meeting).order_by(Meeting.id).limit(1))
    commit_db()
    return {
        "home": "/", "needs": "/matters/", "matter": f"/matters/{progress.id}",
        "matter-evaluation": f"/matters/{evaluation.id}", "new": "/matters/new",
        "progress": "/progress", "resources": "/resources", "stats": "/stats",
        "meeting": f"/meetings/{meeting.id}", "notifications": "/notifications/",
    }


def _walk(page, pages: dict[str, str], tag: str) -> None:
    for name, url in pages.items():
        response = page.goto(url)
        assert response is not None and response.status == 200, (tag, url, response and response.status)
        shot(page, f"h6-{tag}-{name}")
        assert page.evaluate(NO_SIDEWAYS), (tag, url, page.evaluate(WIDEST))


def test_main_pages_in_large_text_fit_a_phone(phone_page, demo_pages):
    page = phone_page()
    login(page, "13800000101", demo.DEMO_PASSWORD)
    switch = page.get_by_role("button", name="大字模式")
    box = switch.bounding_box()
    assert box and box["y"] + box["height"] <= 844, "the switch is in the first screen"
    switch.click()
    page.wait_for_selector("body.large-text")
    _walk(page, demo_pages, "large")
    # The switch back is at the top of every page, not screens down.
    page.goto(demo_pages["matter"])
    back = page.get_by_role("button", name="标准字号")
    assert back.bounding_box()["y"] + back.bounding_box()["height"] <= 844


def test_category_labels_keep_whole_words_in_large_text(phone_page, demo_pages):
    page = phone_page()
    login(page, "13800000101", demo.DEMO_PASSWORD)
    page.get_by_role("button", name="大字模式").click()
    page.wait_for_selector("body.large-text")
    page.goto("/matters/new")
    shot(page, "h6-large-new-categories")
    lines = page.evaluate("""() => [...document.querySelectorAll('.category-choices .choice span')]
        .map(s => {
          const range = document.createRange(); range.selectNodeContents(s);
          const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
          return [s.textContent.trim(), tops.size];
        })""")
    assert lines and all(n == 1 for _, n in lines), lines


def test_main_pages_in_english_fit_a_phone(phone_page, demo_pages):
    page = phone_page()
    login(page, "13800000101", demo.DEMO_PASSWORD)
    page.get_by_role("button", name="English").click()
    page.wait_for_selector("html[lang=en]")
    _walk(page, demo_pages, "en")
