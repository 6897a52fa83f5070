"""Posting, replying, editing and the stance counts, through HTTP."""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta

import pytest
from PIL import Image
from sqlalchemy import select

from deliberation.core import time as clock
from deliberation.extensions import db
from deliberation.opinions import services
from deliberation.opinions.models import Opinion

from .conftest import fresh, say, set_state


def post(client, matter, **data):
    return client.post_form(f"/matters/{matter.id}/opinions", data)


def counts_on(html: str) -> dict[str, int]:
    return {k: int(v) for k, v in re.findall(
        r'data-stance="(\w+)">[^<]*<strong>(\d+)</strong>', html)}


def test_residents_post_and_the_page_counts_each_stance(world, login, client, matter):
    a, a2 = login(world.resident_a), login(world.resident_a2)
    assert post(a, matter, stance="for", text="早该修了").status_code == 303
    assert post(a2, matter, stance="against", text="先查清是谁的责任").status_code == 303
    assert post(a2, matter, stance="suggestion", text="换成声控灯").status_code == 303
    assert post(login(world.member_a), matter, stance="for", text="居委会也支持").status_code == 303
    html = client.get(f"/matters/{matter.id}").get_data(as_text=True)
    assert counts_on(html) == {"for": 2, "against": 1, "suggestion": 1}
    for text in ("早该修了", "先查清是谁的责任", "换成声控灯"):
        assert text in html
    assert services.counts(matter.id) == {"for": 2, "against": 1, "suggestion": 1}


def test_newest_or_most_agreed_first(world, login, client, matter):
    first = say(matter, world.resident_a, "第一条")
    say(matter, world.resident_a2, "第二条")
    login(world.member_a).post_form(f"/opinions/{first.id}/agree")
    new = client.get(f"/matters/{matter.id}").get_data(as_text=True)
    top = client.get(f"/matters/{matter.id}?sort=top").get_data(as_text=True)
    assert new.index("第二条") < new.index("第一条")
    assert top.index("第一条") < top.index("第二条")


def test_residents_of_another_community_cannot_post(world, login, matter):
    response = post(login(world.resident_b), matter, stance="for", text="我也想说")
    assert response.status_code == 403
    assert db.session.scalar(select(Opinion.id)) is None


@pytest.mark.parametrize("role", ["anonymous", "staff", "admin"])
def test_only_signed_in_residents_post(world, login, client, matter, role):
    c = client if role == "anonymous" else login(getattr(world, role))
    response = post(c, matter, stance="for", text="说两句")
    assert response.status_code == (302 if role == "anonymous" else 403)
    assert db.session.scalar(select(Opinion.id)) is None


def test_posting_is_refused_once_voting_has_opened(world, login, matter, monkeypatch):
    set_state(matter, "scheduled")
    a = login(world.resident_a)
    assert post(a, matter, stance="for", text="会前说一句").status_code == 303
    monkeypatch.setattr(services, "voting_open", lambda m: True)
    response = post(a, matter, stance="for", text="表决时再说一句")
    assert response.status_code == 409
    assert "表决已经开始" in response.get_data(as_text=True)
    assert [o.text for o in db.session.scalars(select(Opinion))] == ["会前说一句"]


@pytest.mark.parametrize("state", ["adopted", "not_adopted", "in_notice", "closed"])
def test_past_scheduled_means_voting_opened(world, login, matter, state):
    set_state(matter, state)
    assert services.voting_open(matter) is True
    response = post(login(world.resident_a), matter, stance="for", text="晚了")
    assert response.status_code == 409
    html = login(world.resident_a).get(f"/matters/{matter.id}").get_data(as_text=True)
    assert 'id="opinion-form"' not in html and "意见征集已结束" in html


@pytest.mark.parametrize("state", ["submitted", "returned", "deferred"])
def test_not_open_before_acceptance_or_after_deferral(world, login, matter, state):
    set_state(matter, state)
    assert services.voting_open(matter) is False
    assert post(login(world.resident_a), matter, stance="for", text="早了").status_code == 409


