"""The public home (street and community), the notice print-out, and what a shared link shows."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from io import BytesIO

import pytest
from PIL import Image

from deliberation.core import time as clock

from .conftest import decide

NOW = datetime(2024, 5, 1, 4, 0)


@pytest.fixture
def board(world, seed):
    m = {
        "notice": seed(world, created=NOW - timedelta(days=20), state="in_notice", answer=1,
                       decided=18, window_days=22, title="幸福 3 栋加装电梯"),
        "ended_notice": seed(world, created=NOW - timedelta(days=30), state="in_notice",
                             answer=1, decided=10, window_days=15, title="早已公示完的事"),
        "rating": seed(world, created=NOW - timedelta(days=40), state="in_evaluation", answer=1,
                       decided=5, window_days=45, title="小区路灯更换"),
        "closed": seed(world, created=NOW - timedelta(days=60), state="closed", answer=1,
                       decided=5, closed=50, title="垃圾分类亭", reason="新建分类亭两座，居民满意。"),
        "b_notice": seed(world, created=NOW - timedelta(days=10), state="in_notice",
                         community=world.b, answer=1, decided=8, window_days=14,
                         title="和平路口画斑马线"),
        "new": seed(world, created=NOW - timedelta(days=2), state="submitted", title="刚提交的事"),
    }
    clock.freeze(NOW)
    return m


def section(html: str, anchor: str) -> str:
    match = re.search(rf'<section class="card" id="{anchor}">(.*?)</section>', html, re.S)
    assert match, anchor
    return match.group(1)


def test_street_board_shows_each_step(client, board):
    html = client.get("/").get_data(as_text=True)
    notices = section(html, "notices")
    assert "幸福 3 栋加装电梯" in notices and "和平路口画斑马线" in notices
    assert "早已公示完的事" not in notices  # its window has ended: no longer open for objections
    assert notices.index("幸福 3 栋加装电梯") < notices.index("和平路口画斑马线")  # ends sooner
    assert f'/notices/{board["notice"].id}/print' in notices
    assert "小区路灯更换" in section(html, "evaluating")
    closed = section(html, "closed")
    assert "垃圾分类亭" in closed and "新建分类亭两座，居民满意。" in closed
    assert "刚提交的事" not in notices + closed


def test_community_board_shows_only_its_community(client, board, world):
    html = client.get(f"/c/{world.a.id}").get_data(as_text=True)
    assert "幸福 3 栋加装电梯" in html
    assert "和平路口画斑马线" not in html
    assert "幸福社区 议事公开栏" in html
    assert f"/matters/?community={world.a.id}" in html  # the needs list, filtered
    assert f"/c/{world.a.id}/stats" in html


def test_three_lists_link_where_the_pages_exist(app, client, board):
    html = section(client.get("/").get_data(as_text=True), "lists")
    assert 'href="/matters/"' in html
    for endpoint, name in (("tracking.problems", "问题解决清单"), ("tracking.resources_list", "资源清单")):
        if endpoint in app.view_functions:
            assert re.search(rf'<a href="[^"]+"><strong>{name}</strong>', html)
        else:
            assert re.search(rf'<span class="tile-off"><strong>{name}</strong>', html)


def test_unknown_community_is_404(client, world):
    assert client.get("/c/999").status_code == 404


def test_empty_street_board_says_so(client, world):
    html = client.get("/").get_data(as_text=True)
    assert "目前没有正在公示的决议" in html and "还没有办结的事项" in html


# --- the notice print-out -------------------------------------------------------------------------

def test_print_view_of_a_notice(client, board):
    decide(board["notice"], counts={"yes": 9, "no": 1, "abstain": 2, "present": 12})
    html = client.get(f"/notices/{board['notice'].id}/print").get_data(as_text=True)
    assert "<h1>决议公示</h1>" in html
    assert "同意 9 票，反对 1 票，弃权 2 票" in html
    assert "公示至 2024-05-03" in html  # 22 days after 2024-04-11 10:00 Shanghai
    assert 'class="notice-sheet"' in html


def test_print_view_of_a_closed_matter_is_the_result_notice(client, board):
    html = client.get(f"/notices/{board['closed'].id}/print").get_data(as_text=True)
    assert "<h1>结果公示</h1>" in html and "新建分类亭两座，居民满意。" in html


@pytest.mark.parametrize("key", ["rating", "new"])
def test_no_print_view_for_other_states(client, board, key):
    assert client.get(f"/notices/{board[key].id}/print").status_code == 404


def test_print_css_sets_a4(app):
    css = (app.static_folder + "/css/app.css")
    assert "size: A4" in open(css, encoding="utf-8").read()


# --- links shared in a chat app ---------------------------------------------------------------------

def head(html: str) -> dict[str, str]:
    out = {"title": re.search(r"<title>(.*?)</title>", html, re.S).group(1).strip()}
    for key, value in re.findall(r'<meta (?:name|property)="([\w:]+)" content="([^"]*)"', html):
        out[key] = value
    return out


def test_every_public_page_has_a_clear_title_and_description(client, board, world):
    pages = {
        "/": "测试街道 社区议事厅", f"/c/{world.a.id}": "幸福社区 议事公开栏",
        "/stats": "测试街道 议事统计", f"/c/{world.b.id}/stats": "和平社区 议事统计",
        f"/notices/{board['notice'].id}/print": "决议公示：幸福 3 栋加装电梯",
    }
    for url, title in pages.items():
        response = client.get(url)  # anonymous: readable without login
        assert response.status_code == 200, url
        tags = head(response.get_data(as_text=True))
        assert tags["title"].startswith(title), url
        assert tags["og:title"].startswith(title), url
        assert len(tags["description"]) >= 10 and tags["og:description"] == tags["description"], url
    assert "2 件决议公示中" in head(client.get("/").get_data(as_text=True))["description"]


def test_manifest_and_icons_for_the_home_screen(client, world):
    html = client.get("/").get_data(as_text=True)
    href = re.search(r'<link rel="manifest" href="([^"]+)"', html).group(1)
    response = client.get(href)
    assert response.status_code == 200
    manifest = json.loads(response.get_data(as_text=True))
    assert manifest["start_url"] == "/" and manifest["display"] == "standalone"
    assert manifest["theme_color"] == "#b3261e"
    sizes = set()
    for icon in manifest["icons"]:
        if icon["type"] != "image/png":
            continue
        png = client.get(icon["src"])
        assert png.status_code == 200, icon["src"]
        image = Image.open(BytesIO(png.data))
        assert f"{image.width}x{image.height}" == icon["sizes"]
        sizes.add(icon["sizes"])
    assert {"192x192", "512x512"} <= sizes
    touch = re.search(r'<link rel="apple-touch-icon" href="([^"]+)"', html).group(1)
    assert client.get(touch).status_code == 200
