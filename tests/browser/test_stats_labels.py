"""Issue 15 item 25: chart labels on /stats stay at text size on a desktop screen (they used to
scale with the chart to about twice the text around them) and readable on a phone."""

from __future__ import annotations

import shutil

from tests.browser.conftest import DESKTOP, PHONE, shot

MEASURE = """() => {
  const svg = document.querySelector('svg.chart-svg');
  const label = svg.querySelector('text.chart-label');
  const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  const body = parseFloat(getComputedStyle(document.body).fontSize);
  return {label: parseFloat(getComputedStyle(label).fontSize) * scale, body: body};
}"""


def test_chart_labels_are_text_sized_on_desktop_and_phone(phone_page, world, commit_db):
    for i in range(3):
        world.matter(title=f"楼道灯坏了 {i}", category_id=world.categories[i].id)
    commit_db()
    for viewport, name in ((DESKTOP, "desktop"), (PHONE, "phone")):
        page = phone_page(viewport)
        page.goto("/stats")
        size = page.evaluate(MEASURE)
        assert size["label"] <= size["body"] * 1.25, (name, size)
        assert size["label"] >= 13, (name, size)
        path = shot(page, f"stats-labels-{name}")
        shutil.copy(path, f"/tmp/h7-ux-stats-{name}.png")