def test_bad_input_is_422_and_keeps_the_text(world, login, matter):
    response = post(login(world.resident_a), matter, stance="maybe", text="留着这段话")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "请选择支持、反对或建议" in html and "留着这段话" in html
    assert post(login(world.resident_a), matter, stance="for", text=" ").status_code == 422


def test_htmx_post_answers_with_the_section(world, login, matter):
    a = login(world.resident_a)
    response = a.post(f"/matters/{matter.id}/opinions", headers={"HX-Request": "true"},
                      data={"csrf_token": a.csrf_token(), "stance": "for", "text": "用 htmx 发"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith("{#") is False and 'id="opinions"' in html
    assert "<html" not in html and "用 htmx 发" in html and "意见已发表" in html
    assert "HX-Request" in response.headers["Vary"]


def test_one_level_of_replies(world, login, client, matter):
    top = say(matter, world.resident_a, "楼道太黑")
    a2 = login(world.resident_a2)
    assert post(a2, matter, parent_id=top.id, text="同意，晚上怕摔").status_code == 303
    reply = db.session.scalar(select(Opinion).where(Opinion.parent_id == top.id))
    assert reply.stance is None
    response = post(login(world.resident_a), matter, parent_id=reply.id, text="回复的回复")
    assert response.status_code == 409
    html = client.get(f"/matters/{matter.id}").get_data(as_text=True)
    assert "同意，晚上怕摔" in html
    assert services.counts(matter.id)["for"] == 1  # replies are not counted


def test_a_refused_reply_comes_back_open_with_its_text(world, login, matter):
    top = say(matter, world.resident_a, "楼道太黑")
    other = say(matter, world.resident_a, "另一条")
    long_text = "很长的回复" * 201  # over 1000 characters: a browser without maxlength sends it
    response = post(login(world.resident_a2), matter, parent_id=top.id, text=long_text)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    box = html[html.index(f'id="reply-{top.id}"') - 900:html.index(f'id="reply-{top.id}"') + 6000]
    assert long_text in box and "回复不能超过 1000 个字" in box
    assert '<details class="reply-box" open>' in box
    other_box = html[html.index(f'id="reply-{other.id}"') - 900:html.index(f'id="reply-{other.id}"')]
    assert '<details class="reply-box" open>' not in other_box
    assert db.session.scalar(select(Opinion).where(Opinion.parent_id == top.id)) is None


def test_opinions_export_does_not_let_a_spreadsheet_run_formulas(world, login, client, matter):
    say(matter, world.resident_a, '=HYPERLINK("http://evil.example","点我")')
    text = client.get(f"/matters/{matter.id}/opinions.csv").get_data(as_text=True)
    assert "'=HYPERLINK(" in text and ',"=HYPERLINK' not in text


def test_proposer_and_committee_are_marked(world, client, login, matter):
    say(matter, world.resident_a, "我是提议人")
    say(matter, world.member_a, "居委会的看法")
    html = client.get(f"/matters/{matter.id}").get_data(as_text=True)
    proposer = html[html.index("我是提议人") - 600:html.index("我是提议人")]
    committee = html[html.index("居委会的看法") - 600:html.index("居委会的看法")]
    assert "role-proposer" in proposer and "role-committee" not in proposer
    assert "role-committee" in committee and "黄委员" in committee


def test_a_hidden_proposer_is_never_shown_as_the_proposer(world, client, login):
    m = set_state(world.matter(hide_name=True), "accepted")
    say(m, world.resident_a, "晚上出门太黑了")
    for c in (client, login(world.resident_a2), login(world.resident_b)):
        html = c.get(f"/matters/{m.id}").get_data(as_text=True)
        assert "晚上出门太黑了" in html
        assert "role-proposer" not in html and "王阿姨" not in html
        assert "role-proposer" not in c.get(f"/matters/{m.id}/opinions.csv").get_data(as_text=True)
        assert "提议人" not in c.get(f"/matters/{m.id}/opinions.csv").get_data(as_text=True)
    committee = login(world.chair_a).get(f"/matters/{m.id}").get_data(as_text=True)
    assert "role-proposer" in committee


def test_edit_within_the_window_shows_edited(world, login, client, matter):
    start = datetime(2026, 5, 1, 8, 0)
    clock.freeze(start)
    o = say(matter, world.resident_a, "原来的话")
    a = login(world.resident_a)
    clock.freeze(start + timedelta(minutes=9))
    assert a.get(f"/opinions/{o.id}/edit").status_code == 200
    assert a.post_form(f"/opinions/{o.id}/edit", {"stance": "suggestion",
                                                   "text": "改过的话"}).status_code == 303
    html = client.get(f"/matters/{matter.id}").get_data(as_text=True)
    assert "改过的话" in html and "原来的话" not in html and "已编辑" in html
    clock.freeze(start + timedelta(minutes=11))
    response = a.post_form(f"/opinions/{o.id}/edit", {"stance": "for", "text": "再改一次"})
    assert response.status_code == 409
    assert fresh(Opinion, o.id).text == "改过的话"
    assert '<textarea id="typed-text" readonly>再改一次</textarea>' in response.get_data(as_text=True)


def test_edit_window_is_configurable(world, login, app, matter):
    start = datetime(2026, 5, 1, 8, 0)
    clock.freeze(start)
    o = say(matter, world.resident_a, "原话")
    app.config["OPINION_EDIT_MINUTES"] = 30
    try:
        clock.freeze(start + timedelta(minutes=20))
        response = login(world.resident_a).post_form(f"/opinions/{o.id}/edit",
                                                      {"stance": "for", "text": "二十分钟后改"})
        assert response.status_code == 303
    finally:
        del app.config["OPINION_EDIT_MINUTES"]


def test_only_the_author_edits(world, login, matter):
    o = say(matter, world.resident_a, "我的话")
    for user in (world.resident_a2, world.chair_a, world.staff):
        assert login(user).post_form(f"/opinions/{o.id}/edit",
                                     {"stance": "for", "text": "篡改"}).status_code == 403
    assert fresh(Opinion, o.id).text == "我的话"


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), (20, 120, 20)).save(buffer, "PNG")
    return buffer.getvalue()


