"""Small wording fixes of issue 15 item 25: merge wording on the surviving matter, the footer's
role for a committee chair, one proposer name on the matter page."""

from __future__ import annotations

import re

from deliberation.extensions import db
from deliberation.matters import workflow
from deliberation.opinions import services as opinions


def test_surviving_matter_says_which_matter_was_merged_into_it(world, client):
    survivor = world.matter(title="5 栋楼道灯坏了")
    dup = world.matter(world.resident_a2, title="五栋楼道不亮")
    workflow.merge(dup, world.chair_a, target=survivor, reason="同一件事")
    db.session.commit()
    html = client.get(f"/matters/{survivor.id}").get_data(as_text=True)
    assert f"议题 #{dup.id}「五栋楼道不亮」已并入本议题" in html
    assert f"并入议题 #{dup.id}" not in html  # read as "merged into #dup": backwards
    merged = client.get(f"/matters/{dup.id}").get_data(as_text=True)
    assert f"合并到议题 #{survivor.id}" in merged


def test_footer_names_a_committee_chair_by_the_body_role(world, login):
    html = login(world.chair_a).get("/").get_data(as_text=True)
    footer = re.search(r'<footer class="foot">(.*?)</footer>', html, re.S).group(1)
    assert "已登录：陈主任（幸福居委会 · 主任 / 召集人）" in footer
    assert "（居民）" not in footer
    assert "已登录：王阿姨（居民）" in login(world.resident_a).get("/").get_data(as_text=True)
    assert "已登录：社工小周（社工站工作人员）" in login(world.staff).get("/").get_data(as_text=True)
    recorder = login(world.recorder_a).get("/").get_data(as_text=True)
    assert "已登录：林秘书（幸福居委会 · 秘书 / 记录员）" in recorder


def test_matter_page_names_the_proposer_the_same_way_everywhere(world, client):
    m = world.matter(title="5 栋楼道灯坏了")
    workflow.accept(m, world.chair_a)
    opinions.post(m, world.resident_a, text="我是提议人，晚上真的看不见台阶。", stance="for")
    opinions.post(m, world.resident_a2, text="同意，尽快修。", stance="for")
    db.session.commit()
    html = client.get(f"/matters/{m.id}").get_data(as_text=True)
    assert "王阿姨" in html and "王*" not in html  # the proposer: full name in facts and opinions
    assert "李**" in html and "李大爷" not in html  # other residents stay masked


def test_hidden_proposer_stays_hidden_in_opinions(world, client):
    m = world.matter(title="楼下噪音", hide_name=True)
    workflow.accept(m, world.chair_a)
    opinions.post(m, world.resident_a, text="晚上十点后还在跳。", stance="for")
    db.session.commit()
    html = client.get(f"/matters/{m.id}").get_data(as_text=True)
    assert "王阿姨" not in html and "匿名居民" in html
