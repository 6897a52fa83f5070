"""What the matter page tells about filing: the 代录 channel (insiders only), the first-answer
due date and the overdue mark (everyone who can see the matter)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from deliberation.core import time as clock
from deliberation.directory.models import Street
from deliberation.extensions import db
from deliberation.matters import services, workflow
from deliberation.matters.models import Channel

FILED = datetime(2026, 3, 2, 2, 0)  # 10:00 in Shanghai


def _facts(html: str) -> str:
    match = re.search(r'<dl class="facts">(.*?)</dl>', html, re.S)
    assert match, "no facts list on the matter page"
    return match.group(1)


def _on_behalf(world):
    m, _created = services.file_matter(
        filer=world.staff, title="3 栋门口积水", description="下雨天走不过去。",
        category_id=world.categories[0].id, channel=Channel.PHONE, proposer=world.resident_a,
        community_id=world.a.id)
    db.session.commit()
    return m


def test_channel_of_an_on_behalf_matter_is_shown_to_the_committee_and_staff(world, login):
    m = _on_behalf(world)
    for insider in (world.chair_a, world.staff):
        facts = _facts(login(insider).get(f"/matters/{m.id}").get_data(as_text=True))
        assert "收集渠道" in facts and "电话（工作人员代录）" in facts, insider.display_name


def test_channel_is_not_shown_to_the_public_other_residents_or_another_committee(world, login, client):
    m = _on_behalf(world)
    viewers = {"anonymous": client, "resident": login(world.resident_a2),
               "proposer": login(world.resident_a), "other committee": login(world.chair_b)}
    for who, c in viewers.items():
        html = c.get(f"/matters/{m.id}").get_data(as_text=True)
        assert m.title in html, who
        assert "收集渠道" not in html and "电话" not in _facts(html), who


def test_online_matter_shows_no_channel_even_to_insiders(world, login):
    m = world.matter()
    html = login(world.chair_a).get(f"/matters/{m.id}").get_data(as_text=True)
    assert "收集渠道" not in html


def test_first_answer_due_date_follows_the_streets_target(world, client):
    clock.freeze(FILED)
    m = world.matter()
    clock.freeze(FILED + timedelta(days=3))
    facts = _facts(client.get(f"/matters/{m.id}").get_data(as_text=True))
    assert "初审答复期限" in facts
    assert "2026-03-12 10:00" in facts  # 10 days after filing, local time
    assert "已超期" not in facts

    world.street = db.session.get(Street, world.street.id)
    world.street.first_answer_days = 20
    db.session.commit()
    facts = _facts(client.get(f"/matters/{m.id}").get_data(as_text=True))
    assert "2026-03-22 10:00" in facts


def test_late_first_answer_is_marked_overdue_for_the_proposer_and_public(world, login, client):
    clock.freeze(FILED)
    m = world.matter()
    clock.freeze(FILED + timedelta(days=10, minutes=1))
    for c in (client, login(world.resident_a)):
        facts = _facts(c.get(f"/matters/{m.id}").get_data(as_text=True))
        assert "2026-03-12 10:00" in facts
        assert '<span class="state state-bad">已超期</span>' in facts


def test_answered_matter_shows_when_it_was_answered_and_no_overdue_mark(world, login, client):
    clock.freeze(FILED)
    m = world.matter()
    clock.freeze(FILED + timedelta(days=12))
    workflow.return_for_detail(m, world.chair_a, reason="请补充楼层。")
    db.session.commit()
    facts = _facts(client.get(f"/matters/{m.id}").get_data(as_text=True))
    assert "初审答复期限" not in facts and "已超期" not in facts
    assert "初审答复" in facts and "2026-03-14 10:00" in facts


def test_screening_queue_uses_the_same_overdue_rule(world, login):
    """A resubmitted matter was answered once: neither the matter page nor the queue calls it late."""
    clock.freeze(FILED)
    late, answered = (world.matter(title=t) for t in ("迟迟未答复", "退回后重交"))
    clock.freeze(FILED + timedelta(days=5))
    world.matter(title="刚提交的")
    workflow.return_for_detail(answered, world.chair_a, reason="请补充。")
    workflow.resubmit(answered, world.resident_a)
    db.session.commit()
    clock.freeze(FILED + timedelta(days=11))
    html = login(world.chair_a).get("/screening/").get_data(as_text=True)
    items = dict(re.findall(r'<strong>([^<]+)</strong></a>\s*(<span class="state state-bad">)?', html))
    assert items == {"迟迟未答复": '<span class="state state-bad">', "刚提交的": "",
                     "退回后重交": ""}
