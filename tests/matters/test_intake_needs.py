"""The needs list: public, allow-listed orders and filters, search, keyset pages, no N+1."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from deliberation.core import time as clock
from deliberation.extensions import db
from deliberation.matters.states import MatterState
from tests.querycount import page_queries

T0 = clock.utcnow().replace(microsecond=0) - timedelta(days=30)


def titles(html: str) -> list[str]:
    return re.findall(r'<a href="/matters/\d+"><strong>([^<]+)</strong>', html)


def file_at(world, minutes: int, proposer=None, **kwargs):
    clock.freeze(T0 + timedelta(minutes=minutes))
    try:
        return world.matter(proposer, **kwargs)
    finally:
        clock.freeze(None)


def test_public_without_login_newest_first(world, client):
    file_at(world, 1, title="第一件")
    file_at(world, 2, title="第二件")
    response = client.get("/matters/")
    assert response.status_code == 200
    assert titles(response.get_data(as_text=True)) == ["第二件", "第一件"]


def test_orders(world, client, login):
    old = file_at(world, 1, title="最早的")
    popular = file_at(world, 2, title="附议最多")
    file_at(world, 3, title="最新的")
    answered = file_at(world, 0, title="已答复")
    answered.state, answered.first_answer_at = MatterState.ACCEPTED.value, clock.utcnow()
    popular.cosign_count = 5  # set-up only
    db.session.commit()
    assert titles(client.get("/matters/?sort=cosigns").get_data(as_text=True))[0] == "附议最多"
    waiting = titles(client.get("/matters/?sort=waiting").get_data(as_text=True))
    assert waiting == ["最早的", "附议最多", "最新的"]  # oldest first, answered ones left out
    assert old.title in waiting


def test_filters(world, client):
    file_at(world, 1, title="幸福的灯")
    file_at(world, 2, world.resident_b, title="和平的灯", category_id=world.categories[1].id)
    assert titles(client.get(f"/matters/?community={world.b.id}").get_data(as_text=True)) == ["和平的灯"]
    first_category = f"/matters/?category={world.categories[0].id}"
    assert titles(client.get(first_category).get_data(as_text=True)) == ["幸福的灯"]
    assert titles(client.get("/matters/?state=accepted").get_data(as_text=True)) == []
    assert len(titles(client.get("/matters/?state=submitted").get_data(as_text=True))) == 2


@pytest.mark.parametrize("query", ["sort=random", "state=withdrawn", "state=bogus", "category=999",
                                   "category=abc", "community=999", "after=not-a-cursor",
                                   "sort=cosigns&after=WyJuZXciLCIyMDI2LTAxLTAxVDAwOjAwOjAwIiwxXQ"])
def test_unknown_values_are_refused_in_chinese(world, client, query):
    response = client.get(f"/matters/?{query}")
    assert response.status_code == 400
    assert re.search(r"不认识|没有这个|翻页参数无效", response.get_data(as_text=True))


def test_withdrawn_matters_stay_off_the_list(world, client):
    m = file_at(world, 1, title="撤回了")
    m.state = MatterState.WITHDRAWN.value
    db.session.commit()
    assert titles(client.get("/matters/").get_data(as_text=True)) == []


def test_search_finds_chinese_words_inside_titles_and_descriptions(world, client):
    file_at(world, 1, title="小区东门路灯不亮", description="晚上很黑。")
    file_at(world, 2, title="想加装电梯", description="三单元老人多，上下楼困难。")
    file_at(world, 3, title="垃圾分类", description="垃圾桶太少。")

    def search(q):
        return titles(client.get("/matters/", query_string={"q": q}).get_data(as_text=True))

    assert search("路灯不亮") == ["小区东门路灯不亮"]    # inside a title (FTS / trigram)
    assert search("上下楼困难") == ["想加装电梯"]        # inside a description
    assert search("电梯") == ["想加装电梯"]             # two characters: the fallback
    assert search("老人 电梯") == ["想加装电梯"]         # every word must match
    assert search("停车位") == []
    assert search("100%") == []                         # LIKE wildcards are plain text
    html = client.get("/matters/?q=灯").get_data(as_text=True)
    assert "请至少输入两个字" in html and len(titles(html)) == 3


@pytest.mark.parametrize("common_hits", [1, 10**9])
def test_search_pages_alike_for_common_and_rare_terms(world, client, monkeypatch, common_hits):
    """A common term is found by walking the list's order index, a rare one by its hits; both
    give the same pages, in either order, with filters and the keyset cursor."""
    from deliberation.matters import search as needs_search

    monkeypatch.setattr(needs_search, "COMMON_HITS", common_hits)
    from flask import current_app

    monkeypatch.setitem(current_app.config, "PAGE_SIZE", 2)
    for i in range(5):
        m = file_at(world, i, title=f"路灯不亮 {i}", category_id=world.categories[i % 2].id)
        m.cosign_count = 10 - i  # set-up only
    file_at(world, 9, title="井盖松动")
    db.session.commit()

    def walk(url):
        seen, pages = [], 0
        while url and pages < 10:
            html = client.get(url).get_data(as_text=True)
            seen += titles(html)
            found = re.search(r'rel="next" href="([^"]+)"', html)
            url, pages = (found.group(1).replace("&amp;", "&") if found else None), pages + 1
        return seen

    assert walk("/matters/?q=路灯不亮") == [f"路灯不亮 {i}" for i in (4, 3, 2, 1, 0)]
    assert walk("/matters/?q=路灯不亮&sort=cosigns") == [f"路灯不亮 {i}" for i in range(5)]
    first = world.categories[0].id
    assert walk(f"/matters/?q=路灯不亮&category={first}") == ["路灯不亮 4", "路灯不亮 2", "路灯不亮 0"]
    assert walk("/matters/?q=没有这个词") == []


def test_search_follows_edits_and_deletes(world, client, login):
    m = file_at(world, 1, title="路灯坏了")
    c = login(world.resident_a)
    c.post_form(f"/matters/{m.id}/edit", {"title": "井盖松动", "description": "走路小心",
                                          "category_id": str(world.categories[0].id), "place": ""})
    assert titles(client.get("/matters/?q=井盖松动").get_data(as_text=True)) == ["井盖松动"]
    assert titles(client.get("/matters/?q=路灯坏了").get_data(as_text=True)) == []


def test_keyset_pages_walk_everything_once(world, client, app):
    for i in range(7):
        file_at(world, i, title=f"议题{i:02d}")
    app.config["PAGE_SIZE"] = 3
    try:
        for sort in ("new", "cosigns", "waiting"):
            seen, url = [], f"/matters/?sort={sort}"
            while url:
                html = client.get(url).get_data(as_text=True)
                seen += titles(html)
                nxt = re.search(r'<a class="button" rel="next" href="([^"]+)"', html)
                url = nxt.group(1).replace("&amp;", "&") if nxt else None
            assert sorted(seen) == [f"议题{i:02d}" for i in range(7)], sort
            assert len(seen) == 7
        assert "回到第一页" in html
    finally:
        app.config["PAGE_SIZE"] = 20


def test_htmx_filter_answers_with_the_results_partial(world, client):
    file_at(world, 1, title="路灯坏了")
    response = client.get("/matters/?q=路灯坏了", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="needs-results">') and "<html" not in html
    assert "HX-Request" in response.headers["Vary"]




def test_no_n_plus_one_queries_on_the_list(world, client, app):
    """The query count of a list of 10 and of 100 matters is the same."""
    from tests import factories

    app.config["PAGE_SIZE"] = 100
    try:
        for i in range(10):
            file_at(world, i, category_id=world.categories[i % 3].id)
        ten = page_queries(client, "/matters/")
        extra = [factories.user(world.b) for _ in range(3)]
        db.session.commit()
        for i in range(90):
            file_at(world, 100 + i, proposer=extra[i % 3], category_id=world.categories[i % 3].id)
        hundred = page_queries(client, "/matters/")
        assert len(titles(client.get("/matters/").get_data(as_text=True))) == 100
        assert ten == hundred
    finally:
        app.config["PAGE_SIZE"] = 20
