"""Issue 7's journey at phone size: a resident opens the public board without logging in, picks
their community, reads the statistics with their charts, and opens a notice's print-out."""

from __future__ import annotations

import re
from datetime import timedelta

from deliberation.core.time import utcnow
from tests.browser.conftest import ARTIFACTS, shot
from tests.public.conftest import decide, place


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_resident_reads_the_board_and_statistics(phone_page, world, commit_db):
    now = utcnow()
    ago = lambda days: now - timedelta(days=days)  # noqa: E731
    notice = place(world, created=ago(20), state="in_notice", answer=2, decided=18,
                   window_days=24, title="3 栋加装电梯", place="3 栋")
    decide(notice, counts={"yes": 9, "no": 1, "abstain": 2, "present": 12})
    place(world, created=ago(40), state="in_evaluation", answer=3, decided=9, window_days=45,
          title="小区路灯全部换新")
    place(world, created=ago(60), state="closed", answer=1, decided=7, closed=50,
          title="新建垃圾分类亭", reason="分类亭两座已投用，评议满意率 92%。")
    place(world, created=ago(30), state="closed", community=world.b, category=1, answer=4,
          decided=12, closed=25, title="和平路口画斑马线", reason="已完工。")
    place(world, created=ago(15), state="not_adopted", category=1, answer=5, decided=14,
          title="建立体停车楼")
    place(world, created=ago(12), state="submitted", category=2, title="楼道堆物清理")
    commit_db()

    page = phone_page()
    page.goto("/")
    assert page.get_by_role("heading", name="测试街道 社区议事厅").is_visible()
    assert page.locator("#notices").get_by_text("3 栋加装电梯").is_visible()
    assert page.locator("#closed").get_by_text("分类亭两座已投用").is_visible()
    _no_sideways_scroll(page)
    shot(page, "board-home-phone")

    page.get_by_role("link", name="幸福社区").first.click()
    page.wait_for_url(f"**/c/{world.a.id}")
    assert page.get_by_role("heading", name="幸福社区 议事公开栏").is_visible()
    assert page.get_by_text("和平路口画斑马线").count() == 0
    shot(page, "board-community-phone")

    page.get_by_role("link", name="看统计：办了多少、多快、满不满意").click()
    page.wait_for_url(f"**/c/{world.a.id}/stats")
    assert page.locator('dd[data-key="filed"]').inner_text() == "5"
    assert page.locator('dd[data-key="adoption_rate"]').inner_text() == "75.0%"
    assert page.locator('dd[data-key="satisfaction"]').inner_text() == "暂无评议数据"
    funnel = page.locator('svg[data-chart="funnel"]')
    assert funnel.is_visible() and funnel.bounding_box()["width"] > 300
    _no_sideways_scroll(page)
    shot(page, "board-stats-community-phone")

    page.get_by_role("link", name="全街道").click()
    page.wait_for_url("**/stats?period=365")
    assert page.locator('dd[data-key="filed"]').inner_text() == "6"
    assert page.locator('svg[data-chart="communities"]').is_visible()
    page.get_by_label("统计时段").select_option("30")
    page.get_by_role("button", name="查看").click()
    page.wait_for_url("**/stats?period=30*")
    assert page.locator('dd[data-key="filed"]').inner_text() == "3"
    _no_sideways_scroll(page)
    shot(page, "board-stats-street-phone")

    page.goto("/")
    page.locator("#notices").get_by_role("link", name="打印公示").click()
    page.wait_for_url(f"**/notices/{notice.id}/print")
    assert page.get_by_role("heading", name="决议公示").is_visible()
    assert page.get_by_text("同意 9 票，反对 1 票，弃权 2 票").is_visible()
    page.emulate_media(media="print")
    assert not page.locator("header.top").is_visible()
    shot(page, "board-notice-print")
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    (ARTIFACTS / "board-notice-print.pdf").write_bytes(pdf)
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1  # the notice fits one A4 sheet
