"""Issue 15 item 22: without JavaScript, an irreversible step posted without `confirmed=1` shows a
confirmation page (a real form: the same fields, confirmed=1, a cancel link) and changes nothing;
posted with it, the step is done. Close vote, defer, adjourn, recuse and every screening decision."""

from __future__ import annotations

import re

import pytest

from deliberation.extensions import db
from deliberation.matters.models import Matter
from deliberation.meetings import debate, voting
from deliberation.meetings.models import AgendaItem, Meeting, Recusal

from .conftest import accepted_matter


def hidden(html: str) -> dict[str, str]:
    form = re.search(r'<form method="post" action="([^"]+)">(.*?)</form>', html, re.S)
    assert form, "no confirmation form"
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form.group(2)))
    fields["_action"] = form.group(1)
    return fields


def assert_confirmation_page(r, action: str, cancel: str, **fields) -> dict[str, str]:
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "请确认" in html and "不能撤销" in html
    got = hidden(html)
    assert got["_action"] == action
    assert got["confirmed"] == "1" and got["csrf_token"]
    for name, value in fields.items():
        assert got[name] == value, name
    assert f'href="{cancel}"' in html
    return got


@pytest.fixture
def voting_item(world, meeting_of):
    meeting = meeting_of(accepted_matter(world), present=(world.chair_a, world.recorder_a, world.member_a))
    item = meeting.items[0]
    debate.open_debate(item, world.chair_a)
    voting.open_vote(item, world.chair_a)
    for u in (world.chair_a, world.recorder_a):
        voting.cast(item.id, u, "yes")
    db.session.commit()
    return item


def test_closing_a_vote_asks_first_then_closes(world, login, voting_item):
    chair = login(world.chair_a)
    url = f"/meetings/items/{voting_item.id}/close"
    r = chair.post_form(url)
    got = assert_confirmation_page(r, url, f"/meetings/{voting_item.meeting_id}/chair")
    db.session.expire_all()
    assert db.session.get(AgendaItem, voting_item.id).state == "voting"
    assert db.session.get(Matter, voting_item.matter_id).state == "scheduled"
    # The page's own form, as the browser would post it.
    r = chair.post(url, data={k: v for k, v in got.items() if k != "_action"})
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(AgendaItem, voting_item.id).outcome == "adopted"
    assert db.session.get(Matter, voting_item.matter_id).state == "in_notice"


def test_deferring_asks_first(world, login, meeting_of):
    meeting = meeting_of(accepted_matter(world))
    item = meeting.items[0]
    debate.open_debate(item, world.chair_a)
    db.session.commit()
    chair = login(world.chair_a)
    url = f"/meetings/items/{item.id}/defer"
    assert_confirmation_page(chair.post_form(url, {"reason": "再调研"}), url,
                             f"/meetings/{meeting.id}/chair", reason="再调研")
    db.session.expire_all()
    assert db.session.get(AgendaItem, item.id).state == "debate"
    assert chair.post_form(url, {"reason": "再调研", "confirmed": "1"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Matter, item.matter_id).state == "deferred"


def test_adjourning_asks_first(world, login, meeting_of):
    meeting = meeting_of(accepted_matter(world))
    chair = login(world.chair_a)
    url = f"/meetings/{meeting.id}/end"
    assert_confirmation_page(chair.post_form(url), url, f"/meetings/{meeting.id}/chair")
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).state == "in_session"
    assert chair.post_form(url, {"confirmed": "1"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).state == "ended"


def test_recusing_asks_first(world, login, meeting_of):
    meeting = meeting_of(accepted_matter(world), present=(world.member_a,))
    item = meeting.items[0]
    debate.open_debate(item, world.chair_a)
    db.session.commit()
    member = login(world.member_a)
    url = f"/meetings/items/{item.id}/recuse"
    assert_confirmation_page(member.post_form(url, {"reason": "住在 5 栋"}), url,
                             f"/meetings/{meeting.id}/phone", reason="住在 5 栋")
    assert db.session.query(Recusal).count() == 0
    assert member.post_form(url, {"reason": "住在 5 栋", "confirmed": "1"}).status_code == 302
    assert db.session.query(Recusal).one().reason == "住在 5 栋"


def test_who_may_not_act_gets_403_not_a_confirmation(world, login, voting_item):
    r = login(world.member_a).post_form(f"/meetings/items/{voting_item.id}/close")
    assert r.status_code == 403


@pytest.mark.parametrize("decision, extra", [
    ("accept", {"scope": "修复 1-3 楼"}), ("return", {"reason": "请补充单元"}),
    ("refer", {"department": "12345 热线", "reason": "不属社区"}), ("reject", {"reason": "已解决"}),
])
def test_every_screening_decision_asks_first(world, login, decision, extra):
    m = world.matter()
    c = login(world.chair_a)
    url = f"/screening/{m.id}"
    r = c.post_form(url, {"decision": decision, **extra})
    assert_confirmation_page(r, url, url, decision=decision, **extra)
    for value in extra.values():
        assert value in r.get_data(as_text=True)  # read back before it is final
    db.session.expire_all()
    assert db.session.get(Matter, m.id).state == "submitted"
    assert c.post_form(url, {"decision": decision, **extra, "confirmed": "1"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Matter, m.id).state == {"accept": "accepted", "return": "returned",
                                                   "refer": "referred", "reject": "rejected"}[decision]


def test_merging_asks_first(world, login):
    earlier, later = world.matter(title="更早的"), world.matter(title="后来的")
    c = login(world.chair_a)
    url = f"/screening/{later.id}"
    assert_confirmation_page(c.post_form(url, {"decision": "merge", "target_id": str(earlier.id)}),
                             url, url, decision="merge", target_id=str(earlier.id))
    db.session.expire_all()
    assert db.session.get(Matter, later.id).state == "submitted"


def test_a_missing_reason_is_said_before_the_confirmation(world, login):
    """不予受理 needs a reason: the form comes back with the message, not a confirmation page."""
    m = world.matter()
    r = login(world.chair_a).post_form(f"/screening/{m.id}", {"decision": "reject", "note": "内部备注"})
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "需要填写：理由或说明" in html and "请确认" not in html
    assert "内部备注" in html  # what was typed is kept