def test_one_photo_is_stored_cleaned_and_served(world, login, client, matter):
    a = login(world.resident_a)
    response = a.post(f"/matters/{matter.id}/opinions", content_type="multipart/form-data", data={
        "csrf_token": a.csrf_token(), "stance": "suggestion", "text": "这里装一盏灯",
        "photo": (io.BytesIO(png()), "lamp.png")})
    assert response.status_code == 303
    o = db.session.scalar(select(Opinion))
    assert o.photo_key
    image = client.get(f"/opinions/{o.id}/photo/{o.photo_key}.jpg")
    assert image.status_code == 200 and image.mimetype == "image/jpeg"
    assert client.get(f"/opinions/{o.id}/photo/{o.photo_key}_t.jpg").status_code == 200
    assert client.get(f"/opinions/{o.id}/photo/{'0' * 32}.jpg").status_code == 404
    assert f"/opinions/{o.id}/photo/{o.photo_key}_t.jpg" in client.get(
        f"/matters/{matter.id}").get_data(as_text=True)


def test_a_file_that_is_not_a_photo_is_refused(world, login, matter):
    a = login(world.resident_a)
    response = a.post(f"/matters/{matter.id}/opinions", content_type="multipart/form-data", data={
        "csrf_token": a.csrf_token(), "stance": "for", "text": "附件",
        "photo": (io.BytesIO(b"%PDF-1.7"), "doc.jpg")})
    assert response.status_code == 422
    assert "不是 JPEG、PNG 或 WebP" in response.get_data(as_text=True)
    assert db.session.scalar(select(Opinion.id)) is None


def test_keyset_pages_have_every_opinion_once(world, app, client, matter):
    app.config["OPINION_PAGE_SIZE"] = 4
    try:
        start = datetime(2026, 5, 1, 8, 0)
        for i in range(10):
            clock.freeze(start + timedelta(minutes=i))
            say(matter, world.resident_a2 if i % 2 else world.resident_a, f"第{i:02d}号意见")
        seen, url = [], f"/matters/{matter.id}/opinions"
        while url:
            html = client.get(url).get_data(as_text=True)
            seen += re.findall(r"第(\d\d)号意见", html)
            nxt = re.search(r'class="button" href="([^"]+)" hx-get', html)
            url = nxt.group(1).replace("&amp;", "&") if nxt else None
        assert seen == [f"{i:02d}" for i in range(9, -1, -1)]
        partial = client.get(f"/matters/{matter.id}/opinions", headers={"HX-Request": "true"})
        assert "<html" not in partial.get_data(as_text=True)
        assert client.get(f"/matters/{matter.id}/opinions?after=nonsense").status_code == 400
    finally:
        del app.config["OPINION_PAGE_SIZE"]


