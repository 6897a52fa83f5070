"""Statistics on a data set whose answers are worked out by hand, and the SVG against its table.

The cohort (filed in March 2024; the clock stands at 2024-05-01):

    matter  community  category  state         answer  decision  closed   (days after filing)
    m1      A          设施维修   closed        2       10        30
    m2      A          设施维修   in_progress   4       12
    m3      A          环境卫生   not_adopted   6       20
    m4      A          环境卫生   accepted      8
    m5      A          其他       submitted     -                          overdue (>10 days)
    m6      B          设施维修   closed        1       5         15
    m7      B          其他       rejected      10
    m8      B          设施维修   withdrawn     (not public: not counted)
plus m9 filed in February and m10 in April, outside the period.

Percentiles by linear interpolation, position h = (n - 1) * p:
    first answer  [1, 2, 4, 6, 8, 10]  median h=2.5 → 4 + .5 * 2 = 5.0   p90 h=4.5 → 8 + .5 * 2 = 9.0
    decision      [5, 10, 12, 20]      median h=1.5 → 10 + .5 * 2 = 11.0 p90 h=2.7 → 12 + .7 * 8 = 17.6
    closed        [15, 30]             median h=0.5 → 22.5               p90 h=0.9 → 15 + .9 * 15 = 28.5
Community A alone: first answer [2, 4, 6, 8]: median 5.0, p90 h=2.7 → 6 + .7 * 2 = 7.4.
"""

from __future__ import annotations

import re
from datetime import datetime
from html.parser import HTMLParser

import pytest

from deliberation.core import time as clock
from deliberation.public.stats import percentile

MARCH = "?start=2024-03-01&end=2024-03-31"


def day(d: int, month: int = 3) -> datetime:
    return datetime(2024, month, d, 2, 0)  # 10:00 in Shanghai, well inside the local day


@pytest.fixture
def cohort(world, seed):
    b = world.b
    m = {
        "m1": seed(world, created=day(1), state="closed", answer=2, decided=10, closed=30,
                   reason="灯已全部换新。"),
        "m2": seed(world, created=day(2), state="in_progress", answer=4, decided=12),
        "m3": seed(world, created=day(3), state="not_adopted", category=1, answer=6, decided=20),
        "m4": seed(world, created=day(4), state="accepted", category=1, answer=8),
        "m5": seed(world, created=day(5), state="submitted", category=2),
        "m6": seed(world, created=day(6), state="closed", community=b, answer=1, decided=5,
                   closed=15),
        "m7": seed(world, created=day(7), state="rejected", community=b, category=2, answer=10),
        "m8": seed(world, created=day(8), state="withdrawn", community=b),
        "m9": seed(world, created=day(20, 2), state="closed", answer=1, decided=2, closed=3),
        "m10": seed(world, created=day(2, 4), state="submitted"),
    }
    clock.freeze(datetime(2024, 5, 1, 4, 0))
    return m


def figures(html: str) -> dict[str, str]:
    return dict(re.findall(r'<dd data-key="(\w+)"[^>]*>([^<]*)</dd>', html))


class ChartParser(HTMLParser):
    """Collects every chart's bars (from the SVG) and cells (from the table)."""

    def __init__(self):
        super().__init__()
        self.bars: dict[str, list[dict]] = {}
        self.cells: dict[str, list[dict]] = {}
        self._svg = self._table = self._row = None
        self._in_title = self._in_th = False
        self._bar: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "svg" and "data-chart" in a:
            self._svg = a["data-chart"]
            self.bars[self._svg] = []
        elif tag == "g" and self._svg and "bar" in a.get("class", ""):
            self._bar = {"label": a["data-label"], "series": a["data-series"],
                         "value": a["data-value"], "title": ""}
            self.bars[self._svg].append(self._bar)
        elif tag == "title" and self._bar is not None:
            self._in_title = True
        elif tag == "rect" and self._bar is not None:
            self._bar["width"] = float(a["width"])
        elif tag == "table" and "data-chart" in a:
            self._table = a["data-chart"]
            self.cells[self._table] = []
        elif tag == "th" and self._table and a.get("scope") == "row":
            self._in_th, self._row = True, ""
        elif tag == "td" and self._table:
            self.cells[self._table].append({"label": self._row, "series": a["data-series"],
                                            "value": a["data-value"]})

    def handle_endtag(self, tag):
        if tag == "svg":
            self._svg = None
        elif tag == "g":
            self._bar = None
        elif tag == "title":
            self._in_title = False
        elif tag == "table":
            self._table = None
        elif tag == "th":
            self._in_th = False

    def handle_data(self, data):
        if self._in_title and self._bar is not None:
            self._bar["title"] += data
        elif self._in_th:
            self._row += data.strip()


def charts_of(html: str) -> ChartParser:
    p = ChartParser()
    p.feed(html)
    return p


def as_table(rows: list[dict]) -> dict[tuple[str, str], str]:
    return {(r["label"], r["series"]): r["value"] for r in rows}


# --- the percentile method --------------------------------------------------------------------

