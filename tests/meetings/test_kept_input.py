"""A refused show-of-hands count or objection answer comes back with what was typed (4xx)."""

from __future__ import annotations

import re

from sqlalchemy import select

from deliberation.extensions import db
from deliberation.meetings.models import AgendaItem, Objection

from .conftest import accepted_matter
from .test_secret_and_objections import _in_notice


def _value(html: str, name: str) -> str | None:
    tag = re.search(rf'<input[^>]*\bname="{name}"[^>]*>', html)
    found = tag and re.search(r'\bvalue="([^"]*)"', tag.group(0))
    return found.group(1) if found else None


def test_refused_hands_count_keeps_the_typed_numbers(world, login, meeting_of):
    meeting = meeting_of(accepted_matter(world), present=[world.member_a, world.recorder_a])
    item = meeting.items[0]
    chair, recorder = login(world.chair_a), login(world.recorder_a)
    chair.post_form(f"/meetings/items/{item.id}/debate")
    chair.post_form(f"/meetings/items/{item.id}/open-vote", {"ballot": "open", "method": "hands"})
    url = f"/meetings/items/{item.id}/hands"

    # more hands than members present: refused by the count check
    r = recorder.post_form(url, {"yes": "3", "no": "1", "abstain": "0"})
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    assert "超过了本项到会可表决的 2 人" in html
    assert (_value(html, "yes"), _value(html, "no"), _value(html, "abstain")) == ("3", "1", "0")

    # a box left empty: what was typed in the others stays
    r = recorder.post_form(url, {"yes": "2", "no": "", "abstain": "0"})
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "没有就填 0" in html
    assert (_value(html, "yes"), _value(html, "abstain")) == ("2", "0")
    db.session.expire_all()
    assert db.session.get(AgendaItem, item.id).yes is None

    # only the recorder's side may count
    assert login(world.member_a).post_form(url, {"yes": "1", "no": "0", "abstain": "0"}).status_code == 403


def test_refused_objection_answer_keeps_the_typed_reason(world, login, run_item):
    matter = _in_notice(world, run_item)
    login(world.resident_a2).post_form(f"/meetings/matters/{matter.id}/objections",
                                       {"text": "费用没有说清楚。"})
    objection = db.session.scalar(select(Objection))
    committee = login(world.chair_a)
    url = f"/meetings/objections/{objection.id}/decide"

    # no decision chosen: the reason typed comes back
    r = committee.post_form(url, {"reason": "费用明细已在纪要第二项列明，请查阅。"})
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    assert "请选择处理决定并写明理由" in html
    assert "费用明细已在纪要第二项列明，请查阅。</textarea>" in html

    # the objection was answered meanwhile by another committee member: refused with why
    login(world.member_a).post_form(url, {"decision": "dismiss", "reason": "已答复。"})
    r = committee.post_form(url, {"decision": "uphold", "reason": "我认为应当重新审议这一项。"})
    html = r.get_data(as_text=True)
    assert r.status_code == 409
    assert "这条异议已经处理过了" in html
    db.session.expire_all()
    assert db.session.get(Objection, objection.id).decision_reason == "已答复。"


def test_refused_objection_keeps_the_typed_text(world, login, run_item):
    from datetime import timedelta

    from deliberation.core import time as clock

    matter = _in_notice(world, run_item)
    resident = login(world.resident_a2)
    clock.freeze(matter.window_ends_at + timedelta(minutes=1))
    try:
        r = resident.post_form(f"/meetings/matters/{matter.id}/objections", {"text": "我反对这样花钱。"})
    finally:
        clock.freeze(None)
    html = r.get_data(as_text=True)
    assert r.status_code == 409
    assert "公示期已经结束" in html and "我反对这样花钱。</textarea>" in html
    assert db.session.scalar(select(Objection)) is None