def test_opening_the_vote_in_a_meeting_closes_opinions(world, login, matter):
    """The real plug: a vote opened on the matter's agenda item closes its opinions."""
    from deliberation.meetings import debate, voting

    a = login(world.resident_a)
    _, item = _meeting_with(world, matter, "议事会")
    debate.open_debate(item, world.chair_a)
    db.session.commit()
    assert post(a, matter, stance="for", text="讨论时说一句").status_code == 303
    voting.open_vote(item, world.chair_a)
    db.session.commit()
    response = post(a, matter, stance="for", text="表决时再说一句")
    assert response.status_code == 409 and "表决已经开始" in response.get_data(as_text=True)


def _meeting_with(world, matter, title: str):
    from deliberation.core.time import utcnow
    from deliberation.meetings import services as meetings

    meeting = meetings.create_meeting(world.chair_a, body_ids=[world.committee_a.id], title=title,
                                      starts_at=utcnow(), place="活动室", mode="in_person",
                                      chair_id=world.chair_a.id, recorder_id=world.recorder_a.id)
    item = meetings.add_item(meeting, matter, world.chair_a)
    meetings.publish(meeting, world.chair_a)
    meetings.start(meeting, world.chair_a)
    for member in (world.chair_a, world.recorder_a, world.member_a):
        meetings.check_in(meeting, member)
    db.session.commit()
    return meeting, item


@pytest.mark.parametrize("how", ["deferred", "not_reached", "objection_upheld"])
def test_a_deferred_matter_on_a_new_agenda_takes_opinions_until_its_new_vote(world, login, matter,
                                                                             how):
    """A scheduling that ended without a vote does not close opinions on the next one."""
    from deliberation.meetings import debate, voting

    chair, a = login(world.chair_a), login(world.resident_a)
    first, item = _meeting_with(world, matter, "第一次议事会")
    if how == "deferred":
        debate.open_debate(item, world.chair_a)
        db.session.commit()
        assert chair.post_form(f"/meetings/items/{item.id}/defer", {"confirmed": "1"}).status_code == 302
    elif how == "not_reached":  # the meeting ends before the item is reached
        assert chair.post_form(f"/meetings/{first.id}/end", {"confirmed": "1"}).status_code == 302
    else:  # adopted, then an objection upheld sends it back to be scheduled again
        from deliberation.meetings import objections

        debate.open_debate(item, world.chair_a)
        voting.open_vote(item, world.chair_a)
        for member in (world.chair_a, world.recorder_a, world.member_a):
            voting.cast(item.id, member, "yes")
        voting.close_vote(item, world.chair_a)
        objection = objections.file(matter, world.resident_a2, "程序有问题")
        objections.decide(objection, world.chair_a, uphold=True, reason="重新审议")
        db.session.commit()
    assert fresh(type(matter), matter.id).state in ("deferred", "accepted")

    second, new_item = _meeting_with(world, fresh(type(matter), matter.id), "第二次议事会")
    assert post(a, matter, stance="for", text="再议之前说一句").status_code == 303
    summary = chair.post_form(f"/matters/{matter.id}/opinions/summary", {"text": "居民多数支持。"})
    assert summary.status_code == 303
    debate.open_debate(new_item, world.chair_a)
    db.session.commit()
    assert chair.post_form(f"/meetings/items/{new_item.id}/open-vote",
                           {"ballot": "open", "method": "phones"}).status_code == 302
    response = post(a, matter, stance="for", text="表决时再说一句")
    assert response.status_code == 409 and "表决已经开始" in response.get_data(as_text=True)
    texts = [o.text for o in db.session.scalars(select(Opinion))]
    assert texts == ["再议之前说一句"]