@pytest.mark.parametrize(("values", "p", "expected"), [
    ([], 50, None), ([7], 50, 7), ([7], 90, 7), ([1, 2, 3, 4], 50, 2.5),
    ([3, 1, 2], 50, 2), (list(range(1, 11)), 90, 9.1), ([15, 30], 90, 28.5),
])
def test_percentile_is_linear_between_closest_ranks(values, p, expected):
    assert percentile(values, p) == pytest.approx(expected) if expected is not None \
        else percentile(values, p) is None


# --- the street ---------------------------------------------------------------------------------

def test_street_figures_match_the_hand_worked_answers(client, cohort):
    html = client.get("/stats" + MARCH).get_data(as_text=True)
    assert figures(html) == {"filed": "7", "screened": "6", "adopted": "3", "closed": "2",
                             "adoption_rate": "75.0%", "overdue": "1",
                             "satisfaction": "暂无评议数据"}
    assert "2024-03-01 至 2024-03-31 提交的议题" in html


def test_stage_days_median_and_p90(client, cohort):
    stages = as_table(charts_of(client.get("/stats" + MARCH).get_data(as_text=True)).cells["stages"])
    assert stages == {
        ("提交 → 初审答复", "中位数"): "5.0", ("提交 → 初审答复", "90% 在此之内"): "9.0",
        ("提交 → 表决", "中位数"): "11.0", ("提交 → 表决", "90% 在此之内"): "17.6",
        ("提交 → 销号", "中位数"): "22.5", ("提交 → 销号", "90% 在此之内"): "28.5",
    }


def test_breakdowns_by_category_and_community(client, cohort):
    parsed = charts_of(client.get("/stats" + MARCH).get_data(as_text=True))
    assert as_table(parsed.cells["categories"]) == {
        ("设施维修", "提交"): "3", ("设施维修", "通过"): "3", ("设施维修", "销号"): "2",
        ("环境卫生", "提交"): "2", ("环境卫生", "通过"): "0", ("环境卫生", "销号"): "0",
        ("其他", "提交"): "2", ("其他", "通过"): "0", ("其他", "销号"): "0",
    }
    assert as_table(parsed.cells["communities"]) == {
        ("幸福社区", "提交"): "5", ("幸福社区", "通过"): "2", ("幸福社区", "销号"): "1",
        ("和平社区", "提交"): "2", ("和平社区", "通过"): "1", ("和平社区", "销号"): "1",
    }
    assert as_table(parsed.cells["funnel"]) == {
        ("提交", "件数"): "7", ("已初审答复", "件数"): "6", ("表决通过", "件数"): "3",
        ("已销号", "件数"): "2"}


def test_every_svg_bar_shows_the_tables_number(client, cohort):
    parsed = charts_of(client.get("/stats" + MARCH).get_data(as_text=True))
    assert set(parsed.bars) == set(parsed.cells) == {"funnel", "stages", "categories", "communities"}
    for chart, bars in parsed.bars.items():
        assert as_table(bars) == as_table(parsed.cells[chart]), chart
        top = max(float(b["value"]) for b in bars if b["value"] != "—")
        for b in bars:
            assert b["title"].endswith("：" + b["value"])  # the tooltip says the same number
            assert b["width"] == pytest.approx(280 * float(b["value"]) / top, abs=0.01)


def test_community_statistics_count_only_that_community(client, cohort, world):
    html = client.get(f"/c/{world.a.id}/stats" + MARCH).get_data(as_text=True)
    assert figures(html)["filed"] == "5"
    assert figures(html)["adoption_rate"] == "66.7%"
    assert figures(html)["overdue"] == "1"
    parsed = charts_of(html)
    assert "communities" not in parsed.cells
    assert as_table(parsed.cells["stages"])[("提交 → 初审答复", "90% 在此之内")] == "7.4"
    assert "幸福社区 议事统计" in html


def test_presets_choose_the_period(client, cohort):
    assert figures(client.get("/stats?period=all").get_data(as_text=True))["filed"] == "9"
    # 30 days back from 2024-05-01: only m10 (filed 2 April)
    assert figures(client.get("/stats?period=30").get_data(as_text=True))["filed"] == "1"


def test_nothing_filed_shows_dashes_not_errors(client, world):
    html = client.get("/stats?period=30").get_data(as_text=True)
    assert figures(html)["filed"] == "0"
    assert figures(html)["adoption_rate"] == "—"
    assert "这段时间没有数据" in html


@pytest.mark.parametrize(("query", "message"), [
    ("?period=7", "不认识的统计时段"),
    ("?start=2024-13-01", "日期格式不对"),
    ("?end=yesterday", "日期格式不对"),
    ("?start=2024-04-01&end=2024-03-01", "开始日期不能晚于结束日期"),
    ("?start=1990-01-01", "不能早于 2000 年"),
])
def test_bad_parameters_are_refused_in_chinese(client, world, query, message):
    for url in ("/stats", f"/c/{world.a.id}/stats"):
        response = client.get(url + query)
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)


def test_parameters_added_by_chat_apps_are_ignored(client, cohort):
    response = client.get("/stats" + MARCH + "&from=singlemessage&isappinstalled=0")
    assert response.status_code == 200
    assert figures(response.get_data(as_text=True))["filed"] == "7"


def test_unknown_community_is_404(client, world):
    assert client.get("/c/999/stats").status_code == 404
